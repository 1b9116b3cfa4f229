target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/model_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/arch/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/arch/llama.cpp
  ${CMAKE_CURRENT_LIST_DIR}/arch/mistral.cpp
  ${CMAKE_CURRENT_LIST_DIR}/arch/qwen2.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tensor_names.cpp)
