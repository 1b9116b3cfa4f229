target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/row_stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/head_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_score_accumulator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/score_aggregation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/porter_stemmer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gates.cpp)
