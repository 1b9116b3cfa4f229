# eval: long-context benchmark metrics, input files, the run over a Generator (fakes, no torch),
# generated tasks, and the CLI end to end on a tiny checkpoint.
headscope_add_qt_test(tst_eval_metrics SOURCES eval/tst_eval_metrics.cpp LIBS headscope::core)
headscope_add_qt_test(tst_eval_data SOURCES eval/tst_eval_data.cpp LIBS headscope::core)
headscope_add_qt_test(tst_eval_runner SOURCES eval/tst_eval_runner.cpp LIBS headscope::core)
headscope_add_qt_test(tst_task_generator SOURCES eval/tst_task_generator.cpp LIBS headscope::core)
headscope_add_qt_test(tst_cli_eval SOURCES eval/tst_cli_eval.cpp LIBS headscope::core Qt6::Core LABELS cli)
add_dependencies(tst_cli_eval headscope-cli)
headscope_add_qt_test(tst_eval_replay SOURCES eval/tst_eval_replay.cpp LIBS headscope::core)
