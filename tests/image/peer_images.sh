#!/usr/bin/env bash
# Writes the first 10 of the peers' synthetic images (one of each layout: plain, TAN-SIP,
# multi-extension, RICE) with their ObsCore rows into a temporary directory, then runs the
# given test command with DAX_PEER_DATA pointing there.
#   peer_images.sh COMMAND [ARGS...]
# The generators are copies of shared/peers/data/{gen_data,gen_images}.py (numpy + astropy);
# when the shared originals are beside the repository they must be identical.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=$HERE/../../../shared/peers/data
for f in gen_data.py gen_images.py; do
  if [ -f "$SHARED/$f" ] && ! cmp -s "$SHARED/$f" "$HERE/peer_data/$f"; then
    echo "FAIL: tests/image/peer_data/$f differs from shared/peers/data/$f: copy it again"; exit 1
  fi
done
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 "$HERE/peer_data/gen_data.py" --outdir "$TMP" > /dev/null
/usr/bin/python3 "$HERE/peer_data/gen_images.py" --datadir "$TMP" --outdir "$TMP/images" --count 10 --verify
DAX_PEER_DATA=$TMP "$@"
