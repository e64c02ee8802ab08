#!/usr/bin/env bash
# Runs the libFuzzer targets built by scripts/build_fuzz.sh, each for a bounded time, from its
# seed corpus (tests/fuzz/corpus/<target>, read only) under ASan+UBSan with leak detection.
#
#   tests/fuzz/run.sh BUILD_FUZZ_DIR SECONDS [TARGET...]
#
# Prints per target: executions, exec/s, CPU seconds, coverage (edges when the seeds are loaded
# -> at the end) and PASS/FAIL; exits 1 on any finding (crash, sanitizer report, leak, timeout
# over 10 s, out of memory) or a missing target. A finding's input is kept in
# BUILD_FUZZ_DIR/fuzz-findings/<target>/ and its path printed; reproduce with
# `BUILD_FUZZ_DIR/bin/<target> <file>`.
# The inputs in tests/fuzz/findings/<target>-* are replayed first (regressions).
# Environment: FUZZ_CORPUS_DIR=DIR keeps the inputs that add coverage in DIR/<target> and starts
# from them next time (default: a temporary directory, removed); FUZZ_SUMMARY=FILE appends one
# tab-separated line per target (target, status, execs, exec/s, cpu s, cov start, cov end, new units).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_FUZZ_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$1
seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(adql_fuzz votable_reader_fuzz csv_reader_fuzz dali_params_fuzz http_fuzz fits_fuzz)

max_len_of() {
  case $1 in
    votable_reader_fuzz) echo 32768 ;;
    fits_fuzz) echo 40000 ;;
    dali_params_fuzz) echo 16384 ;;
    *) echo 8192 ;;
  esac
}
dict_of() {
  case $1 in
    adql_fuzz) echo "$here/adql.dict" ;;
    votable_reader_fuzz) echo "$here/votable.dict" ;;
    csv_reader_fuzz) echo "$here/csv.dict" ;;
    dali_params_fuzz) echo "$here/dali.dict" ;;
    http_fuzz) echo "$here/http.dict" ;;
    fits_fuzz) echo "$here/fits.dict" ;;
  esac
}

if [ ! -d "$build/bin" ]; then
  echo "FAIL: no fuzz build in '$build' (run scripts/build_fuzz.sh)" >&2
  exit 1
