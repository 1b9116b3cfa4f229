# A real single-node Slurm (slurm-wlm + munge) started by the test: probe array + dependent merge.
headscope_add_qt_test(tst_slurm_cluster SOURCES cluster/tst_slurm_cluster.cpp LIBS headscope::core Qt6::Core LABELS cluster)
add_dependencies(tst_slurm_cluster headscope-cli)
# The same cluster: eval and sweep arrays (one task resuming an earlier attempt's shard) + merge.
headscope_add_qt_test(tst_slurm_eval SOURCES cluster/tst_slurm_eval.cpp LIBS headscope::core Qt6::Core LABELS cluster)
add_dependencies(tst_slurm_eval headscope-cli)
