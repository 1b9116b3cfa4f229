# Torch-free scoring: row reduction, head metrics, gates, score-file import/export.
headscope_add_qt_test(tst_row_metrics SOURCES scoring/tst_row_metrics.cpp LIBS headscope::core)
headscope_add_qt_test(tst_gates SOURCES scoring/tst_gates.cpp LIBS headscope::core)
headscope_add_qt_test(tst_score_files SOURCES scoring/tst_score_files.cpp LIBS headscope::core)
headscope_add_qt_test(tst_score_formats SOURCES scoring/tst_score_formats.cpp LIBS headscope::core Qt6::Core nlohmann_json::nlohmann_json)
headscope_add_qt_test(tst_write_score SOURCES scoring/tst_write_score.cpp LIBS headscope::core)
