target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/needles.cpp
  ${CMAKE_CURRENT_LIST_DIR}/haystack.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prompt_builder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/demo_corpus.cpp
  ${CMAKE_CURRENT_LIST_DIR}/demo_tokenizer.cpp)
