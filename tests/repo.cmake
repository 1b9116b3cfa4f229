# Repository checks: nothing outside the source tree is read or cited, no issue numbers in code,
# every cited document and section exists.
headscope_add_qt_test(tst_self_contained SOURCES repo/tst_self_contained.cpp LIBS Qt6::Core)
