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
option(HEADSCOPE_SANITIZE "Build with AddressSanitizer + UndefinedBehaviorSanitizer (scripts/test --sanitize)" OFF)
option(HEADSCOPE_FUZZ "Build only headscope_core and the libFuzzer harnesses (tests/fuzz/), with clang" OFF)
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
# Those flags and -Wshadow=local are GCC's; the clang build (fuzzing) uses the common set.
target_compile_options(headscope_warnings INTERFACE -Wall -Wextra -Wpedantic
                       $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local -Wno-restrict -Wno-maybe-uninitialized>
                       $<$<BOOL:${HEADSCOPE_WERROR}>:-Werror>)

add_library(headscope_options INTERFACE)
target_compile_definitions(headscope_options INTERFACE
  HEADSCOPE_VERSION="${PROJECT_VERSION}"
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING
  QT_DISABLE_DEPRECATED_BEFORE=0x060400 QT_NO_CONTEXTLESS_CONNECT)
# Sanitizers apply to every target of the build (directory-wide), so static libraries and the
# executables that link them agree. A separate build directory holds such a build.
set(_headscope_sanitizers "")
if(HEADSCOPE_SANITIZE)
  set(_headscope_sanitizers address,undefined)
endif()
if(HEADSCOPE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HEADSCOPE_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++ "
                        "-DCMAKE_C_COMPILER=clang (scripts/fuzz does)")
  endif()
  set(_headscope_sanitizers address,undefined)
  # Coverage instrumentation everywhere; only the harnesses link the fuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
  set(HEADSCOPE_BUILD_GUI OFF CACHE BOOL "" FORCE)
  set(HEADSCOPE_BUILD_BENCH OFF CACHE BOOL "" FORCE)
  set(BUILD_TESTING OFF CACHE BOOL "" FORCE)
endif()
if(_headscope_sanitizers)
  # Any undefined behaviour stops the program, so a test or a fuzz run fails on it.
  add_compile_options(-fsanitize=${_headscope_sanitizers} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_headscope_sanitizers} -fno-sanitize-recover=all)
endif()
