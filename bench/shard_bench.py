#!/usr/bin/python3
"""Sharded catalog figures (issue 15 section 2): demo.stars with ROWS rows (default 2,000,000)
as one plain table on one PostgreSQL server, then by declination band over 1 and over 3 shard
servers (postgres_fdw partitions on a coordinator; dax-admin shard), each published by its own
tap-server. Prints the load time, the latency of small cone searches (median and p90 of 300
sequential keep-alive TAP sync requests at random positions, r = 0.5 degree) and full-scan rates:
a COUNT over a predicate no index serves (rows scanned per second) and every row streamed as
CSV through TAP (rows delivered per second).
    DAX_TEST_PG_SHARDS=3 tests/exec/with_servers.sh /usr/bin/python3 bench/shard_bench.py build/bin [ROWS]"""
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "pylib"))
from daxtest import free_port, stop, wait_up  # noqa: E402

BIN = sys.argv[1]
ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
PG = os.environ["DAX_TEST_PG"]
SHARDS = [s for s in os.environ.get("DAX_TEST_PG_SHARDS", "").split("|") if s]
FELIS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "schema", "demo.yaml")
tmp = tempfile.mkdtemp()
procs = []
assert len(SHARDS) == 3, "run with DAX_TEST_PG_SHARDS=3 through tests/exec/with_servers.sh"


def psql(conninfo, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", conninfo, "-c", sql], check=True, capture_output=True)


def db(conninfo, name):
    return conninfo.replace("dbname=postgres", "dbname=" + name)


def tap_server(name, conninfo):
    port = free_port()
    with open("%s/%s.yaml" % (tmp, name), "w") as f:
        f.write('data_dir: %s/%s\ndemo: false\nbackends:\n  pg: {type: postgres, conninfo: "%s"}\n'
                'schemas:\n  - {felis: "%s", backend: pg}\nlimits: {hard_maxrec: 100000000, sync_timeout: 600}\n'
                % (tmp, name, conninfo, FELIS))
    procs.append(subprocess.Popen([BIN + "/tap-server", "--config", "%s/%s.yaml" % (tmp, name), "--port", str(port)],
                                  stdout=open("%s/%s.log" % (tmp, name), "w"), stderr=subprocess.STDOUT))
    assert wait_up("http://127.0.0.1:%d/tap/availability" % port), open("%s/%s.log" % (tmp, name)).read()
    return port


def sync(conn, adql, maxrec=1000):
    body = urllib.parse.urlencode({"LANG": "ADQL", "QUERY": adql, "FORMAT": "csv", "MAXREC": str(maxrec)})
    conn.request("POST", "/tap/sync", body, {"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    data = r.read()
    assert r.status == 200, data[:300]
    return data


def measure(name, port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    rnd = random.Random(15)
    cones = []
    for _ in range(300):
        ra, dec = rnd.uniform(0, 360), rnd.uniform(-80, 80)
        cones.append("SELECT id, ra, dec, mag_g FROM demo.stars WHERE CONTAINS(POINT(ra, dec), CIRCLE(%.4f, %.4f, 0.5)) = 1" % (ra, dec))
    for q in cones[:20]:  # warm the caches and the connection pools
        sync(conn, q)
    times, found = [], 0
    for q in cones:
        t0 = time.perf_counter()
        found += sync(conn, q).count(b"\n") - 1
        times.append(time.perf_counter() - t0)
    times.sort()
    t0 = time.perf_counter()
    sync(conn, "SELECT COUNT(*) AS n FROM demo.stars WHERE mag_g - mag_r > 0.75")
    scan = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = sync(conn, "SELECT id, ra, dec, mag_g, mag_r FROM demo.stars", ROWS + 1).count(b"\n") - 1
    stream = time.perf_counter() - t0
    assert n == ROWS, n
    print("%-22s cone r=0.5: median %6.2f ms, p90 %6.2f ms (%.1f rows/cone) | COUNT scan %9.0f rows/s (%.2f s) | "
          "all rows as CSV %9.0f rows/s (%.1f s)" % (name, 1000 * statistics.median(times), 1000 * times[int(0.9 * len(times))],
                                                      found / len(cones), ROWS / scan, scan, ROWS / stream, stream), flush=True)


try:
    stars = os.path.join(tmp, "stars.csv")
    with open(stars, "w") as f:
        subprocess.run([BIN + "/dax-admin", "demo-csv", "stars", str(ROWS)], stdout=f, check=True)
    for name in ("single", "one", "three"):
        psql(PG, "CREATE DATABASE " + name)
    psql(SHARDS[0], "CREATE DATABASE one")
    print("demo.stars, %d rows; %d cores; PostgreSQL servers on loopback" % (ROWS, os.cpu_count()), flush=True)
    layouts = [("1 server, plain table", db(PG, "single"), None),
               ("1 shard (postgres_fdw)", db(PG, "one"), [db(SHARDS[0], "one")]),
               ("3 shards (postgres_fdw)", db(PG, "three"), SHARDS)]
    for name, coordinator, shards in layouts:
        t0 = time.perf_counter()
        if shards is None:
            with open(tmp + "/load.yaml", "w") as f:
                f.write('data_dir: %s/load\nbackends:\n  pg: {type: postgres, conninfo: "%s"}\n' % (tmp, coordinator))
            cmd = [BIN + "/dax-admin", "load", "--config", tmp + "/load.yaml", "--schema", FELIS, "--backend", "pg"]
        else:
            cmd = [BIN + "/dax-admin", "shard", "--coordinator", coordinator]
            for s in shards:
                cmd += ["--shard", s]
            cmd += ["--schema", FELIS]
        subprocess.run(cmd + ["--table", "demo.stars", "--csv", stars], check=True, capture_output=True)
        print("%-22s loaded in %.1f s (%.0f rows/s, indexes included)" % (name, time.perf_counter() - t0, ROWS / (time.perf_counter() - t0)), flush=True)
        measure(name, tap_server(name.split()[0] + "-" + str(len(shards or [])), coordinator))
finally:
    stop(procs)
