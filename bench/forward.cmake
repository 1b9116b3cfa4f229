add_executable(bench_forward forward/bench_forward.cpp)
target_link_libraries(bench_forward PRIVATE headscope::engine headscope::core ${TORCH_LIBRARIES} headscope_warnings headscope_options)
