#!/usr/bin/env bash
# The built-in demo data is byte-identical to the peers' Python generator
# (shared/peers/data/gen_data.py, whose outputs have the SHA-256 sums below); when the
# generator is at hand, its output is compared directly too.
#   demo_data_test.sh DAX_ADMIN [GEN_DATA_PY]
set -euo pipefail
ADMIN=$1
GEN=${2:-}
fail=0
declare -A want=([stars]=9e464c86ad3f77aa944de6a6a089bd8e01277f03e7e242845627ccd3b8ac627e
                 [obscore]=095934d676f8dbf60cef375c8d561f9510fbbdd58ab8e180d5528b11a1537437)
for t in stars obscore; do
  got=$("$ADMIN" demo-csv $t | sha256sum | cut -d' ' -f1)
  if [ "$got" = "${want[$t]}" ]; then echo "$t.csv: identical to gen_data.py's"; else echo "FAIL: $t.csv sha256 $got"; fail=1; fi
done
if [ -n "$GEN" ] && [ -f "$GEN" ]; then
  TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
  /usr/bin/python3 "$GEN" --outdir "$TMP"
  for t in stars obscore; do
    if "$ADMIN" demo-csv $t | cmp - "$TMP/$t.csv"; then echo "$t.csv: cmp with the generator's output: same"; else fail=1; fi
  done
fi
exit $fail
