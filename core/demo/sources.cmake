target_sources(headscope_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/tiny_llama.cpp
  ${CMAKE_CURRENT_LIST_DIR}/demo_trainer.cpp)
