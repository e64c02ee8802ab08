#!/usr/bin/python3
"""Scale-out (issue 15 section 1): nginx in front of two tap-server api processes (--role api)
and two workers (--role worker), all on loopback, sharing a PostgreSQL job store and one result
directory. 1,000 async TAP jobs are submitted through nginx while one worker is killed with
SIGKILL in the middle of jobs and one api process gets SIGTERM (and comes back); every job must
complete exactly once, every result must be readable through either api, and the job URLs must
name the proxy. A worker drained by SIGTERM hands its running jobs back to the queue.
Prints the counts and the throughput.
    with_servers.sh scaleout_test.py BIN_DIR  (DAX_TEST_PG: the PostgreSQL job store)"""
import concurrent.futures as cf
import os, re, signal, subprocess, sys, tempfile, threading, time
import xml.etree.ElementTree as ET
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish, free_port, stop, wait_up  # noqa: E402
import requests

BIN = sys.argv[1]
PG = os.environ["DAX_TEST_PG"]
JOBS = int(os.environ.get("DAX_SCALE_JOBS", "1000"))
UWS = "{http://www.ivoa.net/xml/UWS/v1.0}"
tmp = tempfile.mkdtemp()
proxy_port, api_ports, soda_port = free_port(), [free_port(), free_port()], free_port()
PROXY = "http://127.0.0.1:%d/tap" % proxy_port
with open(tmp + "/site.yaml", "w") as f:
    f.write("data_dir: %s/data\njob_store: \"postgres:%s\"\nshutdown_grace: 2\n" % (tmp, PG))
    f.write("limits: {max_active_jobs: 0, max_jobs_per_minute: 0, async_workers: 3}\n")
with open(tmp + "/nginx.conf", "w") as f:
    f.write("""daemon off;
pid %(t)s/nginx.pid;
error_log %(t)s/nginx-error.log;
worker_processes 1;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path %(t)s/body; proxy_temp_path %(t)s/proxy; fastcgi_temp_path %(t)s/fcgi;
  uwsgi_temp_path %(t)s/uwsgi; scgi_temp_path %(t)s/scgi;
  upstream dax { server 127.0.0.1:%(a)d max_fails=0; server 127.0.0.1:%(b)d max_fails=0; keepalive 16; }
  server {
    listen 127.0.0.1:%(p)d;
    location /soda/ { proxy_pass http://127.0.0.1:%(s)d; proxy_set_header Host $http_host; }
    location / {
      proxy_pass http://dax;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_next_upstream error timeout http_502;
      proxy_read_timeout 60s;
    }
  }
}
""" % {"t": tmp, "a": api_ports[0], "b": api_ports[1], "p": proxy_port, "s": soda_port})

procs = {}


def start(name, *args):
    log = open("%s/%s.log" % (tmp, name), "a")
    procs[name] = subprocess.Popen([BIN + "/tap-server", "--config", tmp + "/site.yaml"] + list(args), stdout=log, stderr=subprocess.STDOUT)
    return procs[name]


def api(k):
    start("api%d" % k, "--role", "api", "--port", str(api_ports[k]))
    return wait_up("http://127.0.0.1:%d/tap/availability" % api_ports[k])


def psql(sql):
    return subprocess.run(["psql", "-X", "-q", "-A", "-t", PG, "-c", sql], capture_output=True, text=True).stdout.strip()


