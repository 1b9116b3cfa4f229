target_sources(headscope-cli PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cmd_compare.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_sweep.cpp)
