target_sources(headscope-cli PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cmd_allocate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/allocate_report.cpp)
target_link_libraries(headscope-cli PRIVATE nlohmann_json::nlohmann_json)
