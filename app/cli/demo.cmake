target_sources(headscope-cli PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cmd_train_demo.cpp)
