#!/usr/bin/env bash
# SIA 2.0 and cone-search latency on the demo data (figures printed; never pass/fail on time):
# (a) sia-server POS=CIRCLE 10 7 0.1 (4 images, the peers' data), sequential on one kept-alive
# connection, median/p90; (b) the same under wrk; (c) tap-server's cone search of ~100 stars;
# beside the DaCHS peer's SIA2 when SIA_URL answers (shared/peers/dachs/setup.sh). Loopback only.
# With DAX_TEST_PG set (run under tests/exec/with_servers.sh) the demo tables live on PostgreSQL +
# pgSphere (s_region an spoly with a GiST index) instead of SQLite.
#   bench/sia_bench.sh [BUILD_BIN_DIR]     env: SIA_URL (DaCHS), WRK_SECS (10), WRK_CONNS (16), N (2000)
#   tests/exec/with_servers.sh bench/sia_bench.sh build/bin     (PostgreSQL)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-build/bin}
WRK_SECS=${WRK_SECS:-10}
WRK_CONNS=${WRK_CONNS:-16}
N=${N:-2000}
TMP=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
free() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tport=$(free); sport=$(free)
config=()
if [ -n "${DAX_TEST_PG:-}" ]; then
  printf 'data_dir: %s\nbackends:\n  pg: {type: postgres, conninfo: "%s"}\ndemo_backend: pg\n' "$TMP/data" "$DAX_TEST_PG" > "$TMP/pg.yaml"
  config=(--config "$TMP/pg.yaml")
fi
echo "backend: ${DAX_TEST_PG:+PostgreSQL+pgSphere}${DAX_TEST_PG:-SQLite}" | sed 's/PostgreSQL+pgSphere.*/PostgreSQL+pgSphere/'
"$BIN/tap-server" --port "$tport" --data-dir "$TMP/data" "${config[@]}" > "$TMP/tap.log" 2>&1 & pids+=($!)
for _ in $(seq 1 600); do grep -q "TAP service at" "$TMP/tap.log" && break; sleep 0.1; done
"$BIN/sia-server" --port "$sport" --data-dir "$TMP/data" "${config[@]}" > "$TMP/sia.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$sport/sia/availability" > /dev/null 2>&1 && break; sleep 0.1; done

latency() { /usr/bin/python3 "$HERE/http_latency.py" "$@" "$N"; }  # LABEL HOST PORT PATH
wrk_rate() {  # wrk_rate LABEL URL
  command -v wrk > /dev/null || return 0
  wrk -t2 -c"$WRK_CONNS" -d"${WRK_SECS}s" "$2" > "$TMP/wrk.txt" 2>&1 || true
  printf '%-28s wrk %ss x %s connections: %s requests/s\n' "$1" "$WRK_SECS" "$WRK_CONNS" "$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.txt")"
}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
sia='/sia/query?POS=CIRCLE%2010%207%200.1&RESPONSEFORMAT=votable/td'
latency "libdax (a) SIA2 4 rows" 127.0.0.1 "$sport" "$sia"
wrk_rate "libdax (b) SIA2 4 rows" "http://127.0.0.1:$sport$sia"
latency "libdax (c) SCS ~100 stars" 127.0.0.1 "$tport" "/tap/scs/demo.stars?RA=10&DEC=10&SR=3.6"
if [ -n "${SIA_URL:-}" ] && curl -sf "$SIA_URL?MAXREC=0" > /dev/null 2>&1; then
  hostport=${SIA_URL#http://}; hostport=${hostport%%/*}; path=/${SIA_URL#http://*/}
  latency "DaCHS (a) SIA2" "${hostport%:*}" "${hostport#*:}" "$path?POS=CIRCLE%2010%207%200.1"
  wrk_rate "DaCHS (b) SIA2" "$SIA_URL?POS=CIRCLE%2010%207%200.1"
else
  echo "DaCHS SIA2 not answering at SIA_URL='${SIA_URL:-}': start shared/peers/dachs/setup.sh for the comparison"
fi
