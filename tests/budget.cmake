# Budget allocation, plans, memory estimates and budget files (torch-free).
headscope_add_qt_test(tst_allocators SOURCES budget/tst_allocators.cpp LIBS headscope::core)
headscope_add_qt_test(tst_budget_plan SOURCES budget/tst_budget_plan.cpp LIBS headscope::core)
headscope_add_qt_test(tst_cli_allocate SOURCES budget/tst_cli_allocate.cpp LIBS headscope::core LABELS cli)
add_dependencies(tst_cli_allocate headscope-cli)
