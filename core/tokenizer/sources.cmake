target_sources(headscope_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/added_vocabulary.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bpe_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/byte_level.cpp
  ${CMAKE_CURRENT_LIST_DIR}/chat_template.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/normalizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pre_tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/regex.cpp
  ${CMAKE_CURRENT_LIST_DIR}/special_tokens.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jinja/jinja_parse.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jinja/jinja_render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jinja/jinja_value.cpp)
