add_executable(bench_probe probe/bench_probe.cpp)
target_link_libraries(bench_probe PRIVATE headscope::engine headscope::core headscope_warnings headscope_options)
