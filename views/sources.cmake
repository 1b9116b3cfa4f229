target_sources(headscope_views PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/plots/plot_widget.cpp
  ${CMAKE_CURRENT_LIST_DIR}/plots/heatmap_plot.cpp
  ${CMAKE_CURRENT_LIST_DIR}/plots/bar_plot.cpp
  ${CMAKE_CURRENT_LIST_DIR}/models/head_score_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/models/top_heads_proxy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/models/table_csv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/models/score_set.cpp
  ${CMAKE_CURRENT_LIST_DIR}/widgets/scores_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/widgets/model_card.cpp
)
target_sources(headscope_views PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/widgets/param_slider.cpp
  ${CMAKE_CURRENT_LIST_DIR}/widgets/budget_panel.cpp
)
target_sources(headscope_views PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/plots/attention_row_plot.cpp
  ${CMAKE_CURRENT_LIST_DIR}/models/head_statistics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/widgets/category_panel.cpp
)
target_sources(headscope_views PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/models/session_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/widgets/session_filter_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/widgets/needle_grid_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/widgets/statistics_panel.cpp
)
target_sources(headscope_views PRIVATE ${CMAKE_CURRENT_LIST_DIR}/widgets/probe_panel.cpp)
target_sources(headscope_views PRIVATE ${CMAKE_CURRENT_LIST_DIR}/widgets/compare_panel.cpp)
