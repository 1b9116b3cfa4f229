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
