#!/usr/bin/python3
"""Operations (issue 15 section 3) on tap-server: GET /metrics in the Prometheus text format
(requests by route and status, a latency histogram whose counts add up, bytes sent, the site's
jobs by task and phase and the queue depth), one JSON access-log line per request (time, user,
route, status, bytes, ms; level error for 5xx) with job ids folded out of the route label, and
VOSI availability that reflects the result directory; forwarded headers behind a trusted proxy.
    operations_test.py BIN_DIR"""
import json, os, re, shutil, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish, free_port, stop, wait_up  # noqa: E402
import requests

BIN = sys.argv[1]
tmp = tempfile.mkdtemp()
port = free_port()
ROOT = "http://127.0.0.1:%d" % port
TAP = ROOT + "/tap"
with open(tmp + "/site.yaml", "w") as f:
    f.write("data_dir: %s/data\naccess_log: true\ntrust_forwarded: true\nauth: {mode: header}\ntap: {port: %d}\n" % (tmp, port))
log = open(tmp + "/out.log", "w")
procs = [subprocess.Popen([BIN + "/tap-server", "--config", tmp + "/site.yaml"], stdout=log, stderr=subprocess.STDOUT)]


def metrics():
    text = requests.get(ROOT + "/metrics", timeout=30).text
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r'^([a-z_]+)(\{.*\})? ([0-9.e+-]+)$', line)
        if not m:
            out.setdefault("_bad", []).append(line)
            continue
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return text, out


