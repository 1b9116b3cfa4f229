#!/usr/bin/env bash
# ctest's fuzz-smoke run of one harness: its committed seeds plus a few seconds of mutations.
# New inputs go to a scratch corpus in the build tree (listed first, so libFuzzer writes there),
# crash reproducers next to it; the committed corpus is only read.
#   run_smoke.sh FUZZER SEED_CORPUS SCRATCH_DIR SECONDS
set -euo pipefail
fuzzer=$1 seeds=$2 scratch=$3 seconds=$4
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")/../sanitizers" && pwd)/lsan.supp:print_suppressions=0"
# A fixed seed, so that a CI run is reproducible (long runs, scripts/fuzz, explore with random ones).
rm -rf "$scratch"
mkdir -p "$scratch/corpus" "$scratch/artifacts"
exec "$fuzzer" -seed="${HEADSCOPE_FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
     -artifact_prefix="$scratch/artifacts/" "$scratch/corpus" "$seeds"
