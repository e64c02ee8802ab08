#!/usr/bin/python3
"""One job store, one job monitor (issue 14 section 3): tap-server and soda-server of one site keep
their jobs (TAP queries, cutouts, photometry) in the site's job store; /tap/monitor lists a user's
jobs of every service with working links to each job and its results; users see only their own
jobs; a UWS client of /tap/async, /soda/async or /phot/async sees only that list's jobs, and a job
of another service is 404 there.
    job_monitor_test.py BIN_DIR"""
import json, os, sqlite3, subprocess, sys, tempfile, time, xml.etree.ElementTree as ET
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish, free_port, stop, wait_up  # noqa: E402
import requests

BIN = sys.argv[1]
tmp = tempfile.mkdtemp()
ports = {k: free_port() for k in ("tap", "soda")}
with open(tmp + "/site.yaml", "w") as f:
    f.write("data_dir: %s/data\nauth: {mode: header, header: X-Auth-Request-User}\n" % tmp)
    for k, p in ports.items():
        f.write("%s: {port: %d}\n" % (k, p))
TAP = "http://127.0.0.1:%d/tap" % ports["tap"]
SODA = "http://127.0.0.1:%d" % ports["soda"]
DID = "ivo://libdax.test/demo/images?demo-img-03"
UWS = "{http://www.ivoa.net/xml/UWS/v1.0}"
ALICE, BOB = {"X-Auth-Request-User": "alice"}, {"X-Auth-Request-User": "bob"}


def create(url, data, who, files=None):
    r = requests.post(url, data=data, headers=who, allow_redirects=False, timeout=30, files=files)
    check(r.status_code == 303, "POST %s as %s: 303 (%d %s)" % (url, who["X-Auth-Request-User"], r.status_code, r.text[:200]))
    return r.headers["Location"]


def job_ids(url, who):
    r = requests.get(url, headers=who, timeout=30)
    return sorted(e.get("id") for e in ET.fromstring(r.content).iter(UWS + "jobref")) if r.status_code == 200 else None


def monitor(who):
    r = requests.get(TAP + "/monitor", headers=who, timeout=30)
    return r.json() if r.status_code == 200 else {"status": r.status_code}


