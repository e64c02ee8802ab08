#!/usr/bin/env bash
# Writer/reader figures for 1,000,000 rows x 10 columns, beside astropy and STILTS on the same
# table, from one run. Usage: bench/votable_bench.sh [build/bin/votable_bench] [ROWS]
set -euo pipefail
bench=${1:-build/bin/votable_bench}
rows=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/dax-vbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "== libdax writers ($rows rows, and 100000 rows to show flat memory)"
for f in b2 b td csv tsv fits; do "$bench" write $f "$rows"; done
for f in b2 td; do "$bench" write $f 100000; done
"$bench" read-b2 "$rows"
echo "== STILTS $(stilts -version 2>&1 | grep -o 'STILTS version [0-9.]*' | head -1) (tcopy from a BINARY2 file, same table)"
"$bench" file b2 "$rows" "$tmp/t.vot"
for ofmt in votable-binary2-inline votable-tabledata csv; do
  s=$(date +%s.%N); stilts tcopy in="$tmp/t.vot" ifmt=votable out="$tmp/out" ofmt=$ofmt; e=$(date +%s.%N)
  sz=$(stat -c %s "$tmp/out")
  awk -v s="$s" -v e="$e" -v b="$sz" -v f="$ofmt" -v r="$rows" 'BEGIN { t=e-s; printf "%-24s %9.1f MB %8.3f s %8.1f MB/s %11.0f rows/s (includes reading the input and JVM start)\n", f, b/1e6, t, b/1e6/t, r/t }'
done
echo "== astropy $(/usr/bin/python3 -c 'import astropy; print(astropy.__version__)') (votable.from_table(...).to_xml, same table)"
/usr/bin/python3 "$here/astropy_bench.py" "$rows" "$tmp"