try:
    check(wait_up(TAP + "/availability"), "tap-server up")
    U = {"X-Auth-Request-User": "carol"}
    rows_before = metrics()[1].get("dax_query_rows_total")
    for _ in range(5):
        requests.get(TAP + "/sync", params={"LANG": "ADQL", "QUERY": "SELECT TOP 3 id FROM demo.stars"}, headers=U, timeout=30)
    requests.get(TAP + "/sync", params={"LANG": "ADQL", "QUERY": "SELEKT"}, headers=U, timeout=30)
    r = requests.post(TAP + "/async", data={"LANG": "ADQL", "QUERY": "SELECT TOP 2 id FROM demo.stars", "PHASE": "RUN"}, headers=U,
                      allow_redirects=False, timeout=30)
    job = r.headers["Location"]
    requests.get(job + "?WAIT=10&PHASE=EXECUTING", headers=U, timeout=30)
    requests.get(job + "?WAIT=10&PHASE=QUEUED", headers=U, timeout=30)
    requests.get(job + "/results/result", headers=U, timeout=30)
    for k in range(30):  # a scanner: every path its own, one label
        requests.get(ROOT + "/nothing-%d/x" % k, timeout=30)

    import random
    rnd = random.Random(7)
    for k in range(260):  # made-up paths answered by the server's own checks (401 here), and preflights
        path = "/tap/async/" + "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
        requests.get(ROOT + path, timeout=30)
        requests.options(ROOT + path + "x", headers={"Origin": "http://x", "Access-Control-Request-Method": "GET"}, timeout=30)

    time.sleep(2.1)  # the job counts are cached for 2 s (the first metrics() above read them)
    text, m = metrics()
    routes = {re.search(r'route="([^"]*)"', k).group(1) for k in m if k.startswith("dax_http_requests_total")}
    check(len(routes) <= 201 and "(other)" in routes and "(preflight)" in routes,
          "made-up paths cannot grow the label set: %d routes, the rest (other); preflights one label" % len(routes))
    check("_bad" not in m, "every metrics line parses (%s)" % m.get("_bad", [])[:2])
    check(m.get('dax_http_requests_total{route="/tap/sync",status="200"}') == 5 and m.get('dax_http_requests_total{route="/tap/sync",status="400"}') == 1,
          "requests by route and status: 5 x 200 and 1 x 400 on /tap/sync")
    check(m.get('dax_http_requests_total{route="/tap/async/{id}/results",status="200"}') == 1,
          "job ids are folded out of the route label, at most 4 segments (/tap/async/{id}/results)")
    check(m.get('dax_http_requests_total{route="(unmatched)",status="404"}') == 30 and "nothing-" not in text,
          "30 unknown paths are one label, not 30")
    n = m.get('dax_http_request_duration_seconds_count{route="/tap/sync"}')
    inf = m.get('dax_http_request_duration_seconds_bucket{route="/tap/sync",le="+Inf"}')
    b = [v for k, v in m.items() if k.startswith('dax_http_request_duration_seconds_bucket{route="/tap/sync"')]
    check(n == 6 and inf == 6 and b == sorted(b), "the latency histogram: 6 requests, cumulative buckets")
    check(m.get('dax_http_response_bytes_total{route="/tap/sync"}', 0) > 6 * 300, "bytes sent by route")
    check(m.get('dax_uws_jobs{task="tap-query",phase="COMPLETED"}') == 1 and m.get("dax_uws_queue_depth") == 0 and m.get("dax_up_job_store") == 1,
          "the site's jobs by task and phase, the queue depth, the job store up: %s" % [(k, v) for k, v in m.items() if "uws" in k or "up_" in k])

    check(rows_before is not None and m.get("dax_query_rows_total") == rows_before + 5 * 3 + 2,
          "rows streamed: 5 sync TOP 3 and one async TOP 2 add 17 rows (%s -> %s)" % (rows_before, m.get("dax_query_rows_total")))

    time.sleep(0.2)
    lines = [json.loads(l) for l in open(tmp + "/out.log") if l.startswith("{")]
    sync = [l for l in lines if l["route"] == "/tap/sync"]
    check(len(sync) == 6 and all(l["user"] == "carol" and l["bytes"] > 0 and l["ms"] >= 0 and l["time"].endswith("Z") for l in sync),
          "one JSON access-log line per request: time, user, method, route, status, bytes, ms (%d lines)" % len(lines))
    check(sorted(l["status"] for l in sync) == [200] * 5 + [400] and all(l["level"] == "info" for l in sync), "statuses logged, level info below 500")
    check(any(l["route"] == "/tap/async/{id}" and l["method"] == "POST" or l["route"] == "/tap/async" and l["method"] == "POST" for l in lines),
          "the job creation is logged")

    # Behind a proxy that says so (trust_forwarded: true): job URLs with the client's scheme and
    # host; malformed or repeated forwarded headers are ignored.
    def location(headers):
        r = requests.post(TAP + "/async", data={"LANG": "ADQL", "QUERY": "SELECT TOP 1 id FROM demo.stars"},
                          headers=dict(U, **headers), allow_redirects=False, timeout=30)
        return r.headers.get("Location", "")
    check(location({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.org"}).startswith("https://data.example.org/tap/async/"),
          "X-Forwarded-Proto and -Host name the job URL behind a trusted proxy")
    check(location({"X-Forwarded-Proto": "javascript", "X-Forwarded-Host": "evil host/x"}).startswith("http://127.0.0.1:%d/tap/async/" % port),
          "malformed forwarded headers are ignored")
    check(location({"Forwarded": 'for=192.0.2.60;proto=https;host="cat.example.org:8443"'}).startswith("https://cat.example.org:8443/tap/async/"),
          "RFC 7239 Forwarded names the job URL (quoted host with a port)")
    check(location({"Forwarded": "proto=https;host=a.example.org", "X-Forwarded-Host": "b.example.org"}).startswith("https://a.example.org/"),
          "Forwarded wins over X-Forwarded-Host")
    check(location({"Forwarded": "host=a.example.org, host=evil.example.org"}).startswith("http://127.0.0.1:%d/tap/async/" % port),
          "a Forwarded list (a chain of proxies, the first possibly the client's) is ignored")
    check(location({"Forwarded": "proto=gopher;host=evil host"}).startswith("http://127.0.0.1:%d/tap/async/" % port),
          "a malformed Forwarded is ignored")

    ok = requests.get(TAP + "/availability", timeout=30).text
    check(">true<" in ok, "available while all is well")
    os.rename(tmp + "/data/results", tmp + "/data/results.away")
    open(tmp + "/data/results", "w").close()  # not a directory any more
    bad = requests.get(TAP + "/availability", timeout=30).text
    check(">false<" in bad and "result directory" in bad, "availability false naming the result directory")
    os.remove(tmp + "/data/results")
    os.rename(tmp + "/data/results.away", tmp + "/data/results")
    check(">true<" in requests.get(TAP + "/availability", timeout=30).text, "available again once it is back")
finally:
    stop(procs)
    shutil.rmtree(tmp, ignore_errors=True)
finish()
