# headscope GUI controllers and main window: offscreen Qt Widgets.
if(TARGET headscope_gui_shell)
  foreach(t tst_engine_controller tst_main_window tst_session_file_source tst_researcher_flows tst_eval_view)
    headscope_add_qt_test(${t} SOURCES app/${t}.cpp LIBS headscope_gui_shell Qt6::Widgets GUI LABELS gui)
  endforeach()
  # Probe runs need a real tokenizer: the `tokenizers` fixture (tests/tokenizer.cmake) fetches it.
  headscope_add_qt_test(tst_run_panels SOURCES app/tst_run_panels.cpp LIBS headscope_gui_shell Qt6::Widgets
                        GUI LABELS gui tokenizer)
  # Compare on a probe test of the open session: the fixture session's prompt is llama3 ids.
  headscope_add_qt_test(tst_compare_probe_test SOURCES app/tst_compare_probe_test.cpp
                        LIBS headscope_gui_shell Qt6::Widgets GUI LABELS gui tokenizer)
  # The GUI and the CLI feed the same prompt ids for the same probe settings (byte tokenizer, no fixture).
  headscope_add_qt_test(tst_probe_parity SOURCES app/tst_probe_parity.cpp LIBS headscope_gui_shell Qt6::Widgets
                        GUI LABELS gui)
  add_dependencies(tst_probe_parity headscope-cli)
  if(TEST fetch_tokenizers)
    set_tests_properties(tst_run_panels tst_compare_probe_test PROPERTIES FIXTURES_REQUIRED tokenizers)
  endif()
endif()

# The attention row view over a written session, with and without stored full rows: needs only
# SessionFileSource (no engine), so it builds without LibTorch code.
if(TARGET headscope_session_source)
  headscope_add_qt_test(tst_attention_row_view SOURCES app/tst_attention_row_view.cpp
                        LIBS headscope_session_source Qt6::Widgets GUI LABELS gui)
endif()

# The real app driven as a user would, under Xvfb with openbox, by keyboard only (scripts/gui-walk):
# load the demo model, a 5-test probe, the top 3 heads masked and re-run, Compare with them
# masked, a DiliLazyKV budget exported; it checks the exported budget and ablation table. About
# 20 s; exit status 77 (skipped) when Xvfb, openbox or xdotool is missing.
if(TARGET headscope)
  add_test(NAME gui_walk COMMAND ${CMAKE_SOURCE_DIR}/scripts/gui-walk --app $<TARGET_FILE:headscope>
                                 --out ${CMAKE_BINARY_DIR}/gui-walk)
  set_tests_properties(gui_walk PROPERTIES LABELS gui SKIP_RETURN_CODE 77 TIMEOUT 300
                                           ENVIRONMENT "OMP_NUM_THREADS=2")
endif()
