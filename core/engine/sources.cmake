target_sources(headscope_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/device_names.cpp
  ${CMAKE_CURRENT_LIST_DIR}/engine.cpp)
