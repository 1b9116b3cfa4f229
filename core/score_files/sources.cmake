target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sha256.cpp
  ${CMAKE_CURRENT_LIST_DIR}/score_file_import.cpp
  ${CMAKE_CURRENT_LIST_DIR}/score_file_export.cpp
  ${CMAKE_CURRENT_LIST_DIR}/score_shape.cpp
  ${CMAKE_CURRENT_LIST_DIR}/score_formats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/duo_tsv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qrhead_yaml.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compresskv_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lukv_npy.cpp)
