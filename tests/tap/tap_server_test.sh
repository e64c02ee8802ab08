#!/usr/bin/env bash
# tap-server end to end on its embedded demo database: pyvo/astropy (tests/tap/pyvo_test.py),
# stilts taplint (0 errors required) and votlint, the landing page in headless Chromium, and
# user isolation with the trusted-header auth mode. Servers run on loopback ports in a temp dir.
#   tap_server_test.sh BIN_DIR [postgres|mysql]
# With "postgres" (run through tests/exec/with_servers.sh, which sets DAX_TEST_PG) the demo
# tables live on PostgreSQL+pgSphere; TAP_SCHEMA and the uploaded tables follow the backend.
set -euo pipefail
BIN=$1
MODE=${2:-sqlite}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {  # start NAME ARGS... ; sets URL
  # A port found free can be taken by a test running in parallel first: a few tries.
  local port pid
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    "$BIN/tap-server" --port "$port" "${@:2}" > "$TMP/$1.log" 2>&1 &
    pid=$!
    PIDS+=($pid)
    URL=http://127.0.0.1:$port/tap
    for _ in $(seq 1 300); do
      curl -sf "$URL/availability" > /dev/null 2>&1 && return 0
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    grep -q "cannot listen" "$TMP/$1.log" || break
  done
  echo "tap-server did not start:"; cat "$TMP/$1.log"; exit 1
}
fail=0

if [ "$MODE" = postgres ]; then
  [ -n "${DAX_TEST_PG:-}" ] || { echo "postgres mode needs DAX_TEST_PG (tests/exec/with_servers.sh)"; exit 1; }
  cat > "$TMP/pg.yaml" <<YAML
data_dir: $TMP/demo
limits: {upload_url_allow: [127.0.0.1]}
backends:
  # The server's default is made the old, non-standard string syntax: the backend must set
  # standard_conforming_strings itself (a backslash in an ADQL literal is just a backslash).
  pg: {type: postgres, conninfo: "$DAX_TEST_PG options='-c standard_conforming_strings=off'", connections: 8}
demo_backend: pg
YAML
  start demo --config "$TMP/pg.yaml"
elif [ "$MODE" = mysql ]; then
  [ -n "${DAX_TEST_MYSQL:-}" ] || { echo "mysql mode needs DAX_TEST_MYSQL (tests/exec/with_servers.sh)"; exit 1; }
  printf 'data_dir: %s\nlimits: {upload_url_allow: [127.0.0.1]}\nbackends:\n  my: {type: mysql, conninfo: "%s"}\ndemo_backend: my\n' "$TMP/demo" "$DAX_TEST_MYSQL" > "$TMP/my.yaml"
  start demo --config "$TMP/my.yaml"
else
  # pyvo_test uploads a table by URL from this same loopback server: allow-listed.
  printf 'data_dir: %s\nlimits: {upload_url_allow: [127.0.0.1]}\n' "$TMP/demo" > "$TMP/sqlite.yaml"
  start demo --config "$TMP/sqlite.yaml"
fi
echo "== string literals mean what ADQL says on every backend (backslash, doubled quote)"
b=$(curl -s -G "$URL/sync" -d LANG=ADQL -d FORMAT=tsv --data-urlencode "QUERY=SELECT TOP 1 'a\\' || 'b''c' AS s FROM demo.stars" | tail -1 | tr -d '\r')
[ "$b" = "a\\b'c" ] && echo "'a\\' || 'b''c' is a\\b'c" || { echo "FAIL: string literal gave [$b]"; fail=1; }

echo "== pyvo and astropy against $URL"
DAX_TAP_BACKEND=$MODE /usr/bin/python3 -W ignore "$HERE/pyvo_test.py" "$URL" || fail=1

echo "== clients that go away mid-result leave the server and its connections healthy"
for i in 1 2 3; do
  curl -s -G "$URL/sync" -d LANG=ADQL -d MAXREC=5000000 --data-urlencode \
    "QUERY=SELECT a.* FROM demo.stars AS a CROSS JOIN (SELECT TOP 50 id FROM demo.stars) AS b" | head -c 200000 > /dev/null || true
