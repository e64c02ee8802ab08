#!/usr/bin/env bash
# dax-admin ingest-images end to end on the peers' images (DAX_PEER_DATA, from peer_images.sh):
# bad files are named and skipped, rows land in ivoa.ObsCore (read back through tap-server),
# re-ingesting updates instead of adding, the image store knows every file.
#   ingest_test.sh BIN_DIR
set -euo pipefail
BIN=$1
TMP=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
IMG=$DAX_PEER_DATA/images
echo "not FITS" > "$TMP/bad.fits"
head -c 5000 "$IMG/img-000001.fits" > "$TMP/truncated.fits"

set +e
"$BIN/dax-admin" ingest-images --data-dir "$TMP/data" --collection DEMO-SYNTH \
  --did-template 'ivo://libdax.test/demo/images?{obs_id}' "$IMG" "$TMP/bad.fits" "$TMP/truncated.fits" > "$TMP/out" 2> "$TMP/err"
rc=$?
set -e
cat "$TMP/out"
[ $rc -eq 1 ] || fail "exit status $rc with two bad files (want 1)"
grep -q "bad.fits: " "$TMP/err" || fail "bad.fits not reported: $(cat "$TMP/err")"
grep -q "truncated.fits: " "$TMP/err" || fail "truncated.fits not reported"
grep -q "ingested 10 images (0 new, 10 updated), 2 failed; ivoa.ObsCore has 1020 rows" "$TMP/out" || fail "summary: $(cat "$TMP/out")"
echo "ok  10 images ingested over the demo rows with the same DIDs, 2 bad files named"

# Default DID template: new rows beside the demo ones; twice: the second time updates.
for run in 1 2; do
  "$BIN/dax-admin" ingest-images --data-dir "$TMP/data" --collection peers "$IMG" > "$TMP/out" 2> /dev/null
done
grep -q "ingested 10 images (0 new, 10 updated), 0 failed; ivoa.ObsCore has 1030 rows" "$TMP/out" || fail "re-ingest: $(cat "$TMP/out")"
echo "ok  re-ingesting updates rows (1030 rows after two runs: 1,000 synthetic, 20 demo images, 10 peers)"

n=$(sqlite3 "$TMP/data/images.sqlite" "SELECT COUNT(*) FROM datasets WHERE path LIKE '/%' AND hdu >= 0")
[ "$n" = 40 ] || fail "image store has $n absolute entries (want 40: 20 demo images, 10 + 10 peers)"
f=$(sqlite3 "$TMP/data/images.sqlite" "SELECT path || ' ' || hdu FROM datasets WHERE did = 'ivo://libdax.local/peers?img-000010'")
[ "$f" = "$(cd "$IMG" && pwd)/img-000010.fits.fz 1" ] || fail "store entry of img-000010: '$f'"
echo "ok  the image store records 40 files (RICE image: HDU 1)"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/tap-server" --port "$port" --data-dir "$TMP/data" > "$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/tap/availability" > /dev/null && break; sleep 0.1; done
q() { curl -sfG "http://127.0.0.1:$port/tap/sync" --data-urlencode LANG=ADQL --data-urlencode FORMAT=csv --data-urlencode "QUERY=$1"; }
/usr/bin/python3 - "$DAX_PEER_DATA" "$(q "SELECT obs_id, s_region, t_min, t_max, em_min, s_xel1 FROM ivoa.ObsCore WHERE obs_collection = 'peers' ORDER BY obs_id")" <<'PY'
import csv, io, math, sys
want = {r["obs_id"]: r for r in csv.DictReader(open(sys.argv[1] + "/obscore.csv"))}
sip = {r["obs_id"]: r["sip"] == "1" for r in csv.DictReader(open(sys.argv[1] + "/images/manifest.csv"))}
rows = list(csv.DictReader(io.StringIO(sys.argv[2])))
assert len(rows) == 10, len(rows)
for r in rows:
    w = want[r["obs_id"]]
    v = [float(x) for x in r["s_region"].split()[2:]]
    c = [float(x) for x in w["s_region"].split()]
    pts = list(zip(v[0::2], v[1::2]))
    for k in range(4):
        assert any(abs(a - c[2 * k]) < 1e-6 and abs(b - c[2 * k + 1]) < 1e-6 for a, b in pts), (r["obs_id"], k)
    assert (len(pts) > 4) == sip[r["obs_id"]], (r["obs_id"], len(pts))
    for k in ("t_min", "t_max", "em_min", "s_xel1"):
        assert math.isclose(float(r[k]), float(w[k]), rel_tol=1e-9), (r["obs_id"], k, r[k], w[k])
