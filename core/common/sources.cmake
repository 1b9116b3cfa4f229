target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/errors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/file_read.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hook_names.cpp
  ${CMAKE_CURRENT_LIST_DIR}/runtime_setup.cpp
  ${CMAKE_CURRENT_LIST_DIR}/install_paths.cpp)
