target_sources(headscope_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/row_stats_observer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/probe_runner.cpp)