print("ok  tap-server returns the ingested rows: corners within 1e-6 deg of the peers', SIP edges bent, times and bands equal")
PY

# The demo images the first start wrote: valid FITS (fitsverify), and the bright demo.stars in
# each field are where astropy's WCS (SIP included) puts them.
for f in "$TMP/data/demo-images"/*; do
  fitsverify -q -e "$f" | grep -q "^verification OK" || fail "fitsverify $f: $(fitsverify -e "$f" | tail -5)"
done
echo "ok  fitsverify: the 20 demo images are valid FITS"
q "SELECT ra, dec, mag_r FROM demo.stars WHERE mag_r < 17" > "$TMP/bright.csv"
/usr/bin/python3 - "$TMP/data/demo-images" "$TMP/bright.csv" \
  "$(q "SELECT obs_id, s_region FROM ivoa.ObsCore WHERE obs_collection = 'DEMO-IMAGES'")" <<'PY'
import csv, glob, io, os, sys, warnings
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
warnings.simplefilter("ignore", FITSFixedWarning)
stars = list(csv.DictReader(open(sys.argv[2])))
ra = np.array([float(s["ra"]) for s in stars]); dec = np.array([float(s["dec"]) for s in stars])
rows = {r["obs_id"]: r for r in csv.DictReader(io.StringIO(sys.argv[3]))}
assert len(rows) == 20, len(rows)
checked = 0
for path in sorted(glob.glob(sys.argv[1] + "/*")):
    obs_id = os.path.basename(path).split(".")[0]
    assert obs_id in rows, obs_id
    with fits.open(path) as hl:
        sci = next(h for h in hl if h.data is not None and h.header.get("CTYPE1"))
        w = WCS(sci.header)
        c0, d0 = np.radians(sci.header["CRVAL1"]), np.radians(sci.header["CRVAL2"])
        near = np.nonzero(np.sin(d0) * np.sin(np.radians(dec)) + np.cos(d0) * np.cos(np.radians(dec)) * np.cos(np.radians(ra) - c0) > np.cos(np.radians(2.5)))[0]
        x, y = np.full(len(ra), -1.0), np.full(len(ra), -1.0)
        if len(near):
            x[near], y[near] = w.all_world2pix(ra[near], dec[near], 1)
        ny, nx = sci.data.shape
        inside = (x > 6) & (x < nx - 6) & (y > 6) & (y < ny - 6)
        for k in np.nonzero(inside)[0]:
            i, j = int(round(x[k])) - 1, int(round(y[k])) - 1
            box = sci.data[j - 1:j + 2, i - 1:i + 2]
            assert box.max() > 100 + 5 * 10, (obs_id, stars[k], box.max())  # sky 100, sigma 10; mag 17: peak 112
            checked += 1
assert checked >= 10, checked
print("ok  %d bright demo.stars found at their astropy WCS pixels in the demo images (SIP, rotated, MEF, RICE)" % checked)
PY

# A site whose limits.hard_maxrec is below the demo ObsCore's size still starts (the demo images
# are then left out, with a warning).
kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; PID=
printf 'limits: {default_maxrec: 100, hard_maxrec: 500}\n' > "$TMP/small.yaml"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/tap-server" --port "$port" --data-dir "$TMP/small" --config "$TMP/small.yaml" > "$TMP/small.log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/tap/availability" > /dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/tap/availability" > /dev/null || fail "tap-server with hard_maxrec 500 did not start: $(cat "$TMP/small.log")"
grep -q "warning: the demo images are not in ivoa.ObsCore" "$TMP/small.log" || fail "no warning: $(cat "$TMP/small.log")"
echo "ok  hard_maxrec below the demo table's size: the server starts, the demo images are left out with a warning"
