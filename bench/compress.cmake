add_executable(bench_compress compress/bench_compress.cpp)
target_link_libraries(bench_compress PRIVATE headscope::engine headscope::core headscope_warnings headscope_options)
