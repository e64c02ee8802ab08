#!/usr/bin/env bash
# Image ingest rate (figures printed; never pass/fail on time): dax-admin ingest-images over the
# peers' images (shared/peers/data/gen_images.py; 1,000 by default, about 3.8 GB, generated once
# into IMAGES_DIR), headers only. Prints the header-reading rate dax-admin reports and the whole
# command's wall time (reading, merging into ivoa.ObsCore, the image store), warm and, when the
# page cache can be dropped (root), cold.
#   bench/ingest_bench.sh [BUILD_BIN_DIR]    env: COUNT (1000), IMAGES_DIR (/tmp/dax-peer-images-COUNT)
set -euo pipefail
BIN=${1:-build/bin}
COUNT=${COUNT:-1000}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${IMAGES_DIR:-/tmp/dax-peer-images-$COUNT}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ ! -f "$DATA/images/manifest.csv" ] || [ "$(($(wc -l < "$DATA/images/manifest.csv") - 1))" -ne "$COUNT" ]; then
  echo "generating $COUNT peer images in $DATA (once) ..."
  mkdir -p "$DATA"
  /usr/bin/python3 "$HERE/../tests/image/peer_data/gen_data.py" --outdir "$DATA" > /dev/null
  if [ "$COUNT" -ge 1000 ]; then sel=--all; else sel="--count $COUNT"; fi
  /usr/bin/python3 "$HERE/../tests/image/peer_data/gen_images.py" --datadir "$DATA" $sel > /dev/null
fi
echo "machine: $(nproc) cores; $COUNT images, $(du -sh "$DATA/images" | cut -f1)"
ingest() {
  /usr/bin/time -f "%e %M" -o "$TMP/time" "$BIN/dax-admin" ingest-images --data-dir "$TMP/data" --collection DEMO-SYNTH \
    --did-template 'ivo://libdax.test/demo/images?{obs_id}' "$DATA/images" > "$TMP/out" 2> "$TMP/err"
  rate=$(tr '\r' '\n' < "$TMP/err" | grep -o '([0-9]* files/s)' | tail -1 | tr -d '()')
  read -r wall rss < "$TMP/time"
  printf '%-26s headers %s; whole command %s s = %s files/s, max RSS %s MB\n' "$1" "$rate" "$wall" \
    "$(/usr/bin/python3 -c "print(round($COUNT / $wall))")" "$((rss / 1024))"
}
"$BIN/dax-admin" ingest-images --data-dir "$TMP/data" --collection warmup "$DATA/images/manifest.csv" > /dev/null 2>&1 || true  # demo tables
ingest "ingest (first)"
ingest "re-ingest (updates)"
if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then ingest "re-ingest, cold cache"; else echo "cold cache: not measured (needs root to drop the page cache)"; fi
cat "$TMP/out"