done
ok=0
for i in $(seq 1 12); do
  n=$(curl -s -G "$URL/sync" -d LANG=ADQL -d FORMAT=csv --data-urlencode "QUERY=SELECT COUNT(*) FROM demo.stars WHERE id <= $i" | tail -1 | tr -d '\r')
  [ "$n" = "$i" ] && ok=$((ok + 1))
done
[ $ok = 12 ] && echo "12 queries right after 3 abandoned 5M-row results" || { echo "FAIL: $ok of 12 queries right after abandoned results"; fail=1; }

echo "== stilts taplint"
stilts taplint tapurl="$URL" report=EW maxrepeat=20 > "$TMP/taplint.txt" 2>&1 || true
errors=$(grep -c '^E-' "$TMP/taplint.txt" || true)
warnings=$(grep -c '^W-' "$TMP/taplint.txt" || true)
grep -E '^(E|W)-' "$TMP/taplint.txt" || true
grep -E '^Totals' "$TMP/taplint.txt" || true
echo "taplint: $errors errors, $warnings warnings"
[ "$errors" -eq 0 ] || fail=1
# The one warning the README explains (our urn:libdax jobInfo namespace); any other fails.
if grep -E '^W-' "$TMP/taplint.txt" | grep -qv '^W-UWS-UNSC'; then echo "FAIL: a taplint warning the README does not explain"; fail=1; fi
grep -q '^Totals' "$TMP/taplint.txt" || { echo "taplint did not finish"; fail=1; }

echo "== stilts votlint on every VOTable serialization"
for f in votable/td votable/b votable/b2; do
  curl -sf -G "$URL/sync" --data-urlencode LANG=ADQL --data-urlencode "RESPONSEFORMAT=$f" \
    --data-urlencode "QUERY=SELECT TOP 20 o.*, POINT('ICRS', s_ra, s_dec) AS p FROM ivoa.ObsCore AS o" > "$TMP/out.vot"
  out=$(stilts votlint votable="$TMP/out.vot" 2>&1 || true)
  if [ -n "$out" ]; then echo "votlint $f: $out"; fail=1; else echo "votlint $f: clean"; fi
done

echo "== landing page in headless Chromium"
last=$(curl -s -o /dev/null -w '%{redirect_url}' -d LANG=ADQL -d 'QUERY=SELECT TOP 7 * FROM ivoa.ObsCore' -d PHASE=RUN "$URL/async")
curl -s -o /dev/null "$last?WAIT=30&PHASE=EXECUTING"; curl -s -o /dev/null "$last?WAIT=30&PHASE=QUEUED"; curl -s -o /dev/null "$last?WAIT=30&PHASE=EXECUTING"
page=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=8000 --dump-dom \
  "$URL/?QUERY=SELECT%20TOP%203%20id%2C%20mag_r%20FROM%20demo.stars%20ORDER%20BY%20id" 2>/dev/null || true)
# ... and the jobs of the job monitor with their progress (the job just run: 7 rows).
for want in '<td>22.106</td>' '<td>19.825</td>' '<td>22.289</td>' '3 rows' 'TAP_SCHEMA.columns' 'Cone search' \
            '<td>rows: 7</td>' '<td>SELECT TOP 7 * FROM ivoa.ObsCore</td>' '<td>TAP</td>'; do
  if grep -qF "$want" <<< "$page"; then echo "page shows $want"; else echo "FAIL: page lacks $want"; fail=1; fi
done

echo "== dax-admin load: a table of our own, published through the config"
cat > "$TMP/mine.yaml" <<YAML
name: mine
description: A table loaded by dax-admin.
tables:
  - name: sources
    columns:
      - {name: id, "@id": "#sources.id", datatype: long, tap:principal: 1}
      - {name: label, datatype: string}
      - {name: ra, datatype: double, fits:tunit: deg, tap:indexed: 1}
      - {name: dec, datatype: double, fits:tunit: deg, tap:indexed: 1}
  - name: detections
    columns:
      - {name: det_id, datatype: long}
      - {name: source_id, "@id": "#detections.source_id", datatype: long}
    constraints:
      - {name: detections_sources, "@type": ForeignKey, description: Detections of a source.,
         columns: ["#detections.source_id"], referencedColumns: ["#sources.id"]}
