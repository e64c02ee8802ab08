#!/usr/bin/python3
"""Scale-out figures (issue 15 section 1): tap-server api processes behind nginx on a PostgreSQL
job store, with two workers. For 1 and then 2 api processes: sync requests per second through
nginx (wrk, 16 connections, 5 s, SELECT TOP 1) and async jobs per second (300 jobs submitted by
8 clients, timed from the first submission to the last completion). Prints figures; never fails
on time. Run under tests/exec/with_servers.sh (it gives DAX_TEST_PG):
    tests/exec/with_servers.sh /usr/bin/python3 bench/scaleout_bench.py build/bin"""
import concurrent.futures as cf
import os, re, signal, socket, subprocess, sys, tempfile, time
import requests

BIN, PG = sys.argv[1], os.environ["DAX_TEST_PG"]
tmp = tempfile.mkdtemp()


def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def up(url):
    for _ in range(600):
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def psql(sql):
    return subprocess.run(["psql", "-X", "-q", "-A", "-t", PG, "-c", sql], capture_output=True, text=True).stdout.strip()


with open(tmp + "/site.yaml", "w") as f:
    f.write("data_dir: %s/data\njob_store: \"postgres:%s\"\nlimits: {max_active_jobs: 0, max_jobs_per_minute: 0}\n" % (tmp, PG))
procs = []
try:
    apis = [port(), port()]
    for k, p in enumerate(apis):
        procs.append(subprocess.Popen([BIN + "/tap-server", "--config", tmp + "/site.yaml", "--role", "api", "--port", str(p)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        assert up("http://127.0.0.1:%d/tap/availability" % p)
    for _ in range(2):
        procs.append(subprocess.Popen([BIN + "/tap-server", "--config", tmp + "/site.yaml", "--role", "worker"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
    print("machine: %d cores; PostgreSQL, nginx, the servers and the clients share them" % os.cpu_count())
    for n in (1, 2):
        proxy = port()
        conf = "%s/nginx-%d.conf" % (tmp, n)
        with open(conf, "w") as f:
            f.write("daemon off; pid %s/nginx-%d.pid; error_log %s/nginx.err; worker_processes 1; events { worker_connections 1024; }\n"
                    "http { access_log off; client_body_temp_path %s/b; proxy_temp_path %s/p; fastcgi_temp_path %s/f; uwsgi_temp_path %s/u; scgi_temp_path %s/s;\n"
                    "upstream dax { %s keepalive 32; }\n"
                    "server { listen 127.0.0.1:%d; location / { proxy_pass http://dax; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_set_header Host $http_host; } } }\n"
                    % ((tmp, n, tmp) + (tmp,) * 5 + ("".join("server 127.0.0.1:%d; " % p for p in apis[:n]), proxy)))
        ng = subprocess.Popen(["nginx", "-c", conf, "-p", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        url = "http://127.0.0.1:%d/tap" % proxy
        assert up(url + "/availability")
        out = subprocess.run(["wrk", "-t2", "-c16", "-d5s", url + "/sync?LANG=ADQL&QUERY=SELECT%20TOP%201%20*%20FROM%20demo.stars"],
                             capture_output=True, text=True).stdout
        rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
        t0 = time.time()

        def submit(k):
            r = requests.post(url + "/async", data={"LANG": "ADQL", "QUERY": "SELECT TOP 5 id FROM demo.stars WHERE id > %d" % k,
                                                    "PHASE": "RUN"}, allow_redirects=False, timeout=30)
            return r.status_code == 303

        with cf.ThreadPoolExecutor(8) as pool:
            ok = sum(pool.map(submit, range(300)))
        submitted = time.time() - t0
        while psql("SELECT count(*) FROM uws_job WHERE phase IN ('QUEUED', 'EXECUTING', 'PENDING')") not in ("0", ""):
            time.sleep(0.02)
        done = time.time() - t0
        print("%d api process%s behind nginx: sync %s req/s (wrk 16 connections, TOP 1); async: %d jobs submitted at %.0f/s, "
              "all completed at %.0f jobs/s" % (n, "" if n == 1 else "es", rps.group(1) if rps else "?", ok, ok / submitted, ok / done))
        ng.send_signal(signal.SIGTERM)
        ng.wait()
finally:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        p.wait()
