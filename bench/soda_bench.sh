#!/usr/bin/env bash
# SODA cutout speed (figures printed; never pass/fail on time): a 200 x 200 cutout from a
# 4096 x 4096 float32 image, plain and RICE-compressed in 64 x 64 tiles (made once with astropy),
# (a) as a library call beside CFITSIO alone (build/bin/soda_bench), (b) through soda-server,
# sequential on one kept-alive connection, and under wrk; with SODA_URL set (the DaCHS peer's
# dlget, shared/peers/dachs/setup.sh) the DaCHS peer's own 200 x 200 cutouts (img-000016 plain,
# img-000015 RICE) beside the same cutouts from soda-server, from one run. Loopback only.
#   bench/soda_bench.sh [BUILD_BIN_DIR]     env: SODA_URL, N (1000), WRK_SECS (10), PEER_IMAGES (dir)
set -euo pipefail
BIN=${1:-build/bin}
N=${N:-1000}
WRK_SECS=${WRK_SECS:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
IMG=${BIG_IMAGES:-/tmp/dax-soda-bench}
mkdir -p "$IMG"
if [ ! -f "$IMG/big-rice.fits.fz" ]; then
  /usr/bin/python3 - "$IMG" <<'PY'
import sys, numpy as np
from astropy.io import fits
rng = np.random.RandomState(1)
data = (1000 + 30 * rng.standard_normal((4096, 4096))).astype(np.float32)
h = fits.Header()
for k, v in [("CTYPE1", "RA---TAN"), ("CTYPE2", "DEC--TAN"), ("CRVAL1", 150.0), ("CRVAL2", 2.0), ("CRPIX1", 2048.5),
             ("CRPIX2", 2048.5), ("CD1_1", -0.2 / 3600), ("CD1_2", 0.0), ("CD2_1", 0.0), ("CD2_2", 0.2 / 3600),
             ("FILTER", "r"), ("MJD-OBS", 60000.0), ("EXPTIME", 30.0)]:
    h[k] = v
h["OBSID"] = "big-plain"
fits.PrimaryHDU(data, h).writeto(sys.argv[1] + "/big-plain.fits", overwrite=True)
h["OBSID"] = "big-rice"
fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data, h, compression_type="RICE_1", tile_size=(64, 64))]).writeto(
    sys.argv[1] + "/big-rice.fits.fz", overwrite=True)
PY
fi
echo "machine: $(nproc) cores; images: 4096 x 4096 float32, plain ($(du -h "$IMG/big-plain.fits" | cut -f1)) and RICE 64x64 tiles ($(du -h "$IMG/big-rice.fits.fz" | cut -f1))"
r=$(/usr/bin/python3 -c 'print(100 * 0.2 / 3600)')  # 100 pixels
"$BIN/soda_bench" "$IMG/big-plain.fits" 0 150 2 "$r" "$N"
"$BIN/soda_bench" "$IMG/big-rice.fits.fz" 1 150 2 "$r" "$((N / 5))"

# Through soda-server: the two big images, and the peers' img-000015/16 when PEER_IMAGES has them.
ins=("$IMG/big-plain.fits" "$IMG/big-rice.fits.fz")
PEER=${PEER_IMAGES:-}
[ -n "$PEER" ] && [ -f "$PEER/img-000016.fits" ] && ins+=("$PEER/img-000016.fits" "$PEER/img-000015.fits.fz")
"$BIN/dax-admin" ingest-images --data-dir "$TMP/data" --collection bench --did-template 'ivo://libdax.test/demo/images?{obs_id}' "${ins[@]}" > /dev/null 2>&1
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/soda-server" --port "$port" --data-dir "$TMP/data" > "$TMP/soda.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/soda/availability" > /dev/null 2>&1 && break; sleep 0.1; done
latency() { /usr/bin/python3 "$HERE/http_latency.py" "$@" "$N"; }  # LABEL HOST PORT PATH
q() { printf '/soda/sync?ID=ivo://libdax.test/demo/images%%3F%s&CIRCLE=%s' "$1" "$(printf '%s' "$2" | sed 's/ /%20/g')"; }
latency "soda-server: 200x200 of the plain 4k image" 127.0.0.1 "$port" "$(q big-plain "150 2 $r")"
latency "soda-server: 200x200 of the RICE 4k image" 127.0.0.1 "$port" "$(q big-rice "150 2 $r")"
if command -v wrk > /dev/null; then
  for name in big-plain big-rice; do
    wrk -t2 -c8 -d"${WRK_SECS}s" "http://127.0.0.1:$port$(q $name "150 2 $r")" > "$TMP/wrk.txt" 2>&1 || true
    printf '%-44s wrk %ss x 8 connections: %s requests/s\n' "soda-server: $name" "$WRK_SECS" "$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.txt")"
  done
fi
if [ -n "${SODA_URL:-}" ] && [ ${#ins[@]} -eq 4 ]; then
  peer16="CIRCLE=10.50323487 6.5 0.1111"; peer15="CIRCLE=9.49676513 6.5 0.1111"
  hostport=${SODA_URL#http://}; hostport=${hostport%%/*}; path=/${SODA_URL#http://*/}
  for case in "img-000016|$peer16|plain" "img-000015|$peer15|RICE"; do
    IFS='|' read -r id circle kind <<< "$case"
    latency "soda-server: peers' $id ($kind)" 127.0.0.1 "$port" "$(q "$id" "${circle#CIRCLE=}")"
    latency "DaCHS 2.7: peers' $id ($kind)" "${hostport%:*}" "${hostport#*:}" \
      "$path?ID=ivo://libdax.test/demo/images%3F$id&$(printf '%s' "$circle" | sed 's/ /%20/g')"
  done
else
  echo "DaCHS: set SODA_URL (http://127.0.0.1:8090/demo/q/dl/dlget) and PEER_IMAGES (the peers' images/) for the comparison"
fi