YAML
/usr/bin/python3 -c 'print("id,label,ra,dec"); [print(f"{i},s{i},{i*0.7%360},{i%160-80}") for i in range(1,2001)]' > "$TMP/mine.csv"
sed '700s/.*/700,bad,notanumber,1/' "$TMP/mine.csv" > "$TMP/bad.csv"
if "$BIN/dax-admin" load --data-dir "$TMP/demo" --schema "$TMP/mine.yaml" --table mine.sources --csv "$TMP/bad.csv" 2> "$TMP/bad.log"; then
  echo "FAIL: a bad CSV loaded"; fail=1
elif grep -q "line 700" "$TMP/bad.log"; then echo "bad row reported: $(tail -1 "$TMP/bad.log")"
else echo "FAIL: no line number: $(cat "$TMP/bad.log")"; fail=1; fi
"$BIN/dax-admin" load --data-dir "$TMP/demo" --schema "$TMP/mine.yaml" --table mine.sources --csv "$TMP/mine.csv" 2>/dev/null || fail=1

printf 'det_id,source_id\n1,1\n2,1\n3,7\n' > "$TMP/det.csv"
"$BIN/dax-admin" load --data-dir "$TMP/demo" --schema "$TMP/mine.yaml" --table mine.detections --csv "$TMP/det.csv" 2>/dev/null || fail=1
printf 'data_dir: %s\nschemas:\n  - {felis: %s}\n' "$TMP/demo" "$TMP/mine.yaml" > "$TMP/mine_config.yaml"
[ "$MODE" = postgres ] && printf 'backends:\n  pg: {type: postgres, conninfo: "%s"}\ndemo_backend: pg\n' "$DAX_TEST_PG" >> "$TMP/mine_config.yaml"
[ "$MODE" = mysql ] && printf 'backends:\n  my: {type: mysql, conninfo: "%s"}\ndemo_backend: my\n' "$DAX_TEST_MYSQL" >> "$TMP/mine_config.yaml"
start published --config "$TMP/mine_config.yaml"
n=$(curl -s -G "$URL/sync" -d LANG=ADQL -d FORMAT=csv --data-urlencode \
  "QUERY=SELECT COUNT(*) FROM mine.detections AS d JOIN mine.sources AS s ON s.id = d.source_id WHERE s.id = 1" | tail -1 | tr -d '\r')
[ "$n" = 2 ] && echo "join over the published foreign key: 2 rows" || { echo "FAIL: join gave $n"; fail=1; }
curl -s -G "$URL/sync" -d LANG=ADQL -d FORMAT=csv --data-urlencode "QUERY=SELECT k.from_table, c.from_column, k.target_table, c.target_column FROM TAP_SCHEMA.keys AS k JOIN TAP_SCHEMA.key_columns AS c ON c.key_id = k.key_id WHERE k.key_id = 'detections_sources'" \
  | grep -q 'mine.detections,source_id,mine.sources,id' && echo "TAP_SCHEMA.keys has the Felis foreign key" || { echo "FAIL: Felis foreign key not in TAP_SCHEMA"; fail=1; }
stilts taplint tapurl="$URL" stages='TMV TME TMS TMC' report=E > "$TMP/taplint_keys.txt" 2>&1 || true
e=$(grep -c '^E-' "$TMP/taplint_keys.txt" || true)
[ "$e" = 0 ] && echo "taplint metadata stages with the foreign key: 0 errors" || { grep '^E-' "$TMP/taplint_keys.txt"; fail=1; }

echo "== trusted-header auth: users see only their own jobs"
cat > "$TMP/auth.yaml" <<YAML
data_dir: $TMP/demo
$([ "$MODE" = postgres ] && printf 'backends:\n  pg: {type: postgres, conninfo: "%s"}\ndemo_backend: pg\n' "$DAX_TEST_PG")
$([ "$MODE" = mysql ] && printf 'backends:\n  my: {type: mysql, conninfo: "%s"}\ndemo_backend: my\n' "$DAX_TEST_MYSQL")
auth: {mode: header, header: X-Auth-Request-User}
limits: {default_maxrec: 1000, hard_maxrec: 5000, upload_urls: false}
schemas:
  - {felis: $TMP/mine.yaml, backend: sqlite}
