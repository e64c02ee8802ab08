#!/usr/bin/env bash
# Public headers include only the C++ standard library and other libdax headers: no antlr4,
# libxml2, CFITSIO, httplib, SOCI, yaml-cpp, fmt or sqlite3 header leaks to users.
set -euo pipefail
dir=$1
bad=$(grep -rhoE '#include *[<"][^>"]+[>"]' "$dir" | sed -E 's/#include *[<"]([^>"]+)[>"]/\1/' \
      | grep -vE '^dax/' | grep -vE '^[a-z_]+$' || true)
if [ -n "$bad" ]; then echo "public headers include third-party headers:"; echo "$bad"; exit 1; fi
echo "public headers are self-contained: ok"
