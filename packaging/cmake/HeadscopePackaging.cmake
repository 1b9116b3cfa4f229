# Debian package via CPack: `cmake --build build --target package` → headscope_<version>_amd64.deb.
# Depends are computed by dpkg-shlibdeps from the libraries actually linked; OpenBLAS is added
# by hand because libtorch links the generic libblas.so.3 and would otherwise run on the
# reference BLAS (about 25× slower GEMM).
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "headscope")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "HeadScope")
set(CPACK_PACKAGE_CONTACT "HeadScope maintainers <headscope@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Find the attention heads that matter and turn them into per-head KV-cache budgets")
set(CPACK_PACKAGE_DESCRIPTION "HeadScope runs needle-in-a-haystack probes on Llama, Mistral and Qwen2 checkpoints,
scores every attention head (DiliLazyKV InfScore, HeadKV retrieval scores), allocates per-head
KV budgets and compares compressed against full-cache generation. GUI (headscope) and CLI
(headscope-cli).")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")            # headscope_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp, shared-mime-info, hicolor-icon-theme")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
include(CPack)