YAML
start auth --config "$TMP/auth.yaml"
A=(-H 'X-Auth-Request-User: alice'); B=(-H 'X-Auth-Request-User: bob')
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/sync?LANG=ADQL&QUERY=SELECT+1+FROM+demo.stars")
[ "$code" = 401 ] && echo "no identity: 401" || { echo "FAIL: no identity gave $code"; fail=1; }
job=$(curl -s -o /dev/null -w '%{redirect_url}' "${A[@]}" -d LANG=ADQL -d 'QUERY=SELECT TOP 2 id FROM demo.stars' -d PHASE=RUN "$URL/async")
[ -n "$job" ] || { echo "FAIL: alice could not create a job"; fail=1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "${A[@]}" "$job")
[ "$code" = 200 ] && echo "alice sees her job" || { echo "FAIL: alice gets $code for her job"; fail=1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "${B[@]}" "$job")
[ "$code" = 404 ] && echo "bob gets 404 for alice's job" || { echo "FAIL: bob gets $code for alice's job"; fail=1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "${B[@]}" "$job/results/result")
[ "$code" = 404 ] && echo "bob gets 404 for alice's result" || { echo "FAIL: bob gets $code for alice's result"; fail=1; }
if curl -s "${B[@]}" "$URL/async" | grep -q "${job##*/}"; then echo "FAIL: alice's job in bob's list"; fail=1; else echo "bob's list does not show it"; fi
body=$(curl -s "${A[@]}" -d LANG=ADQL -d 'QUERY=SELECT * FROM TAP_UPLOAD.t' -d 'UPLOAD=t,http://127.0.0.1:9/x' -w ' %{http_code}' "$URL/sync")
case "$body" in *"turned off"*" 400") echo "upload_urls: false refuses URL uploads (400)" ;; *) echo "FAIL: URL upload with upload_urls false: $body"; fail=1 ;; esac
curl -s "$URL/capabilities" | grep -q 'upload-http' && { echo "FAIL: upload-http declared while off"; fail=1; } || echo "capabilities leave upload-http out"

echo "== query history: re-run, visibility, filters"
again=$(curl -s -o /dev/null -w '%{redirect_url}' "${A[@]}" -d "RERUN=${job##*/}" -d PHASE=RUN "$URL/async")
if [ -n "$again" ] && curl -s "${A[@]}" "$again/parameters" | grep -q 'SELECT TOP 2 id FROM demo.stars'; then echo "RERUN made a new job with the same query"
else echo "FAIL: RERUN gave '$again'"; fail=1; fi
code=$(curl -s -o /dev/null -w '%{http_code}' "${B[@]}" -d "RERUN=${job##*/}" "$URL/async")
[ "$code" = 404 ] && echo "bob cannot re-run alice's job" || { echo "FAIL: bob's RERUN gave $code"; fail=1; }
curl -s -o /dev/null "${A[@]}" -d VISIBILITY=user-hidden "$again/visibility"
if curl -s "${A[@]}" "$URL/async" | grep -q "${again##*/}"; then echo "FAIL: hidden job listed"; fail=1; else echo "user-hidden job left out of the default list"; fi
curl -s "${A[@]}" "$URL/async?VISIBILITY=user-hidden" | grep -q "${again##*/}" && echo "VISIBILITY=user-hidden lists it" || { echo "FAIL: VISIBILITY filter"; fail=1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "${A[@]}" -d VISIBILITY=system-hidden "$again/visibility")
[ "$code" = 400 ] && echo "system-hidden is reserved: 400" || { echo "FAIL: system-hidden gave $code"; fail=1; }
curl -s "${A[@]}" "$URL/async?PHASE=COMPLETED&AFTER=2000-01-01T00:00:00Z" | grep -q "${job##*/}" && echo "PHASE and AFTER filters" || { echo "FAIL: PHASE/AFTER filter"; fail=1; }
rows=$(curl -s "${A[@]}" "$URL/sync?LANG=ADQL&FORMAT=csv&QUERY=SELECT+id+FROM+demo.stars" | wc -l)
[ "$rows" = 1001 ] && echo "configured default MAXREC 1000 applies" || { echo "FAIL: $rows lines with default MAXREC 1000"; fail=1; }

