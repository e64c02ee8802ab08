#!/usr/bin/python3
"""The UWS 1.1 REST binding, end to end against build/bin/uws-server on a loopback port:
every endpoint, redirects, WAIT, filters, owner isolation, Range, errors as 4xx, and every XML
document valid against the UWS 1.1 schema (stilts xsdvalidate, STILTS's local copy)."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

server_bin = sys.argv[1]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def call(method, path, data=None, user=None, headers=None):
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    req = urllib.request.Request(base + path, data=body, method=method)
    if user:
        req.add_header("X-Auth-Request-User", user)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def validate(xml, name):
    path = os.path.join(tmp, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    p = subprocess.run(["stilts", "xsdvalidate", "doc=" + path, "uselocals=true"], capture_output=True, text=True)
    check(p.returncode == 0, f"{name} document is valid UWS 1.1 {p.stdout.strip()[:300]}")


def job_id(location):
    return location.rstrip("/").split("/")[-1]


with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
tmp = tempfile.mkdtemp(prefix="dax-uws-http-")
server = subprocess.Popen([server_bin, "--port", str(port), "--data-dir", tmp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
base = f"http://127.0.0.1:{port}/uws/jobs"
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(base, timeout=1)
            break
        except Exception:
            time.sleep(0.05)

    # Create with PHASE=RUN: 303 to the job.
    st, h, _ = call("POST", "", {"rows": "7", "PHASE": "RUN", "RUNID": "first"})
    check(st == 303 and h["Location"].startswith(base + "/"), f"POST creates a job: 303 to it ({st})")
    jid = job_id(h["Location"])
    st, _, xml = call("GET", f"/{jid}?WAIT=10")
    check(st == 200 and "<uws:phase>COMPLETED</uws:phase>" in xml, "WAIT returns when the job completed")
    check("<uws:runId>first</uws:runId>" in xml and '<uws:parameter id="rows">7</uws:parameter>' in xml, "runId and parameters")
    validate(xml, "job_completed")
    res = re.search(r'xlink:href="([^"]+/results/result)"', xml).group(1)
    st, h, body = call("GET", res[len(base):])
    check(st == 200 and body.count("<TR>") == 7, "the result is served")
    st, h, part = call("GET", res[len(base):], headers={"Range": "bytes=0-9"})
    check(st == 206 and part == body[:10], f"Range requests are honoured ({st})")
    st, _, xml = call("GET", f"/{jid}/results")
    validate(xml, "results")
    st, _, xml = call("GET", f"/{jid}/parameters")
    validate(xml, "parameters")
    for sub, want in [("phase", "COMPLETED"), ("executionduration", "3600"), ("owner", ""), ("quote", "")]:
        st, _, t = call("GET", f"/{jid}/{sub}")
        check(st == 200 and t == want, f"GET /{sub} is text/plain '{want}' ({t!r})")
    st, _, t = call("GET", f"/{jid}/destruction")
    check(st == 200 and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", t), "GET /destruction is an ISO 8601 time")

    # A PENDING job: parameters, execution duration, destruction, then RUN and ABORT.
    st, h, _ = call("POST", "", {"SECONDS": "30"})
    pid = job_id(h["Location"])
    st, _, t = call("GET", f"/{pid}/phase")
    check(t == "PENDING", "without PHASE=RUN the job is PENDING")
    st, _, xml = call("GET", f"/{pid}")
    validate(xml, "job_pending")
    st, h, _ = call("POST", f"/{pid}", {"extra": "1"})
    check(st == 303, "POST parameters to a PENDING job")
    st, h, _ = call("POST", f"/{pid}/executionduration", {"EXECUTIONDURATION": "120"})
    check(st == 303 and call("GET", f"/{pid}/executionduration")[2] == "120", "POST /executionduration")
    st, h, _ = call("POST", f"/{pid}/destruction", {"DESTRUCTION": "2030-01-01T00:00:00Z"})
    check(st == 303, "POST /destruction (capped by the service)")
    st, _, _ = call("POST", f"/{pid}/executionduration", {"EXECUTIONDURATION": "soon"})
    check(st == 400, "a bad execution duration is 400")
    st, _, _ = call("POST", f"/{pid}/destruction", {"DESTRUCTION": "tomorrow"})
    check(st == 400, "a bad destruction time is 400")
    st, _, _ = call("POST", f"/{pid}/phase", {"phase": "run"})
    check(st == 303, "PHASE=RUN (parameter names and values case-insensitive)")
    st, _, xml = call("GET", f"/{pid}?WAIT=5&PHASE=QUEUED")
    st, _, xml = call("GET", f"/{pid}?WAIT=5&PHASE=QUEUED")
    check("<uws:phase>EXECUTING</uws:phase>" in xml, "WAIT with PHASE returns once the phase is left")
    validate(xml, "job_executing")
    t0 = time.time()
    st, _, xml = call("GET", f"/{pid}?WAIT=1")
    check(0.8 < time.time() - t0 < 5, "WAIT blocks for the time asked while EXECUTING")
    st, _, _ = call("POST", f"/{pid}/phase", {"PHASE": "ABORT"})
    st, _, xml = call("GET", f"/{pid}?WAIT=5")
    check("<uws:phase>ABORTED</uws:phase>" in xml, "PHASE=ABORT stops the job")
    validate(xml, "job_aborted")
    st, _, msg = call("POST", f"/{pid}/phase", {"PHASE": "RUN"})
    check(st == 400 and "ABORTED" in msg, f"an illegal transition is 400 with a message ({msg.strip()})")
    st, _, msg = call("POST", f"/{pid}/phase", {"PHASE": "SUSPEND"})
    check(st == 400, "an unknown PHASE value is 400")

    # The job list and its filters.
    st, _, xml = call("GET", "")
    validate(xml, "jobs")
    check(xml.count("<uws:jobref") == 2, "the list has both jobs")
    st, _, xml = call("GET", "?PHASE=COMPLETED&PHASE=ABORTED")
    check(xml.count("<uws:jobref") == 2, "PHASE is repeatable")
    st, _, xml = call("GET", "?PHASE=ABORTED")
    check(xml.count("<uws:jobref") == 1 and pid in xml, "PHASE filters")
    st, _, xml = call("GET", "?LAST=1")
    check(xml.count("<uws:jobref") == 1 and pid in xml, "LAST gives the most recent")
    st, _, xml = call("GET", "?AFTER=2000-01-01T00:00:00Z")
    check(xml.count("<uws:jobref") == 2, "AFTER filters by creation time")
    for q in ["?PHASE=DONE", "?LAST=zero", "?AFTER=yesterday"]:
        check(call("GET", q)[0] == 400, f"bad filter {q} is 400")

    # Errors: /error is a DALI error document.
    st, h, _ = call("POST", "", {"SECONDS": "x", "PHASE": "RUN"})
    eid = job_id(h["Location"])
    st, _, xml = call("GET", f"/{eid}?WAIT=5")
    check("<uws:phase>ERROR</uws:phase>" in xml and 'type="fatal"' in xml, "a failing task gives ERROR")
    validate(xml, "job_error")
    st, h, err = call("GET", f"/{eid}/error")
    check(st == 200 and 'value="ERROR"' in err, "/error is a DALI error document")
    check(call("GET", f"/{jid}/error")[0] == 404, "/error of a job without error is 404")

    # Owners: another user sees nothing of anonymous jobs, and the reverse.
    st, h, _ = call("POST", "", {"PHASE": "RUN"}, user="alice")
    aid = job_id(h["Location"])
    check(call("GET", f"/{aid}")[0] == 404, "anonymous cannot see alice's job")
    check(call("GET", f"/{aid}", user="bob")[0] == 404, "bob cannot see alice's job")
    check(call("POST", f"/{aid}/phase", {"PHASE": "ABORT"}, user="bob")[0] == 404, "bob cannot abort alice's job")
    check(call("DELETE", f"/{aid}", user="bob")[0] == 404, "bob cannot delete alice's job")
    st, _, xml = call("GET", "", user="alice")
    check(xml.count("<uws:jobref") == 1 and "<uws:ownerId>alice</uws:ownerId>" in xml, "alice lists only her job")
    st, _, t = call("GET", f"/{aid}/owner", user="alice")
    check(t == "alice", "GET /owner")

    # Unknown jobs and paths, deletion.
    check(call("GET", "/nosuchjob234")[0] == 404, "an unknown job is 404")
    check(call("GET", "/../../etc/passwd")[0] == 404, "no path traversal")
    check(call("GET", f"/{jid}/results/../../x")[0] == 404, "no traversal through result ids")
    st, h, _ = call("POST", f"/{jid}", {"ACTION": "DELETE"})
    check(st == 303 and h["Location"] == base, "ACTION=DELETE: 303 to the job list")
    check(call("GET", f"/{jid}")[0] == 404, "the deleted job is gone")
    st, h, _ = call("DELETE", f"/{pid}")
    check(st == 303 and h["Location"] == base, "DELETE: 303 to the job list")
    check(call("POST", f"/{eid}", {"ACTION": "EXPLODE"})[0] == 400, "an unknown ACTION is 400")
    check(call("GET", "")[0] == 200, "the server keeps serving after bad requests")
finally:
    server.terminate()
    server.wait(timeout=10)

print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
