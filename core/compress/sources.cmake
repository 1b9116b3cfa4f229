target_sources(headscope_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/varlen_attention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compressed_kv_cache.cpp
  ${CMAKE_CURRENT_LIST_DIR}/snapkv_scores.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cache_compressor.cpp)
