# The bounded JSON reader every input goes through, and each reader's refusal of hostile nesting.
headscope_add_qt_test(tst_json_input SOURCES common/tst_json_input.cpp
                      LIBS headscope::core nlohmann_json::nlohmann_json Qt6::Core)
target_include_directories(tst_json_input PRIVATE ${CMAKE_SOURCE_DIR}/core)
