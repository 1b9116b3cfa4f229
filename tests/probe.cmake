headscope_add_qt_test(tst_probe_definition SOURCES probe/tst_probe_definition.cpp LIBS headscope::core Qt6::Core)
set_tests_properties(tst_probe_definition PROPERTIES FIXTURES_REQUIRED tokenizers)
headscope_add_qt_test(tst_probe_session SOURCES probe/tst_probe_session.cpp LIBS headscope::engine Qt6::Core LABELS engine)
set_tests_properties(tst_probe_session PROPERTIES FIXTURES_REQUIRED tokenizers)
add_dependencies(tst_probe_session headscope-cli)
# The probe runner's orchestration on a scripted FakeGenerator: no model, no LibTorch.
headscope_add_qt_test(tst_probe_runner SOURCES probe/tst_probe_runner.cpp LIBS headscope::core Qt6::Core)
# ProbeRequest, HaystackSpec and the text forms the CLI and the GUI share (torch-free).
headscope_add_qt_test(tst_probe_request SOURCES probe/tst_probe_request.cpp LIBS headscope::core Qt6::Core)
