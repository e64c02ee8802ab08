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
echo "consumer build and run: ok"
