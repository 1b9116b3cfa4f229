target_sources(headscope-cli PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cmd_generate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_args.cpp
  ${CMAKE_CURRENT_LIST_DIR}/interrupt_guard.cpp
  ${CMAKE_CURRENT_LIST_DIR}/head_list.cpp)