fi
build=$(cd "$build" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dax-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Symbolized stacks: llvm-symbolizer (package llvm-14) when not on PATH under that name.
if ! command -v llvm-symbolizer >/dev/null && [ -x /usr/bin/llvm-symbolizer-14 ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
fi

failed=0
report=()
for t in "${targets[@]}"; do
  bin=$build/bin/$t
  seeds=$here/corpus/$t
  if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
    echo "FAIL: $t: no binary $bin or no seed corpus $seeds (run scripts/build_fuzz.sh)" >&2
    report+=("$(printf '%-22s FAIL  missing binary or seed corpus' "$t")")
    failed=1
    continue
  fi
  if [ -n "${FUZZ_CORPUS_DIR:-}" ]; then
    corpus=$FUZZ_CORPUS_DIR/$t
  else
    corpus=$work/corpus-$t
  fi
  artifacts=$build/fuzz-findings/$t
  mkdir -p "$corpus" "$artifacts"
  log=$work/$t.log
  # Earlier findings (tests/fuzz/findings/<target>-*) are replayed first, as regression inputs.
  shopt -s nullglob
  replay=("$here"/findings/"$t"-*)
  shopt -u nullglob
  if [ ${#replay[@]} -gt 0 ] && ! "$bin" "${replay[@]}" >"$work/$t.replay.log" 2>&1; then
    echo "FAIL: $t: an input of tests/fuzz/findings crashes again:"
    grep -E '^Running: ' "$work/$t.replay.log" | tail -1
    grep -E -m1 -A30 '^[a-z_]+_fuzz: |^==[0-9]+==ERROR|runtime error:|deadly signal' "$work/$t.replay.log"
    report+=("$(printf '%-22s FAIL  a tests/fuzz/findings input crashes again' "$t")")
    [ -n "${FUZZ_SUMMARY:-}" ] && printf '%s\tFAIL\t0\t0\t0\t0\t0\t0\n' "$t" >>"$FUZZ_SUMMARY"
    failed=1
    continue
  fi
  echo "=== $t: ${seconds}s from $(ls "$seeds" | wc -l) seeds (+$(ls "$corpus" | wc -l) kept inputs)"
  # The first directory receives the inputs that add coverage; the seeds are only read.
  TIMEFORMAT='%U %S'
  # libFuzzer stops by itself after max_total_time; the outer limit turns a hang (a unit that
  # never returns, or an exit that never ends) into a FAIL with the log, not a CTest timeout.
  { time timeout -k 10 $((seconds + 90)) "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="$(max_len_of "$t")" \
      -print_final_stats=1 -dict="$(dict_of "$t")" -artifact_prefix="$artifacts/" \
      "$corpus" "$seeds" >"$log" 2>&1; } 2>"$work/$t.time"
  rc=$?
  cpu=$(awk '{printf "%.1f", $1 + $2}' "$work/$t.time" 2>/dev/null)
  fstat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  execs=$(fstat number_of_executed_units)
  eps=$(fstat average_exec_per_sec)
  units=$(fstat new_units_added)
  rss=$(fstat peak_rss_mb)
  cov0=$(grep -m1 -E '(INITED|INITIALIZED).* cov: ' "$log" | sed -E 's/.* cov: ([0-9]+).*/\1/')
  cov1=$(grep -E '#[0-9]+.* cov: ' "$log" | tail -1 | sed -E 's/.* cov: ([0-9]+).*/\1/')
  ft1=$(grep -E '#[0-9]+.* ft: ' "$log" | tail -1 | sed -E 's/.* ft: ([0-9]+).*/\1/')
  status=PASS
  if [ $rc -ne 0 ] || [ -z "$execs" ]; then
    status=FAIL
    failed=1
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && echo "--- $t did not end within $((seconds + 90)) s (a hang)"
  fi
  line=$(printf '%-22s %s  execs=%s  exec/s=%s  cpu=%ss  cov=%s->%s (+%s)  ft=%s  new_units=%s  rss=%sMB' \
    "$t" "$status" "${execs:-?}" "${eps:-?}" "${cpu:-?}" "${cov0:-?}" "${cov1:-?}" \
    "$([ -n "$cov0" ] && [ -n "$cov1" ] && echo $((cov1 - cov0)) || echo '?')" "${ft1:-?}" "${units:-?}" "${rss:-?}")
  echo "$line"
  report+=("$line")
  [ -n "${FUZZ_SUMMARY:-}" ] && printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$status" "${execs:-0}" "${eps:-0}" \
    "${cpu:-0}" "${cov0:-0}" "${cov1:-0}" "${units:-0}" >>"$FUZZ_SUMMARY"
  if [ $status = FAIL ]; then
    # The sanitizer or libFuzzer report, the top of the stack, and where the input is.
    echo "--- $t failed (exit $rc); report:"
    grep -E -m1 -A40 '^[a-z_]+_fuzz: |^==[0-9]+==ERROR|runtime error:|^==[0-9]+== ERROR: libFuzzer|ERROR: LeakSanitizer|ALARM: working on the last Unit|out-of-memory|deadly signal|uncaught exception|terminate called' "$log" | head -60
    unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [ -n "$unit" ]; then
      echo "--- finding: $unit"
      echo "    reproduce: $bin $unit"
      report+=("    finding: $unit")
    else
      echo "--- last lines of the log:"
      tail -20 "$log"
    fi
    cp "$log" "$artifacts/last-failure.log" && echo "    log: $artifacts/last-failure.log"
  fi
done

echo "=== fuzz summary (${seconds}s per target)"
printf '%s\n' "${report[@]}"
n_fail=0
for l in "${report[@]}"; do case $l in *" FAIL "*) n_fail=$((n_fail + 1)) ;; esac; done
echo "$(( ${#targets[@]} - n_fail )) passed, $n_fail failed"
exit $failed
