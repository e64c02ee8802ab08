#!/usr/bin/env bash
# The installed package works for a consumer: install libdax into a temporary prefix, build
# examples/translate against it with find_package(libdax), run it.
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d /tmp/dax-consumer.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/examples/translate" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build" >/dev/null
out=$(LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib/x86_64-linux-gnu" "$tmp/build/translate")
echo "$out"
echo "$out" | grep -q 'spoint(radians("ra"), radians("dec")) <@ scircle' || { echo "unexpected SQL"; exit 1; }
echo "$out" | grep -q '^d double \[deg\]$' || { echo "unexpected metadata"; exit 1; }
# An ADQL query on the demo SQLite database as a VOTable, linking only dax::tap and dax::votable:
# no database client library is loaded for it; translating ADQL loads no CFITSIO either.
cmake -S "$src/examples/query_votable" -B "$tmp/build-q" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build-q" >/dev/null
export LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib/x86_64-linux-gnu"
"$tmp/build-q/query_votable" "$tmp/data" > "$tmp/result.vot"
grep -c '<TR>' "$tmp/result.vot" | grep -qx 5 || { echo "query_votable: expected 5 rows"; cat "$tmp/result.vot"; exit 1; }
grep -q '<INFO name="QUERY_STATUS" value="OK"' "$tmp/result.vot" || { echo "query_votable: no QUERY_STATUS OK"; exit 1; }
/usr/bin/python3 -c "import sys; from astropy.io.votable import parse_single_table as p; t = p(sys.argv[1]).to_table(); assert len(t) == 5 and list(t.colnames) == ['id', 'ra', 'dec', 'mag_g'], t" "$tmp/result.vot"
for lib in libpq libmariadb libcfitsio libsoci; do
  if ldd "$tmp/build/translate" | grep -q "$lib"; then echo "translate loads $lib"; exit 1; fi
done
for lib in libpq libmariadb; do
  if ldd "$tmp/build-q/query_votable" | grep -q "$lib"; then echo "query_votable loads $lib"; exit 1; fi
done
echo "query_votable: 5 rows, read back by astropy, no libpq or libmariadb loaded; translate loads no database client, CFITSIO or SOCI"
# A cutout and forced photometry against the installed package, on an image made here: a TAN
# image of 200 x 200 pixels of 1 arcsec with a Gaussian source of flux 50,000 at its centre.
/usr/bin/python3 - "$tmp/img.fits" <<'PY'
import sys
import numpy as np
from astropy.io import fits
n, sigma, flux = 200, 1.5, 50000.0
y, x = np.mgrid[1:n + 1, 1:n + 1]
rs = np.random.RandomState(3)
img = 100.0 + rs.standard_normal((n, n)) * 10.0 + flux / (2 * np.pi * sigma ** 2) * np.exp(-((x - 100.5) ** 2 + (y - 100.5) ** 2) / (2 * sigma ** 2))
h = fits.Header()
for k, v in [("CTYPE1", "RA---TAN"), ("CTYPE2", "DEC--TAN"), ("CRVAL1", 150.0), ("CRVAL2", 2.0), ("CRPIX1", 100.5),
             ("CRPIX2", 100.5), ("CD1_1", -1 / 3600), ("CD1_2", 0.0), ("CD2_1", 0.0), ("CD2_2", 1 / 3600)]:
    h[k] = v
fits.PrimaryHDU(img.astype(np.float32), h).writeto(sys.argv[1])
PY
for ex in cutout photometry; do
  cmake -S "$src/examples/$ex" -B "$tmp/build-$ex" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
  cmake --build "$tmp/build-$ex" >/dev/null
done
"$tmp/build-cutout/cutout" "$tmp/img.fits" 150 2 0.005 "$tmp/cut.fits"
/usr/bin/python3 -c "
import sys; from astropy.io import fits
h = fits.open(sys.argv[1])[0]
assert h.data.shape[0] < 60 and 'DAXBOX' in h.header, (h.data.shape, h.header.get('DAXBOX'))
print('cutout: %s pixels, DAXBOX %s' % (h.data.shape, h.header['DAXBOX']))" "$tmp/cut.fits"
"$tmp/build-photometry/photometry" "$tmp/img.fits" 8 150 2 150.01 2.01 > "$tmp/phot.csv"
cat "$tmp/phot.csv"
/usr/bin/python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
f, e = float(rows[0]['flux']), float(rows[0]['flux_err'])
assert len(rows) == 2 and abs(f - 50000) < 5 * e and abs(float(rows[1]['flux'])) < 5 * float(rows[1]['flux_err']), rows
print('photometry: %.1f +- %.1f for an injected 50000; the empty position %.1f' % (f, e, float(rows[1]['flux'])))" "$tmp/phot.csv"
echo "consumer build and run: ok"
