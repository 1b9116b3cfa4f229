headscope_add_qt_test(tst_session_tools SOURCES session/tst_session_tools.cpp LIBS headscope::core Qt6::Core)
