# Engine tests: tiny checkpoints written by writeTestModel against the independent float64
# reference in tests/reference/, and properties of generation (cache, chunking, observer, masks).
add_library(headscope_test_reference STATIC reference/naive_decoder.cpp)
target_link_libraries(headscope_test_reference PUBLIC headscope::core PRIVATE headscope_warnings headscope_options)
target_include_directories(headscope_test_reference PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})

headscope_add_qt_test(tst_decoder_reference SOURCES engine/tst_decoder_reference.cpp
                      LIBS headscope::engine headscope_test_reference Qt6::Core LABELS engine)
headscope_add_qt_test(tst_decoder_properties SOURCES engine/tst_decoder_properties.cpp
                      LIBS headscope::engine headscope_test_reference Qt6::Core LABELS engine)
headscope_add_qt_test(tst_write_hooks SOURCES engine/tst_write_hooks.cpp LIBS headscope::engine Qt6::Core LABELS engine)
