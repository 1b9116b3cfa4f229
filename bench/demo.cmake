add_executable(bench_demo_evidence demo/bench_demo_evidence.cpp)
target_link_libraries(bench_demo_evidence PRIVATE headscope::engine headscope::core headscope_warnings headscope_options)
target_compile_definitions(bench_demo_evidence PRIVATE HEADSCOPE_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