try:
    check(api(0), "api 1 up (demo data made, PostgreSQL job store)")
    check(api(1), "api 2 up")
    start("worker1", "--role", "worker")
    start("worker2", "--role", "worker")
    procs["nginx"] = subprocess.Popen(["nginx", "-c", tmp + "/nginx.conf", "-p", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    check(wait_up(PROXY + "/availability"), "nginx up in front of both")

    # An api never executes: with the workers stopped, a job stays QUEUED.
    session = requests.Session()
    time.sleep(1)
    submitted, failures, lock = [], [], threading.Lock()

    def submit(k):
        # Every tenth job takes a while (a self-join), so that some are running at the kill.
        q = ("SELECT COUNT(*) AS n FROM demo.stars AS a JOIN demo.stars AS b ON a.id = b.id WHERE MOD(a.id, 97) = %d" % (k % 97)
             if k % 10 == 0 else "SELECT TOP %d id FROM demo.stars WHERE id > %d ORDER BY id" % (1 + k % 20, k))
        for attempt in range(20):  # a refused connection (an api stopping) is retried, as clients do
            try:
                r = requests.post(PROXY + "/async", data={"LANG": "ADQL", "QUERY": q, "PHASE": "RUN", "RUNID": "job-%d" % k},
                                  allow_redirects=False, timeout=30)
                if r.status_code == 303:
                    with lock:
                        submitted.append((k, r.headers["Location"], 1 + k % 20 if k % 10 else None))
                    return
                if r.status_code not in (502, 503, 504):
                    with lock:
                        failures.append((k, r.status_code, r.text[:200]))
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        with lock:
            failures.append((k, "gave up", ""))

    killed_running, t0 = [], time.time()
    with cf.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(submit, k) for k in range(JOBS)]
        # Mid-load: SIGKILL worker 1 while it runs jobs, SIGTERM api 2 (and start it again).
        while len(submitted) < JOBS // 3:
            time.sleep(0.05)
        w1 = procs["worker1"].pid
        for _ in range(200):
            running = psql("SELECT id FROM uws_job WHERE phase = 'EXECUTING' AND worker LIKE '%%-%d-%%'" % w1).split()
            if running:
                break
            time.sleep(0.01)
        procs["worker1"].kill()
        procs["worker1"].wait()
        killed_running = running
        while len(submitted) < JOBS // 2:
            time.sleep(0.05)
        procs["api1"].send_signal(signal.SIGTERM)
        api1_exit = procs["api1"].wait(60)
        check(api1_exit == 0, "api 2 drained on SIGTERM and exited cleanly (status %s)" % api1_exit)
        check(api(1), "api 2 started again")
        start("worker1", "--role", "worker")  # a replacement worker
        for f in futures:
            f.result()
    submit_s = time.time() - t0
    check(not failures, "every submission accepted (%d refused: %s)" % (len(failures), failures[:3]))
    check(len(submitted) == JOBS, "%d jobs submitted through nginx in %.1f s" % (len(submitted), submit_s))
    check(all(u.startswith(PROXY + "/async/") for _, u, _ in submitted), "every job URL names the proxy (%s)" % submitted[0][1])
    print("worker 1 was killed while running %d jobs" % len(killed_running))

    # Wait for all of them.
    ids = {u.rsplit("/", 1)[1]: (k, rows) for k, u, rows in submitted}
    for _ in range(1200):
        active = int(psql("SELECT count(*) FROM uws_job WHERE phase IN ('PENDING', 'QUEUED', 'EXECUTING')") or 0)
        if active == 0:
            break
        time.sleep(0.1)
    total_s = time.time() - t0
    phases = dict(l.split("|") for l in psql("SELECT phase, count(*) FROM uws_job GROUP BY phase").splitlines() if "|" in l)
    completed = int(phases.get("COMPLETED", 0))
    in_store = set(psql("SELECT id FROM uws_job WHERE task = 'tap-query'").split())
    lost = [i for i in ids if i not in in_store]
    print("jobs submitted %d / completed %d / error %s / lost %d; phases %s" % (len(ids), completed, phases.get("ERROR", 0), len(lost), phases))
    check(completed == JOBS and not lost, "every job completed: %d of %d, %d lost" % (completed, JOBS, len(lost)))
    print("throughput: %.0f jobs/s submitted, %.0f jobs/s submitted-to-all-completed (2 api + 2 workers x 3, nginx, 2 cores)"
          % (JOBS / submit_s, JOBS / total_s))
    recovered = psql("SELECT count(*) FROM uws_job WHERE id IN (%s) AND phase = 'COMPLETED'" % (",".join("'%s'" % i for i in killed_running) or "''"))
    check(not killed_running or int(recovered) == len(killed_running),
          "the %d jobs running on the killed worker were queued again and completed elsewhere (%s)" % (len(killed_running), recovered))
    workers = psql("SELECT count(DISTINCT worker) FROM uws_job WHERE phase = 'COMPLETED'")
    api_pids = {procs["api0"].pid, procs["api1"].pid}
    ran_on_api = psql("SELECT count(*) FROM uws_job WHERE " + " OR ".join("worker LIKE '%%-%d-%%'" % p for p in api_pids))
    check(ran_on_api == "0" and int(workers) >= 2, "no job ran in an api process (%s); %s worker instances ran them (api pids %s: %s)"
          % (ran_on_api, workers, sorted(api_pids), psql("SELECT DISTINCT worker FROM uws_job").split()))

    # Each result through either api: complete and identical (a sample of every tenth job too: the slow ones).
    ok = bad = 0
    for i, (k, rows) in sorted(ids.items(), key=lambda x: x[1][0]):
        bodies = []
        for p in api_ports:
            r = session.get("http://127.0.0.1:%d/tap/async/%s/results/result" % (p, i), timeout=30)
            bodies.append(r.content if r.status_code == 200 else None)
        good = bodies[0] is not None and bodies[0] == bodies[1]
        if good and rows is not None:
            good = bodies[0].count(b"<TR>") == rows or b"BINARY2" in bodies[0]
        ok += good
        bad += not good
    check(bad == 0, "every result readable through either api, identical: %d ok, %d not" % (ok, bad))
    doc = session.get(submitted[0][1], timeout=30)
    href = [e.get("{http://www.w3.org/1999/xlink}href") for e in ET.fromstring(doc.content).iter(UWS + "result")]
    check(doc.status_code == 200 and href and href[0].startswith(PROXY + "/async/"), "result links behind the proxy: %s" % href)

    # Graceful drain of a worker: a long job goes back to the queue, and runs once elsewhere.
    procs["worker2"].send_signal(signal.SIGSTOP)  # only worker 1 takes the next job
    q = "SELECT COUNT(*) AS n FROM demo.stars AS a, demo.stars AS b WHERE a.id < 3000 AND b.id < 3000 AND a.mag_g < b.mag_r"
    r = requests.post(PROXY + "/async", data={"LANG": "ADQL", "QUERY": q, "PHASE": "RUN"}, allow_redirects=False, timeout=30)
    job = r.headers["Location"].rsplit("/", 1)[1]
    for _ in range(100):
        if psql("SELECT phase FROM uws_job WHERE id = '%s'" % job) == "EXECUTING":
            break
        time.sleep(0.05)
    first = psql("SELECT worker FROM uws_job WHERE id = '%s'" % job)
    procs["worker1"].send_signal(signal.SIGTERM)
    procs["worker2"].send_signal(signal.SIGCONT)
    status = procs["worker1"].wait(60)
    for _ in range(600):
        ph = psql("SELECT phase || ' ' || worker FROM uws_job WHERE id = '%s'" % job)
        if ph.startswith(("COMPLETED", "ERROR")):
            break
        time.sleep(0.1)
    check(status == 0 and ph.startswith("COMPLETED") and ph.split()[1] != first,
          "a SIGTERM'd worker exits (%s) after handing its running job back: %s, first on %s" % (status, ph, first))

    # soda-server splits the same way: a cutout job posted through nginx to its api process
    # runs in its worker process, and the result is served through the proxy.
    log = open(tmp + "/soda-api.log", "a")
    procs["soda-api"] = subprocess.Popen([BIN + "/soda-server", "--config", tmp + "/site.yaml", "--role", "api", "--port", str(soda_port)],
                                         stdout=log, stderr=subprocess.STDOUT)
    check(wait_up("http://127.0.0.1:%d/soda/availability" % soda_port), "soda-server api up")
    procs["soda-worker"] = subprocess.Popen([BIN + "/soda-server", "--config", tmp + "/site.yaml", "--role", "worker"],
                                            stdout=log, stderr=subprocess.STDOUT)
    soda = "http://127.0.0.1:%d/soda" % proxy_port
    r = requests.post(soda + "/async", data={"ID": "ivo://libdax.test/demo/images?demo-img-03", "CIRCLE": "45 20 0.2", "PHASE": "RUN"},
                      allow_redirects=False, timeout=30)
    loc = r.headers.get("Location", "")
    check(r.status_code == 303 and loc.startswith(soda + "/async/"), "a SODA job through nginx: %d %s" % (r.status_code, loc))
    job = loc.rsplit("/", 1)[1]
    ph = ""
    for _ in range(300):
        ph = psql("SELECT phase || ' ' || worker FROM uws_job WHERE id = '%s'" % job)
        if ph.startswith(("COMPLETED", "ERROR")):
            break
        time.sleep(0.1)
    pid = ph.split()[1].split("-")[-3] if len(ph.split()) > 1 else ""
    check(ph.startswith("COMPLETED") and pid == str(procs["soda-worker"].pid),
          "the cutout job ran in the soda worker (pid %s), not the api (pid %s): %s" % (procs["soda-worker"].pid, procs["soda-api"].pid, ph))
    doc = requests.get(loc, timeout=30)
    href = re.findall(r'xlink:href="([^"]+)"', doc.text)
    fits = requests.get(href[0], timeout=30) if href else None
    check(bool(href) and href[0].startswith(soda + "/async/") and fits is not None and fits.content[:6] == b"SIMPLE",
          "the cutout is served through the proxy: %s" % (href[:1],))
    procs["soda-worker"].send_signal(signal.SIGTERM)
    check(procs["soda-worker"].wait(60) == 0, "the soda worker exits cleanly on SIGTERM")
finally:
    for name in ("nginx", "api0", "api1", "worker1", "worker2"):
        p = procs.get(name)
        if p and p.poll() is None:
            try:
                p.send_signal(signal.SIGCONT)
            except Exception:
                pass
    stop(list(procs.values()))
    if "--keep" not in sys.argv:
        for name in ("api0", "api1", "worker1", "worker2"):
            pass
finish()
