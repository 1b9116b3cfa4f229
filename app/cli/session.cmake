target_sources(headscope-cli PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/model_shape_args.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_inspect.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_scores.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_import_scores.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_merge.cpp)
