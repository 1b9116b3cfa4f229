target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/element_type.cpp
  ${CMAKE_CURRENT_LIST_DIR}/safetensors_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/safetensors_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_model_writer.cpp)
