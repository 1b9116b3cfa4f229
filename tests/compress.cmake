# Compressed KV caches: the varlen kernel and SnapKV scores (engine internals, so the test sees
# core/engine/ and LibTorch directly), and compressed generation through the Engine facade.
headscope_add_qt_test(tst_varlen_attention SOURCES compress/tst_varlen_attention.cpp
                      LIBS headscope::engine ${TORCH_LIBRARIES} Qt6::Core LABELS engine)
target_include_directories(tst_varlen_attention PRIVATE ${CMAKE_SOURCE_DIR}/core/engine)
headscope_add_qt_test(tst_compressed_generation SOURCES compress/tst_compressed_generation.cpp
                      LIBS headscope::engine Qt6::Core LABELS engine)
headscope_add_qt_test(tst_comparison SOURCES compress/tst_comparison.cpp
                      LIBS headscope::engine Qt6::Core LABELS engine)
headscope_add_qt_test(tst_cli_compress SOURCES compress/tst_cli_compress.cpp
                      LIBS headscope::core Qt6::Core LABELS cli)
add_dependencies(tst_cli_compress headscope-cli)
headscope_add_qt_test(tst_budget_sweep SOURCES compress/tst_budget_sweep.cpp
                      LIBS headscope::engine Qt6::Core LABELS engine)
headscope_add_qt_test(tst_cached_keys SOURCES compress/tst_cached_keys.cpp
                      LIBS headscope::engine headscope_test_reference ${TORCH_LIBRARIES} Qt6::Core LABELS engine)
target_include_directories(tst_cached_keys PRIVATE ${CMAKE_SOURCE_DIR}/core/engine ${CMAKE_SOURCE_DIR}/tests)
headscope_add_qt_test(tst_cli_families SOURCES compress/tst_cli_families.cpp
                      LIBS headscope::core Qt6::Core LABELS cli)
add_dependencies(tst_cli_families headscope-cli)
# The comparison's and the sweep's orchestration on a scripted FakeGenerator: no model, no LibTorch.
headscope_add_qt_test(tst_comparison_runs SOURCES compress/tst_comparison_runs.cpp LIBS headscope::core Qt6::Core)
headscope_add_qt_test(tst_sweep_runs SOURCES compress/tst_sweep_runs.cpp LIBS headscope::core Qt6::Core)
# Sharded sweeps: the shard rule, the merge of shards and --resume of a finished shard (FakeGenerator).
headscope_add_qt_test(tst_sweep_shards SOURCES compress/tst_sweep_shards.cpp LIBS headscope::core Qt6::Core)
