# Builds the Debian package with CPack and inspects it. Runs after everything is built.
headscope_add_qt_test(tst_package SOURCES package/tst_package.cpp LIBS headscope::core Qt6::Core LABELS package)
target_compile_definitions(tst_package PRIVATE
  HEADSCOPE_BINARY_DIR="${CMAKE_BINARY_DIR}"
  HEADSCOPE_PROJECT_VERSION="${PROJECT_VERSION}"
  HEADSCOPE_HAS_GUI=$<BOOL:${HEADSCOPE_BUILD_GUI}>)
set_tests_properties(tst_package PROPERTIES RUN_SERIAL TRUE TIMEOUT 900)
