target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/budget_plan.cpp
  ${CMAKE_CURRENT_LIST_DIR}/allocator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/adakv_allocator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/budget_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compression_spec.cpp)
