# Project-wide options and the INTERFACE targets that carry them (linked PRIVATE everywhere).
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

option(BUILD_TESTING "Build the tests" ON)
option(HEADSCOPE_BUILD_GUI "Build the Qt GUI (needs Qt6 + QCustomPlot)" ON)
option(HEADSCOPE_BUILD_BENCH "Build the benchmarks" ON)
option(HEADSCOPE_WERROR "Treat warnings as errors (CI)" OFF)
option(HEADSCOPE_ENABLE_CCACHE "Use ccache when available" ON)
option(HEADSCOPE_ENABLE_ASAN "Build with AddressSanitizer" OFF)
option(HEADSCOPE_ENABLE_CUDA "Build HeadScope's optional CUDA kernels" OFF)

if(HEADSCOPE_ENABLE_CCACHE)
  find_program(HEADSCOPE_CCACHE ccache)
  if(HEADSCOPE_CCACHE)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${HEADSCOPE_CCACHE}")
    set(CMAKE_C_COMPILER_LAUNCHER "${HEADSCOPE_CCACHE}")
  endif()
endif()

add_library(headscope_warnings INTERFACE)
# GCC 12 reports false -Wrestrict/-Wmaybe-uninitialized positives inside libstdc++ at -O3 (GCC PR 105329).
target_compile_options(headscope_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local -Wno-restrict -Wno-maybe-uninitialized
                       $<$<BOOL:${HEADSCOPE_WERROR}>:-Werror>)

add_library(headscope_options INTERFACE)
target_compile_definitions(headscope_options INTERFACE
  HEADSCOPE_VERSION="${PROJECT_VERSION}"
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING
  QT_DISABLE_DEPRECATED_BEFORE=0x060400 QT_NO_CONTEXTLESS_CONNECT)
if(HEADSCOPE_ENABLE_ASAN)
  target_compile_options(headscope_options INTERFACE -fsanitize=address -fno-omit-frame-pointer)
  target_link_options(headscope_options INTERFACE -fsanitize=address)
endif()
