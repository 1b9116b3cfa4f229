# headscope GUI controllers and main window (issue 5): offscreen Qt Widgets.
if(TARGET headscope_gui_controllers)
  foreach(t tst_engine_controller tst_main_window)
    headscope_add_qt_test(${t} SOURCES app/${t}.cpp LIBS headscope_gui_controllers Qt6::Widgets GUI LABELS gui)
  endforeach()
endif()
