target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sha256.cpp
  ${CMAKE_CURRENT_LIST_DIR}/score_file_import.cpp
  ${CMAKE_CURRENT_LIST_DIR}/score_file_export.cpp)
