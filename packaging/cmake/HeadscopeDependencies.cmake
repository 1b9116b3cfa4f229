# Every dependency comes from a Debian package (packaging/debian-packages.txt).
# Order matters: Qt6 before QCustomPlotQt6, whose config does not find Qt itself.
if(HEADSCOPE_BUILD_GUI OR BUILD_TESTING)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Widgets Test Concurrent PrintSupport Svg)
endif()
if(HEADSCOPE_BUILD_GUI)
  find_package(QCustomPlotQt6 REQUIRED)
endif()
if(NOT HEADSCOPE_FUZZ) # the fuzzing build is headscope_core only: no engine, no torch
  find_package(Torch REQUIRED)
  # LibTorch's CPU backend is OpenMP, and at::parallel_for is a header template: it splits work
  # among threads only in code compiled with OpenMP. Without it, every at::parallel_for in the
  # engine's own kernels (flash prefill, K/V packing, norms, RoPE, SwiGLU) ran on one thread.
  find_package(OpenMP REQUIRED COMPONENTS CXX)
endif()
find_package(HDF5 REQUIRED COMPONENTS C) # the C API only: libhdf5_cpp's exit handler closes files HeadScope already closed
# zlib: session chunks are inflated once to check their size before HDF5 reads them.
find_package(ZLIB REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# Unicode normalization (NFC/NFD/NFKC/NFKD), case mapping and categories for tokenizer normalizers.
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
# SHA-256 of weight files (libcrypto uses the CPU's SHA extensions).
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
find_package(Threads REQUIRED)
