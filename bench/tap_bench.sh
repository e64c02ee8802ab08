#!/usr/bin/env bash
# TAP benchmark on the demo data: tap-server on its embedded SQLite and on a throwaway
# PostgreSQL+pgSphere (started by tests/exec/with_servers.sh; NO_PG=1 skips it), beside the DaCHS peer when
# it answers at DACHS_URL (shared/peers/dachs/setup.sh), measured in one run by the same client.
#   bench/tap_bench.sh [BUILD_BIN_DIR]     env: DACHS_URL (default http://127.0.0.1:8090/tap),
#                                               WRK_SECS (10), WRK_CONNS (16)
# Cases: (a) SELECT TOP 1 sync latency, (b) ~100-row cone search, (c) 100,000 rows as BINARY2,
# (d) wrk on (a) for WRK_SECS s at WRK_CONNS connections; with STREAM_ROWS=N also (e) the server's
# memory while N rows stream as one sync result (115000000 rows ~ 5 GB). Loopback only.
set -euo pipefail
# The PostgreSQL figures need a throwaway server: re-run under the test suite's launcher.
if [ -z "${DAX_TEST_PG:-}" ] && [ "${NO_PG:-}" != 1 ]; then
  exec "$(dirname "$0")/../tests/exec/with_servers.sh" "$0" "$@"
fi
BIN=${1:-build/bin}
DACHS_URL=${DACHS_URL:-http://127.0.0.1:8090/tap}
WRK_SECS=${WRK_SECS:-10}
WRK_CONNS=${WRK_CONNS:-16}
TMP=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/tap-server" --port "$port" --data-dir "$TMP/data" > "$TMP/server.log" 2>&1 &
PID=$!
URL=http://127.0.0.1:$port/tap
for _ in $(seq 1 300); do curl -sf "$URL/availability" > /dev/null 2>&1 && break; sleep 0.1; done

top1='/sync?LANG=ADQL&QUERY=SELECT%20TOP%201%20*%20FROM%20demo.stars'
run() {  # run LABEL URL
  "$BIN/tap_bench" "$2" "$1"
  if command -v wrk > /dev/null; then
    wrk -t2 -c"$WRK_CONNS" -d"${WRK_SECS}s" "$2$top1" > "$TMP/wrk.txt" 2>&1 || true
    printf '%-18s (d) wrk %ss x %s connections: %s requests/s, %s non-2xx\n' "$1" "$WRK_SECS" "$WRK_CONNS" \
      "$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.txt")" "$(awk '/Non-2xx/ {print $NF}' "$TMP/wrk.txt" | grep . || echo 0)"
  fi
}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
run libdax-sqlite "$URL"
if [ -n "${STREAM_ROWS:-}" ]; then
  # (e) memory while a large sync result streams: STREAM_ROWS rows (115000000 ~ 5 GB BINARY2).
  kill "$PID"; wait "$PID" 2>/dev/null || true
  printf 'data_dir: %s\nlimits: {hard_maxrec: %s}\n' "$TMP/data" "$STREAM_ROWS" > "$TMP/big.yaml"
  "$BIN/tap-server" --port "$port" --config "$TMP/big.yaml" > "$TMP/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 300); do curl -sf "$URL/availability" > /dev/null 2>&1 && break; sleep 0.1; done
  rss0=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
  ( peak=0; while kill -0 "$PID" 2>/dev/null; do r=$(awk '/VmRSS/ {print $2}' /proc/$PID/status 2>/dev/null || echo 0); [ "${r:-0}" -gt "$peak" ] && peak=$r; echo "$peak" > "$TMP/peak"; sleep 0.5; done ) &
  sampler=$!
  reps=$(( (STREAM_ROWS + 99999) / 100000 ))
  t0=$(date +%s.%N)
  bytes=$(curl -s -G "$URL/sync" -d LANG=ADQL -d MAXREC="$STREAM_ROWS" --data-urlencode \
    "QUERY=SELECT a.* FROM demo.stars AS a CROSS JOIN (SELECT TOP $reps id FROM demo.stars) AS b" -o /dev/null -w '%{size_download}')
  t1=$(date +%s.%N)
  sleep 1; kill $sampler 2>/dev/null || true
  awk -v r="$STREAM_ROWS" -v b="$bytes" -v t="$(awk -v a="$t0" -v z="$t1" 'BEGIN {print z - a}')" -v r0="$rss0" -v p="$(cat "$TMP/peak")" \
    'BEGIN {printf "%-18s (e) %d rows, %.2f GB sync in %.1f s; server RSS %d MB before, %d MB peak\n", "libdax-sqlite", r, b / 1e9, t, r0 / 1024, p / 1024}'
fi
if [ -n "${DAX_TEST_PG:-}" ]; then
  pgport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf 'data_dir: %s\nbackends:\n  pg: {type: postgres, conninfo: "%s", connections: 32}\ndemo_backend: pg\n' "$TMP/pgdata" "$DAX_TEST_PG" > "$TMP/pg.yaml"
  "$BIN/tap-server" --port "$pgport" --config "$TMP/pg.yaml" > "$TMP/pgserver.log" 2>&1 &
  PID2=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$pgport/tap/availability" > /dev/null 2>&1 && break; sleep 0.1; done
  run libdax-postgres "http://127.0.0.1:$pgport/tap"
  kill $PID2
fi
if curl -sf -m 5 "$DACHS_URL/availability" > /dev/null 2>&1; then
  run dachs-2.7 "$DACHS_URL"
else
  echo "DaCHS peer not answering at $DACHS_URL: start it with shared/peers/dachs/setup.sh for the comparison"
fi
