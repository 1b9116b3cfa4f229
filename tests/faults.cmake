# Fault tests: what HeadScope does with full disks, file-size limits, damaged or locked files,
# outputs that already exist, and bad numbers — each case one that failed before it was fixed.
# Fast (tiny sessions and checkpoints); none needs root. docs/faults.md lists every case and its test.
headscope_add_qt_test(tst_session_faults SOURCES faults/tst_session_faults.cpp LIBS headscope::core Qt6::Core)
foreach(t tst_cli_outputs tst_cli_probe_faults tst_cli_input_faults)
  headscope_add_qt_test(${t} SOURCES faults/${t}.cpp LIBS Qt6::Core LABELS cli)
  add_dependencies(${t} headscope-cli)
endforeach()

# The fault suite, `ctest -L faults`: the tests above and those of other areas that keep a case
# of docs/faults.md fixed (each area's file defines them; this only labels them).
foreach(t tst_session_faults tst_cli_outputs tst_cli_probe_faults tst_cli_input_faults
          tst_session_tools tst_tokenizer_files tst_cli_tokenize tst_input_files)
  if(TEST ${t})
    set_property(TEST ${t} APPEND PROPERTY LABELS faults)
  endif()
endforeach()