n=$(curl -s "${A[@]}" "$URL/sync?LANG=ADQL&FORMAT=csv&QUERY=SELECT+COUNT(*)+FROM+mine.sources+WHERE+dec+BETWEEN+0+AND+10" | tail -1 | tr -d '\r')
expect=$(awk -F, 'NR > 1 && $4 >= 0 && $4 <= 10' "$TMP/mine.csv" | wc -l)
[ "$n" = "$expect" ] && echo "mine.sources is published and queryable ($n rows in a dec band)" || { echo "FAIL: mine.sources count $n, CSV has $expect"; fail=1; }
curl -s "${A[@]}" -G "$URL/sync" -d LANG=ADQL -d FORMAT=csv \
    --data-urlencode "QUERY=SELECT column_name FROM TAP_SCHEMA.columns WHERE table_name = 'mine.sources'" | grep -q label \
  && echo "TAP_SCHEMA describes mine.sources" || { echo "FAIL: mine.sources not in TAP_SCHEMA"; fail=1; }

echo "== bearer tokens: hashed token file with scopes"
good=tok-$RANDOM$RANDOM; noscope=tok-$RANDOM$RANDOM
{ echo "# sha256 user scopes"
  echo "$(printf %s "$good" | sha256sum | cut -d' ' -f1) carol read:tap,read:image"
  echo "$(printf %s "$noscope" | sha256sum | cut -d' ' -f1) dave read:image"; } > "$TMP/tokens"
sed -e 's/mode: header, header: X-Auth-Request-User/mode: token, token_file: TOKENS/' -e "s#TOKENS#$TMP/tokens#" "$TMP/auth.yaml" > "$TMP/token.yaml"
start token --config "$TMP/token.yaml"
q="$URL/sync?LANG=ADQL&FORMAT=csv&QUERY=SELECT+TOP+1+id+FROM+demo.stars"
for t in "none:401" "Bearer wrong:401" "Bearer $noscope:403" "Bearer $good:200"; do
  hdr=${t%:*}; want=${t##*:}
  if [ "$hdr" = none ]; then code=$(curl -s -o /dev/null -w '%{http_code}' "$q")
  else code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $hdr" "$q"); fi
  [ "$code" = "$want" ] && echo "token ${hdr%% *}...: $code" || { echo "FAIL: token $hdr gave $code, want $want"; fail=1; }
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/capabilities")
[ "$code" = 200 ] && echo "capabilities stay public" || { echo "FAIL: capabilities gave $code"; fail=1; }

if [ "$MODE" = sqlite ]; then
echo "== SIGTERM: a graceful stop lets a request in progress finish"
start stop --config "$TMP/sqlite.yaml"
pid=${PIDS[-1]}
curl -s -G "$URL/sync" -d LANG=ADQL -d FORMAT=csv -d MAXREC=100000 --data-urlencode "QUERY=SELECT * FROM demo.stars" \
  --limit-rate 2M -o "$TMP/during-stop.csv" &
reader=$!
sleep 0.3
kill -TERM "$pid"
wait "$reader" || true
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then echo "FAIL: tap-server still running 10 s after SIGTERM"; fail=1
else
  rc=0; wait "$pid" || rc=$?
  lines=$(wc -l < "$TMP/during-stop.csv")
  [ "$rc" = 0 ] && [ "$lines" = 100001 ] && grep -q "^stopping:" "$TMP/stop.log" \
    && echo "stopped with status 0 after sending all $lines lines of the result in progress" \
    || { echo "FAIL: SIGTERM: status $rc, $lines lines"; fail=1; }
  curl -s -o /dev/null "$URL/availability" && { echo "FAIL: still answering after the stop"; fail=1; }
fi
fi

[ $fail -eq 0 ] && echo "tap-server tests passed" || echo "tap-server tests FAILED"
exit $fail
