# Engine tests: tiny checkpoints written by writeTestModel against the independent float64
# reference in tests/reference/, and properties of generation (cache, chunking, observer, masks).
add_library(headscope_test_reference STATIC reference/naive_decoder.cpp)
target_link_libraries(headscope_test_reference PUBLIC headscope::core PRIVATE headscope_warnings headscope_options)
target_include_directories(headscope_test_reference PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})

headscope_add_qt_test(tst_decoder_reference SOURCES engine/tst_decoder_reference.cpp
                      LIBS headscope::engine headscope_test_reference Qt6::Core LABELS engine)
headscope_add_qt_test(tst_decoder_properties SOURCES engine/tst_decoder_properties.cpp
                      LIBS headscope::engine headscope_test_reference Qt6::Core LABELS engine)
headscope_add_qt_test(tst_engine_memory SOURCES engine/tst_engine_memory.cpp
                      LIBS headscope::engine Qt6::Core LABELS engine)
# The fused CPU kernels are engine internals: the test sees core/engine/ and LibTorch directly.
headscope_add_qt_test(tst_cpu_kernels SOURCES engine/tst_cpu_kernels.cpp
                      LIBS headscope::engine ${TORCH_LIBRARIES} Qt6::Core LABELS engine)
target_include_directories(tst_cpu_kernels PRIVATE ${CMAKE_SOURCE_DIR}/core/engine)
# bf16 against f32 on the demo model: the same heads ranked alike (tolerances in the test's header).
headscope_add_qt_test(tst_dtype_agreement SOURCES engine/tst_dtype_agreement.cpp
                      LIBS headscope::engine Qt6::Core LABELS engine)
headscope_add_qt_test(tst_write_hooks SOURCES engine/tst_write_hooks.cpp LIBS headscope::engine Qt6::Core LABELS engine)
