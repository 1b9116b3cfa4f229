headscope_add_qt_test(tst_session_tools SOURCES session/tst_session_tools.cpp LIBS headscope::core Qt6::Core)
headscope_add_qt_test(tst_cli_score_formats SOURCES cli/tst_cli_score_formats.cpp LIBS headscope::core Qt6::Core LABELS cli)
add_dependencies(tst_cli_score_formats headscope-cli)
# Damaged sessions (found by fuzzing): the test damages a written session with the HDF5 API.
headscope_add_qt_test(tst_session_reader_faults SOURCES session/tst_session_reader_faults.cpp
                      LIBS headscope::core HDF5::HDF5 ZLIB::ZLIB Qt6::Core)
# Older-format files read through a current-format copy made in a child process
# (core/session/h5_older_format.h).
headscope_add_qt_test(tst_h5_older_format SOURCES session/tst_h5_older_format.cpp LIBS headscope::core HDF5::HDF5 Qt6::Core)
target_include_directories(tst_h5_older_format PRIVATE ${CMAKE_SOURCE_DIR}/core)
