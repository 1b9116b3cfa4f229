target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/h5_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/session_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/session_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/session_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/session_tools.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sweep_results.cpp)
