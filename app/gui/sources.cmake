# The headscope executable (the GUI). Sources listed here; app/gui/CMakeLists.txt includes this file.
# Controllers are a small static library so tests/app can link them without main.cpp.
# SessionFileSource needs only core (sessions, tokenizer, prompt rebuild) and views, not the
# LibTorch engine, so it is a library of its own: session-view tests link it without building
# the engine.
add_library(headscope_session_source STATIC ${CMAKE_CURRENT_LIST_DIR}/controllers/session_file_source.cpp)
target_include_directories(headscope_session_source PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(headscope_session_source
  PUBLIC headscope::views headscope::core Qt6::Widgets
  PRIVATE headscope_warnings headscope_options)

add_library(headscope_gui_controllers STATIC
  ${CMAKE_CURRENT_LIST_DIR}/main_window.cpp
  ${CMAKE_CURRENT_LIST_DIR}/controllers/engine_controller.cpp
  ${CMAKE_CURRENT_LIST_DIR}/controllers/session_controller.cpp
  ${CMAKE_CURRENT_LIST_DIR}/controllers/app_settings.cpp
  ${CMAKE_CURRENT_LIST_DIR}/controllers/score_file_loader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/controllers/compare_bridge.cpp
)
set_target_properties(headscope_gui_controllers PROPERTIES AUTOMOC ON)
target_include_directories(headscope_gui_controllers PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(headscope_gui_controllers
  PUBLIC headscope_session_source headscope::views headscope::engine headscope::core Qt6::Widgets Qt6::Concurrent
  PRIVATE headscope_warnings headscope_options)

add_executable(headscope ${CMAKE_CURRENT_LIST_DIR}/main.cpp ${PROJECT_SOURCE_DIR}/resources/headscope.qrc)
set_target_properties(headscope PROPERTIES AUTOMOC ON AUTORCC ON)
target_link_libraries(headscope PRIVATE headscope_gui_controllers headscope::views headscope::engine headscope::core
  Qt6::Widgets Qt6::Concurrent headscope_warnings headscope_options)
