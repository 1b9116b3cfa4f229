# headscope_views tests: offscreen Qt Widgets.
if(TARGET headscope_views)
  foreach(t tst_head_score_model tst_heatmap_plot tst_scores_panel tst_budget_panel tst_view_screenshots tst_head_statistics tst_session_plots tst_session_views tst_probe_panel tst_compare_panel tst_eval_panel)
    headscope_add_qt_test(${t} SOURCES views/${t}.cpp LIBS headscope::views Qt6::Widgets GUI LABELS gui)
  endforeach()
endif()
