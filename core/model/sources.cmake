target_sources(headscope_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/model_weights.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rope.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_kv_cache.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decoder.cpp)
