#!/usr/bin/env bash
# DataLink {links} latency (figures printed; never pass/fail on time): links-server on the peers'
# images (PEER_IMAGES, default ../shared/peers/data/images) for one ID, sequential on one
# kept-alive connection and under wrk; the #preview of a 4096 x 4096 image (BIG_IMAGES, made by
# soda_bench.sh) cold and cached; with LINKS_URL (the DaCHS peer's dlmeta,
# shared/peers/dachs/setup.sh) the same request against it in the same run. Loopback only.
#   bench/links_bench.sh [BUILD_BIN_DIR]     env: LINKS_URL, N (1000), WRK_SECS (10), PEER_IMAGES
set -euo pipefail
BIN=${1:-build/bin}
N=${N:-1000}
WRK_SECS=${WRK_SECS:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
PEER=${PEER_IMAGES:-$HERE/../../shared/peers/data/images}
TMP=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
[ -f "$PEER/img-000016.fits" ] || { echo "no peer images in $PEER (run shared/peers/data/gen_images.py)"; exit 1; }
"$BIN/dax-admin" ingest-images --data-dir "$TMP/data" --collection bench --did-template 'ivo://libdax.test/demo/images?{obs_id}' \
  "$PEER/img-000016.fits" "$PEER/img-000015.fits.fz" > /dev/null 2>&1
BIG=${BIG_IMAGES:-/tmp/dax-soda-bench}/big-plain.fits
[ -f "$BIG" ] && "$BIN/dax-admin" ingest-images --data-dir "$TMP/data" --collection bench \
  --did-template 'ivo://libdax.test/demo/images?{obs_id}' "$BIG" > /dev/null 2>&1
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/links-server" --port "$port" --data-dir "$TMP/data" > "$TMP/links.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/links/availability" > /dev/null 2>&1 && break; sleep 0.1; done
latency() { /usr/bin/python3 "$HERE/http_latency.py" "$@" "$N"; }  # LABEL HOST PORT PATH
echo "machine: $(nproc) cores"
id='ivo://libdax.test/demo/images%3Fimg-000016'
latency "links-server: one ID (img-000016)" 127.0.0.1 "$port" "/links?ID=$id"
latency "links-server: two IDs" 127.0.0.1 "$port" "/links?ID=$id&ID=ivo://libdax.test/demo/images%3Fimg-000015"
if command -v wrk > /dev/null; then
  wrk -t2 -c8 -d"${WRK_SECS}s" "http://127.0.0.1:$port/links?ID=$id" > "$TMP/wrk.txt" 2>&1 || true
  printf '%-44s wrk %ss x 8 connections: %s requests/s\n' "links-server: one ID" "$WRK_SECS" "$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.txt")"
fi
if [ -f "$BIG" ]; then
  purl=$(curl -s "http://127.0.0.1:$port/links?ID=ivo://libdax.test/demo/images%3Fbig-plain" | grep -o 'http://[^<]*/links/preview/[^<]*' | head -1 | sed 's/&amp;/\&/g')
  printf '%-44s %s\n' "#preview of the 4k x 4k image, cold" "$(curl -s -o /dev/null -w '%{time_total} s, %{size_download} bytes' "$purl")"
  latency "#preview of the 4k x 4k image, cached" 127.0.0.1 "$port" "${purl#http://127.0.0.1:$port}"
fi
if [ -n "${LINKS_URL:-}" ]; then
  hostport=${LINKS_URL#http://}; hostport=${hostport%%/*}; path=/${LINKS_URL#http://*/}
  latency "DaCHS 2.7: one ID (img-000016)" "${hostport%:*}" "${hostport#*:}" "$path?ID=$id"
else
  echo "DaCHS: set LINKS_URL (http://127.0.0.1:8090/demo/q/dl/dlmeta) for the comparison"
fi
