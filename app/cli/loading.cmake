target_sources(headscope-cli PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cmd_info.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_make_test_model.cpp)
