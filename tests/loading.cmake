headscope_add_qt_test(tst_model_config SOURCES loading/tst_model_config.cpp LIBS headscope::core nlohmann_json::nlohmann_json Qt6::Core)
headscope_add_qt_test(tst_checkpoint SOURCES loading/tst_checkpoint.cpp LIBS headscope::core Qt6::Core)
headscope_add_qt_test(tst_cli_smoke SOURCES cli/tst_cli_smoke.cpp LIBS headscope::core Qt6::Core LABELS cli)
add_dependencies(tst_cli_smoke headscope-cli)
