target_sources(headscope_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/comparison.cpp
  ${CMAKE_CURRENT_LIST_DIR}/budget_sweep.cpp)
