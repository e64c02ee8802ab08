#!/usr/bin/env bash
# dax-adql behaves as documented: SQL on stdout and exit 0; errors on stderr and exit 1;
# --check prints nothing on success; the query may come from stdin; bad usage exits 2.
set -u
bin=$1
schema=$2
fails=0
check() {  # name expected_status expected_stdout expected_stderr -- command...
  local name=$1 want_rc=$2 want_out=$3 want_err=$4
  shift 5
  local out err rc
  out=$("$@" 2>/tmp/dax_cli_err.$$); rc=$?
  err=$(cat /tmp/dax_cli_err.$$)
  if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ] || { [ -n "$want_err" ] && [ "$err" != "$want_err" ]; }; then
    echo "FAIL: $name"; echo "  status $rc (want $want_rc)"; echo "  stdout: $out"; echo "  want:   $want_out"; echo "  stderr: $err"
    fails=$((fails + 1))
  else
    echo "ok: $name"
  fi
}
check "translates to sqlite by default" 0 'SELECT "ra" FROM "t" LIMIT 3' "" -- "$bin" "SELECT TOP 3 ra FROM t"
check "translates to postgres" 0 'SELECT "ra" FROM "t" LIMIT 3' "" -- "$bin" --dialect postgres "SELECT TOP 3 ra FROM t"
check "translates to mysql" 0 'SELECT `ra` FROM `t` LIMIT 3' "" -- "$bin" --dialect mysql "SELECT TOP 3 ra FROM t"
check "reads the query from stdin" 0 'SELECT "a" FROM "b"' "" -- sh -c "echo 'SELECT a FROM b' | '$bin'"
check "--check prints nothing on success" 0 '' '' -- "$bin" --check "SELECT a FROM b"
check "a syntax error goes to stderr with exit 1" 1 '' "line 1, column 15: unexpected 'b', expecting FROM" -- "$bin" "SELECT a FORM b"
check "--check reports errors too" 1 '' "line 1, column 8: DISTANCE is a reserved word: write \"distance\" to use it as a name" -- "$bin" --check "SELECT distance FROM b"
check "names are checked with --schema" 1 '' "line 1, column 8: unknown column 'nope'" -- "$bin" --schema "$schema" "SELECT nope FROM demo.stars"
check "a valid query against the schema" 0 'SELECT "ra" FROM "demo"."stars"' "" -- "$bin" --schema "$schema" "SELECT RA FROM demo.stars"
check "--maxrec applies MAXREC+1" 0 'SELECT "ra" FROM "demo"."stars" LIMIT 11' "" -- "$bin" --schema "$schema" --maxrec 10 "SELECT ra FROM demo.stars"
check "--udf declares a function" 0 'SELECT "id" FROM "demo"."stars" WHERE ivo_hasword("id", '"'"'x'"'"') = 1' "" -- "$bin" --schema "$schema" --udf "ivo_hasword(a VARCHAR, b VARCHAR) -> INTEGER" "SELECT id FROM demo.stars WHERE ivo_hasword(id, 'x') = 1"
# The three levels (issue 13): the syntax and functions; names and types with --schema; a
# backend's abilities with --dialect.
check "--check alone does not check types" 0 '' '' -- "$bin" --check "SELECT x FROM y WHERE POINT(1, 2) = x"
check "--check alone: an undeclared function is an error" 1 '' "line 1, column 8: unknown function 'foo'" -- "$bin" --check "SELECT foo(1) FROM t"
check "--udf alone does not switch on table checks" 0 '' '' -- "$bin" --udf "ivo_hasword(a VARCHAR, b VARCHAR) -> INTEGER" --check "SELECT ivo_hasword(a, 'b') FROM t"
check "--schema checks types" 1 '' "line 1, column 8: operator * expects numbers, not a string" -- "$bin" --schema "$schema" --check "SELECT '30' * 2 FROM demo.stars"
check "--check alone does not ask a backend" 0 '' '' -- "$bin" --check "SELECT a FROM t INTERSECT ALL SELECT a FROM u"
check "--dialect names the backend and the feature" 1 '' "line 1, column 31: INTERSECT ALL is not supported on SQLite" -- "$bin" --dialect sqlite --check "SELECT a FROM t INTERSECT ALL SELECT a FROM u"
check "an unknown dialect is bad usage" 2 '' '' -- "$bin" --dialect oracle "SELECT a FROM b"
check "a missing schema file is bad usage" 2 '' "dax-adql: cannot read schema file '/nonexistent.yaml'" -- "$bin" --schema /nonexistent.yaml "SELECT a FROM b"
check "an unknown option is bad usage" 2 '' '' -- "$bin" --frobnicate "SELECT a FROM b"
rm -f /tmp/dax_cli_err.$$
[ $fails -eq 0 ] && echo "all CLI checks passed" || { echo "$fails CLI checks failed"; exit 1; }