procs = []
try:
    procs.append(subprocess.Popen([BIN + "/tap-server", "--config", tmp + "/site.yaml"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
    check(wait_up(TAP + "/availability"), "tap-server up")
    procs.append(subprocess.Popen([BIN + "/soda-server", "--config", tmp + "/site.yaml"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
    check(wait_up(SODA + "/soda/availability"), "soda-server up")

    tap_job = create(TAP + "/async", {"LANG": "ADQL", "QUERY": "SELECT TOP 7 id FROM demo.stars", "PHASE": "RUN"}, ALICE)
    cut_job = create(SODA + "/soda/async", {"ID": DID, "CIRCLE": "45 20 0.2", "PHASE": "RUN"}, ALICE)
    phot_job = create(SODA + "/phot/async", {"ID": DID, "POS": "45 20", "PHASE": "RUN"}, ALICE)
    bob_job = create(TAP + "/async", {"LANG": "ADQL", "QUERY": "SELECT TOP 1 id FROM demo.stars", "PHASE": "RUN"}, BOB)
    check(os.path.exists(tmp + "/data/jobs.db") and not any(os.path.exists(tmp + "/data/%s-jobs.db" % s) for s in ("tap", "soda", "phot")),
          "one job store for the site: DATA_DIR/jobs.db")

    # Each UWS list shows its own service's jobs only.
    last = lambda u: u.rsplit("/", 1)[1]
    check(job_ids(TAP + "/async", ALICE) == [last(tap_job)], "alice's /tap/async lists her TAP job only")
    check(job_ids(SODA + "/soda/async", ALICE) == [last(cut_job)], "alice's /soda/async lists her cutout job only")
    check(job_ids(SODA + "/phot/async", ALICE) == [last(phot_job)], "alice's /phot/async lists her photometry job only")
    check(job_ids(TAP + "/async", BOB) == [last(bob_job)], "bob's /tap/async lists his job only")
    for url in (SODA + "/soda/async/" + last(tap_job), SODA + "/phot/async/" + last(cut_job), TAP + "/async/" + last(phot_job)):
        r = requests.get(url, headers=ALICE, timeout=30)
        check(r.status_code == 404, "another service's job is not found there: %s -> %d" % (url.split("/", 3)[3], r.status_code))

    # The monitor: all of alice's jobs, finished, with working links.
    want = {"TAP": tap_job, "SODA": cut_job, "Photometry": phot_job}
    for _ in range(300):
        m = monitor(ALICE)
        if len(m.get("jobs", [])) == 3 and all(j["phase"] in ("COMPLETED", "ERROR") for j in m["jobs"]):
            break
        time.sleep(0.1)
    jobs = {j["service"]: j for j in m.get("jobs", [])}
    check(m.get("user") == "alice" and set(jobs) == set(want), "alice's monitor lists her three jobs, one per service: %s" % sorted(jobs))
    for service, url in want.items():
        j = jobs.get(service, {})
        check(j.get("url") == url and j.get("phase") == "COMPLETED" and j.get("created") and j.get("ended"),
              "%s job: its UWS URL %s, COMPLETED, with times" % (service, j.get("url")))
        r = requests.get(j.get("url", TAP), headers=ALICE, timeout=30)
        check(r.status_code == 200 and ET.fromstring(r.content).findtext(UWS + "phase") == "COMPLETED", "%s: the job document is served at its URL" % service)
        ok = bool(j.get("results"))
        for res in j.get("results", []):
            r = requests.get(res["href"], headers=ALICE, timeout=30)
            ok = ok and r.status_code == 200 and len(r.content) == res["size"] > 0
        check(ok, "%s: every result link serves its %s bytes" % (service, [x.get("size") for x in j.get("results", [])]))
    check(jobs.get("TAP", {}).get("summary") == "SELECT TOP 7 id FROM demo.stars" and jobs.get("SODA", {}).get("summary") == DID,
          "each job says what it is about (the query, the dataset)")
    check(jobs.get("TAP", {}).get("progress", "").startswith("rows: 7") or "7" in jobs.get("TAP", {}).get("progress", ""),
          "the TAP job's progress: %r" % jobs.get("TAP", {}).get("progress"))
    created = [j["created"] for j in m["jobs"]]
    check(created == sorted(created, reverse=True), "newest first")

    # Isolation: bob sees his job only; an unknown user sees none; in token mode the route is protected
    # like /tap/async (scope read:tap), here a request without the header is anonymous.
    b = monitor(BOB)
    check([j["id"] for j in b.get("jobs", [])] == [last(bob_job)], "bob's monitor lists his job only")
    r = requests.get(TAP + "/monitor", timeout=30)
    check(r.status_code == 401, "a request without identity: 401, as the UWS lists answer (%d)" % r.status_code)
    # Review findings: RUNIDs are bounded; the JSON stays valid whatever bytes reach it.
    r = requests.post(TAP + "/async", data={"LANG": "ADQL", "QUERY": "SELECT TOP 1 id FROM demo.stars", "RUNID": "<" * 2000},
                      headers=ALICE, allow_redirects=False, timeout=30)
    check(r.status_code == 400 and b"RUNID" in r.content, "a 2,000-byte RUNID: 400 (%d)" % r.status_code)
    r = requests.post(TAP + "/async", data={"LANG": "ADQL", "QUERY": "SELECT TOP 1 id FROM demo.stars"}, allow_redirects=False, timeout=30,
                      headers=dict(ALICE, **{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}))
    check(r.headers.get("Location", "").startswith(TAP + "/async/"), "forwarded headers are not trusted by default: %s" % r.headers.get("Location"))
    requests.delete(r.headers.get("Location", TAP + "/async/x"), headers=ALICE, timeout=30)
    r = requests.get(TAP + "/monitor", headers={"X-Auth-Request-User": "\xff\xfe\x01ev"}, timeout=30)
    check(r.status_code == 200 and json.loads(r.content)["user"] == "\ufffd\ufffd\x01ev", "a user name that is not UTF-8: valid JSON (%r)" % r.content[:60])
    bad = create(SODA + "/phot/async", {"ID": DID, "UPLOAD": "t,param:t", "PHASE": "RUN"}, ALICE, files={"t": ("t.csv", b"ra,dec\n\xff\xfe,20\n")})
    for _ in range(100):
        r = requests.get(TAP + "/monitor", headers=ALICE, timeout=30)
        j = [x for x in json.loads(r.content)["jobs"] if x["url"] == bad]
        if j and j[0]["phase"] == "ERROR":
            break
        time.sleep(0.1)
    check(j and j[0]["phase"] == "ERROR" and "\ufffd" in j[0]["error"], "an error message holding uploaded bytes: valid JSON (%r)" % (j[0]["error"] if j else None))
    requests.delete(bad, headers=ALICE, timeout=30)
    r = requests.post(TAP + "/monitor", headers=ALICE, timeout=30)
    check(r.status_code == 405 and r.headers.get("Allow") == "GET", "POST /tap/monitor: 405 with Allow: GET (%d)" % r.status_code)

    # Deleting through one service is seen by the monitor at once.
    requests.delete(phot_job, headers=ALICE, timeout=30)
    check(sorted(j["service"] for j in monitor(ALICE)["jobs"]) == ["SODA", "TAP"], "a deleted photometry job leaves the monitor")

    # dax-admin reap on the site's store reaps one service's jobs (default TAP's), whose result
    # files are in the directory it is given: the others' jobs and files stay.
    db = sqlite3.connect(tmp + "/data/jobs.db", timeout=30)
    db.execute("UPDATE uws_job SET destruction = ? WHERE owner = 'alice'", (int(time.time() * 1000) - 60000,))
    db.commit()
    db.close()
    stop(procs)  # no engine reaps meanwhile
    out = subprocess.run([BIN + "/dax-admin", "reap", "--jobs", "sqlite:" + tmp + "/data/jobs.db", "--results", tmp + "/data/results"],
                         capture_output=True, text=True)
    db = sqlite3.connect(tmp + "/data/jobs.db", timeout=30)
    phases = dict(db.execute("SELECT task, phase FROM uws_job WHERE owner = 'alice'").fetchall())
    db.close()
    cut = last(cut_job)
    check(out.returncode == 0 and phases == {"tap-query": "ARCHIVED", "soda-cutout": "COMPLETED"}
          and os.path.isdir(tmp + "/data/soda-results/" + cut), "dax-admin reap: the TAP job archived, the cutout job and its files kept (%s)" % phases)
    procs = [subprocess.Popen([BIN + "/soda-server", "--config", tmp + "/site.yaml"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)]
    check(wait_up(SODA + "/soda/availability"), "soda-server restarted")

    # After restarts the store is the same: the site's, not a process's.
    procs.append(subprocess.Popen([BIN + "/tap-server", "--config", tmp + "/site.yaml"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
    check(wait_up(TAP + "/availability"), "tap-server restarted")
    for _ in range(100):  # soda-server's own reaper takes its due job, with its files
        if not os.path.isdir(tmp + "/data/soda-results/" + cut):
            break
        time.sleep(0.1)
    check(monitor(ALICE)["jobs"] == [] and not os.path.isdir(tmp + "/data/soda-results/" + cut),
          "restarted, soda-server reaps its own due job and files; the monitor lists no active jobs")
finally:
    stop(procs)
finish()
