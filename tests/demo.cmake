# The bundled demo model: its synthetic training documents and the trainer at toy size.
headscope_add_qt_test(tst_demo_corpus SOURCES demo/tst_demo_corpus.cpp LIBS headscope::core Qt6::Core LABELS unit)
headscope_add_qt_test(tst_demo_trainer SOURCES demo/tst_demo_trainer.cpp LIBS headscope::engine Qt6::Core LABELS engine)
