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
echo "consumer build and run: ok"
