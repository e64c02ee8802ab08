#!/usr/bin/env bash
# Longer fuzzing campaign: builds build-fuzz/ (scripts/build_fuzz.sh) and runs every libFuzzer
# target of tests/fuzz for SECONDS_PER_TARGET (default 600) one after the other, growing a corpus
# kept in build-fuzz/fuzz-corpus/<target> across runs (the CTest test "fuzz" runs 60 s from
# the checked-in seeds only). Prints executions, exec/s and coverage per target, the total CPU
# hours, and every finding (inputs in build-fuzz/fuzz-findings/<target>/).
#
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# New seeds worth checking in: merge the grown corpus into the seed corpus with
#   build-fuzz/bin/T -merge=1 tests/fuzz/corpus/T build-fuzz/fuzz-corpus/T
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
seconds=${1:-600}
[ $# -gt 0 ] && shift
scripts/build_fuzz.sh || exit 1
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
# The campaign also holds the SQL the translator writes to SQLite's parser (tests/fuzz/README.md).
export DAX_FUZZ_SQL_ORACLE=${DAX_FUZZ_SQL_ORACLE-1}
FUZZ_CORPUS_DIR=$PWD/build-fuzz/fuzz-corpus FUZZ_SUMMARY=$summary tests/fuzz/run.sh build-fuzz "$seconds" "$@"
rc=$?
echo
echo "=== fuzz campaign: ${seconds}s per target"
awk -F'\t' '{
    printf "%-22s %s  %12d execs  %7d exec/s  %8.1f CPU s  cov %d -> %d  (+%d new inputs)\n", $1, $2, $3, $4, $5, $6, $7, $8
    execs += $3; cpu += $5
  } END { printf "total: %d execs, %.3f CPU hours\n", execs, cpu / 3600 }' "$summary"
findings=$(grep -c $'\tFAIL\t' "$summary")
if [ "$findings" -gt 0 ]; then
  echo "findings: $findings target(s) failed; inputs:"
  find build-fuzz/fuzz-findings -type f ! -name last-failure.log -newer "$summary" 2>/dev/null
else
  echo "findings: none"
fi
exit $rc
