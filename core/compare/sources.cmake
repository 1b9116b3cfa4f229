target_sources(headscope_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/comparison.cpp)
