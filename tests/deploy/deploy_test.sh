#!/usr/bin/env bash
# The deployment files (issue 15 section 3), as far as this machine can check them:
# - systemd units: `systemd-analyze verify` (with ExecStart pointed at the built binaries);
# - the Containerfile's runtime stage: every package it installs exists in the archive, and
#   together they provide every shared library the built servers load (ldd -> dpkg -S);
# - compose.yaml, site.yaml and the Helm values are valid YAML; site.yaml is a config the
#   servers accept (tap-server reads it and stops at its job store, which is not here).
# Not checked here (no container engine or cluster): building the image, running compose, helm.
#   deploy_test.sh BIN_DIR
set -uo pipefail
BIN=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")/../../deploy" && pwd)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
fail=0
for u in "$HERE"/systemd/*.service; do
  name=$(basename "$u")
  sed -e "s#/usr/local/bin/#$BIN/#" -e "s#^User=.*#User=root#" -e "s#^Group=.*#Group=root#" "$u" > "$TMP/$name"
  [[ $name == *@.service ]] && cp "$TMP/$name" "$TMP/${name/@/@1}" && name=${name/@/@1}
  out=$(systemd-analyze verify "$TMP/$name" 2>&1); rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then echo "FAIL systemd-analyze verify $name: $out"; fail=1; else echo "ok  systemd-analyze verify $name"; fi
done

pkgs=$(sed -n '/^FROM debian:bookworm-slim/,$p' "$HERE/Containerfile" | sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' \
       | grep -E '^(lib|ca-)[a-z0-9.+-]+$' | sort -u)
for p in $pkgs; do apt-cache show "$p" >/dev/null 2>&1 || { echo "FAIL Containerfile: no package $p in the archive"; fail=1; }; done
need=$(for b in tap-server sia-server soda-server links-server; do ldd "$BIN/$b"; done | awk '$3 ~ /^\// {print $3}' | sort -u \
       | grep -v "/libdax_" | while read -r f; do dpkg -S "$(readlink -f "$f")" 2>/dev/null || dpkg -S "$f" 2>/dev/null; done | cut -d: -f1 | sort -u)
# What the runtime packages bring, with their dependencies (the slim image has libc6, libstdc++6, ...).
have=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances $pkgs 2>/dev/null \
       | grep -v '^ ' | sed 's/:.*//' | sort -u)
missing=$(comm -23 <(echo "$need") <(echo "$have"))
if [ -n "$missing" ]; then echo "FAIL Containerfile: the servers load libraries of packages it does not install: $missing"; fail=1
else echo "ok  Containerfile: $(echo "$pkgs" | wc -w) runtime packages provide the $(echo "$need" | wc -w) packages of the servers' libraries"; fi

for y in "$HERE/compose.yaml" "$HERE/site.yaml" "$HERE/helm/libdax/values.yaml" "$HERE/helm/libdax/Chart.yaml"; do
  if /usr/bin/python3 -c "import sys, yaml; yaml.safe_load(open(sys.argv[1]))" "$y"; then echo "ok  YAML $(basename "$y")"
  else echo "FAIL YAML $y"; fail=1; fi
done
sed -e "s#data_dir: /var/lib/libdax#data_dir: $TMP/data#" -e 's#host=postgres#host=127.0.0.1 port=1 connect_timeout=1#' "$HERE/site.yaml" > "$TMP/site.yaml"
out=$(timeout 120 "$BIN/tap-server" --config "$TMP/site.yaml" 2>&1)
if grep -q "cannot open the PostgreSQL job store" <<< "$out" && ! grep -qi "site.yaml:" <<< "$out"; then
  echo "ok  site.yaml is a valid config (tap-server stops at the unreachable job store)"
else echo "FAIL site.yaml: $out"; fail=1; fi
exit $fail
