#!/usr/bin/env bash
# examples/obscore_view end to end (run under tests/exec/with_servers.sh): ivoa.ObsCore as a
# PostgreSQL view over another system's table (frames.sql + view.sql), published by a Felis file
# alone (no demo, nothing loaded by libdax); sia-server and tap-server answer from the view.
#   obscore_view_test.sh BIN_DIR
set -euo pipefail
BIN=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
psql "$DAX_TEST_PG" -q -v ON_ERROR_STOP=1 -f "$ROOT/examples/obscore_view/frames.sql" -f "$ROOT/examples/obscore_view/view.sql" > /dev/null
free() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tport=$(free); sport=$(free)
sed -e "s|^data_dir:.*|data_dir: $TMP/data|" -e "s|conninfo: \".*\"|conninfo: \"$DAX_TEST_PG\"|" \
    -e "s|felis: examples/|felis: $ROOT/examples/|" -e "s|port: 8080|port: $tport|" -e "s|port: 8081|port: $sport|" \
    "$ROOT/examples/obscore_view/config.yaml" > "$TMP/config.yaml"
"$BIN/tap-server" --config "$TMP/config.yaml" > "$TMP/tap.log" 2>&1 & pids+=($!)
"$BIN/sia-server" --config "$TMP/config.yaml" > "$TMP/sia.log" 2>&1 & pids+=($!)
for p in "$tport/tap" "$sport/sia"; do
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$p/availability" > /dev/null && break; sleep 0.1; done
done
sia() { curl -sfG "http://127.0.0.1:$sport/sia/query" --data-urlencode RESPONSEFORMAT=csv "$@"; }
ids() { sia "$@" | /usr/bin/python3 -c 'import csv,sys; print(" ".join(sorted(r["obs_id"] for r in csv.DictReader(sys.stdin))))'; }
[ "$(ids)" = "101 102" ] || fail "all rows: '$(ids)' $(cat "$TMP/sia.log")"
[ "$(ids --data-urlencode 'POS=CIRCLE 10.68 41.27 0.1')" = "101" ] || fail "POS near M31: '$(ids --data-urlencode 'POS=CIRCLE 10.68 41.27 0.1')'"
[ "$(ids --data-urlencode 'POS=CIRCLE 359.9 -5 0.05')" = "102" ] || fail "POS across RA 0/360"
[ "$(ids --data-urlencode 'BAND=4.5e-7')" = "102" ] || fail "BAND"
[ "$(ids --data-urlencode 'ID=IVO://EXAMPLE.ORG/ARCHIVE?101')" = "101" ] || fail "ID"
echo "ok  sia-server on the view: POS (also across RA 0/360), BAND and ID select the archive's frames"
n=$(curl -sfG "http://127.0.0.1:$tport/tap/sync" --data-urlencode LANG=ADQL --data-urlencode FORMAT=csv \
      --data-urlencode "QUERY=SELECT COUNT(*) AS n FROM ivoa.ObsCore WHERE CONTAINS(POINT(10.6, 41.2), s_region) = 1" | tail -1 | tr -d '\r')
[ "$n" = 1 ] || fail "TAP CONTAINS on the view: $n"
echo "ok  tap-server on the view: CONTAINS(POINT, s_region) through pgSphere"
