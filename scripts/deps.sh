#!/usr/bin/env bash
# Installs the Debian packages libdax needs (skipped when already present).
# Usage: scripts/deps.sh [build|test]   (test also installs the database servers and validators)
set -euo pipefail
# libboost-dev: Debian's SOCI headers are configured with Boost support and include it.
want=(cmake g++ make antlr4 libantlr4-runtime-dev libsqlite3-dev sqlite3 libyaml-cpp-dev libfmt-dev doctest-dev
      libsoci-dev libboost-dev libcfitsio-dev wcslib-dev libxml2-dev pkg-config libcpp-httplib-dev libpq-dev libmariadb-dev libssl-dev liburing-dev libpng-dev liberfa-dev
      pybind11-dev python3-dev python3-numpy)
if [ "${1:-build}" = test ]; then
  want+=(postgresql postgresql-15-pgsphere mariadb-server libpq-dev libmariadb-dev stilts python3-astropy python3-numpy python3-pyvo python3-requests python3-pil python3-pytest chromium wrk fitsverify nginx-light
        clang-14 libclang-rt-14-dev llvm-14)
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
# pgSphere 1.1.1 cannot be created on PostgreSQL 15.20 (bookworm-security: "commutator operator
# @> is already the commutator of operator <@"). 15.18 works; installing it once is not enough:
# any later apt-get install that pulls PostgreSQL would upgrade it. An apt preference holds it
# (written in test mode when 15.18 is what is installed; it holds back PostgreSQL's security
# updates: remove the file to follow them once pgSphere works with them).
PG_GOOD=15.18-0+deb12u1
PG_PREF=/etc/apt/preferences.d/libdax-postgresql
hold_postgresql() {
  [ "${1:-build}" = test ] || return 0  # only where the tests need pgSphere: it holds back security updates
  [ "$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null || true)" = "$PG_GOOD" ] || return 0
  [ -f "$PG_PREF" ] && return 0
  printf 'Package: postgresql-15 postgresql-client-15 libpq5 libpq-dev\nPin: version %s\nPin-Priority: 1001\n' "$PG_GOOD" \
    | $SUDO tee "$PG_PREF" >/dev/null 2>&1 && echo "holding PostgreSQL $PG_GOOD for pgSphere ($PG_PREF)" \
    || echo "warning: cannot write $PG_PREF; a later apt-get install may upgrade PostgreSQL past what pgSphere 1.1.1 supports" >&2
}
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
MODE=${1:-build}
if [ ${#missing[@]} -eq 0 ]; then hold_postgresql "$MODE"; exit 0; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
# On a machine without PostgreSQL, take 15.18 from bookworm if the archive still has it, else
# whatever apt offers.
pin=()
if printf '%s\n' "${missing[@]}" | grep -qx 'postgresql\|postgresql-15-pgsphere' && ! dpkg-query -W postgresql-15 >/dev/null 2>&1; then
  v=$PG_GOOD
  apt-cache madison postgresql-15 2>/dev/null | grep -q " $v " && pin=("postgresql-15=$v" "postgresql-client-15=$v" "libpq5=$v" "libpq-dev=$v")
fi
rest=()
for p in "${missing[@]}"; do case " ${pin[*]} " in *" $p="*) ;; *) rest+=("$p") ;; esac; done
if [ ${#pin[@]} -gt 0 ] && $SUDO apt-get install -y -qq --no-install-recommends --allow-downgrades "${pin[@]}" "${rest[@]}"; then
  hold_postgresql "$MODE"
  exit 0
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
hold_postgresql "$MODE"
