#!/usr/bin/env bash
# Starts throwaway PostgreSQL 15 (with pgSphere) and MariaDB servers on free loopback ports in
# a temporary directory, runs the given command with DAX_TEST_PG and DAX_TEST_MYSQL set to their
# connection strings, and stops them again (also on failure).
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
tmp=$(mktemp -d /tmp/dax-servers.XXXXXX)
chmod 755 "$tmp"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return; fi
  done
  echo "no free port" >&2; exit 1
}
stop() {
  for d in "$tmp"/pg*/; do
    [ -f "$d/PG_VERSION" ] && "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
  done
  if [ -n "${mypid:-}" ]; then kill "$mypid" 2>/dev/null || true; wait "$mypid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap stop EXIT

# start_pg NAME: a PostgreSQL server in $tmp/NAME on a free loopback port (printed).
start_pg() {
  local dir=$tmp/$1 port
  "${as_pg[@]}" "$PGBIN/initdb" -D "$dir" -U postgres -A trust >"$tmp/$1-initdb.log" 2>&1 \
    || { cat "$tmp/$1-initdb.log" >&2; exit 1; }
  # A port found free can be taken by a test running in parallel before the server binds it:
  # each server gets a few tries on fresh ports.
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir" -l "$tmp/$1.log" -w \
      -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null && break
    [ $attempt -eq 5 ] && { cat "$tmp/$1.log" >&2; exit 1; }
  done
  echo "$port"
}
pgport=$(start_pg pg)
# DAX_TEST_PG_SHARDS=N: N more servers (a catalog sharded over them, with DAX_TEST_PG as the
# coordinator); their conninfos are exported in DAX_TEST_PG_SHARDS, separated by '|'.
shard_conninfos=
for k in $(seq 1 "${DAX_TEST_PG_SHARDS:-0}"); do
  p=$(start_pg "pg-shard$k")
  shard_conninfos+="${shard_conninfos:+|}host=127.0.0.1 port=$p user=postgres dbname=postgres"
done

# pgSphere must be creatable: PostgreSQL 15.20 breaks pgSphere 1.1.1 (scripts/deps.sh holds 15.18).
PSQL=$PGBIN/psql
if ! out=$("$PSQL" -X -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE dax_pgsphere_check" -c "\\c dax_pgsphere_check" -c "CREATE EXTENSION pg_sphere" 2>&1); then
  echo "FAIL: pgSphere cannot be created on PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'): $out"
  echo "  pgSphere 1.1.1 works on 15.18, not on 15.20 (Debian security update). Fix:"
  echo "  apt-get install --allow-downgrades postgresql-15=15.18-0+deb12u1 postgresql-client-15=15.18-0+deb12u1 libpq5=15.18-0+deb12u1 libpq-dev=15.18-0+deb12u1"
  echo "  then scripts/deps.sh test (it writes the apt preference that keeps it)"
  exit 1
fi
"$PSQL" -X -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c "DROP DATABASE dax_pgsphere_check" >/dev/null

myport=$(free_port)
mkdir -p "$tmp/my" "$tmp/mytmp"
myuser=$(id -un)
[ "$(id -u)" -eq 0 ] && { chown mysql "$tmp/my" 2>/dev/null && myuser=mysql || myuser=root; }
# A private tmpdir: two bootstraps sharing /tmp collided on a temporary table's name in CI.
[ "$(id -u)" -eq 0 ] && chown "$myuser" "$tmp/mytmp" 2>/dev/null
mariadb-install-db --no-defaults --datadir="$tmp/my" --tmpdir="$tmp/mytmp" --user="$myuser" --auth-root-authentication-method=normal \
  >"$tmp/my-install.log" 2>&1 || { cat "$tmp/my-install.log"; exit 1; }
for attempt in 1 2 3 4 5; do
  [ $attempt -gt 1 ] && myport=$(free_port)
  /usr/sbin/mariadbd --no-defaults --datadir="$tmp/my" --tmpdir="$tmp/mytmp" --user="$myuser" --port="$myport" --bind-address=127.0.0.1 \
    --socket="$tmp/my/my.sock" --pid-file="$tmp/my/my.pid" --skip-grant-tables --skip-log-bin \
    --innodb-flush-log-at-trx-commit=0 >"$tmp/my.log" 2>&1 &
  mypid=$!
  up=0
  for _ in $(seq 1 100); do
    mariadb-admin --no-defaults --socket="$tmp/my/my.sock" ping >/dev/null 2>&1 && { up=1; break; }
    kill -0 "$mypid" 2>/dev/null || break
    sleep 0.2
  done
  [ $up -eq 1 ] && break
  wait "$mypid" 2>/dev/null || true
  mypid=
  [ $attempt -eq 5 ] && { cat "$tmp/my.log"; exit 1; }
done

export DAX_TEST_PG="host=127.0.0.1 port=$pgport user=postgres dbname=postgres"
export DAX_TEST_MYSQL="host=127.0.0.1 port=$myport user=root db=mysql"
export DAX_TEST_PG_SHARDS=$shard_conninfos
"$@"
