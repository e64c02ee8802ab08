#!/usr/bin/python3
"""Forced photometry on soda-server (issue 14 section 2): /phot/sync with POS values and with an
uploaded table (VOTable and CSV), and /phot/async (POS or an uploaded table), give the rows the
library gives (dax.phot.forced on the same file), in VOTable, CSV or FITS; images are chosen by ID
or by ObsCore filters (COLLECTION, BAND, TIME); the VOTable output passes votlint; bad requests are
DALI errors naming the parameter; async jobs are listed under /phot/async only.
    phot_test.py BIN_DIR PYTHON_MODULE_DIR"""
import io, os, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
sys.path.insert(0, sys.argv[2])
from daxtest import check, finish, free_port, stop, wait_up  # noqa: E402
import numpy as np
import dax
from astropy.io.votable import parse_single_table

BIN = sys.argv[1]
tmp = tempfile.mkdtemp()
port = free_port()
URL = "http://127.0.0.1:%d" % port
DID = "ivo://libdax.test/demo/images?demo-img-03"
procs = [subprocess.Popen([BIN + "/soda-server", "--port", str(port), "--data-dir", tmp + "/data"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.STDOUT)]


def get(url, data=None, files=None):
    req = urllib.request.Request(url, data=data)
    if files is not None:
        boundary = "dax-test-boundary"
        body = b""
        for name, (fname, content) in files.items():
            disp = 'form-data; name="%s"' % name + ('; filename="%s"' % fname if fname else "")
            body += b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disp.encode() + b"\r\n\r\n" + content + b"\r\n"
        body += b"--" + boundary.encode() + b"--\r\n"
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


try:
    check(wait_up(URL + "/soda/availability"), "soda-server up (demo images made)")
    path = os.path.join(tmp, "data", "demo-images", "demo-img-03.fits")
    rng = np.random.default_rng(5)
    ra = 45 + rng.uniform(-0.8, 0.8, 40)
    dec = 20 + rng.uniform(-0.8, 0.8, 40)
    lib = dax.phot.forced(path, {"id": [str(k + 1) for k in range(40)], "ra": ra, "dec": dec}, radius=50)
    check(len(lib) > 30, "the library measures %d of the 40 positions on demo-img-03" % len(lib))

    def same(rows, what):
        ok = list(rows["id"]) == list(lib["id"]) and all(
            np.allclose(np.asarray(rows[c], float), np.asarray(lib[c], float), rtol=1e-9, atol=1e-12) for c in ("flux", "flux_err", "background"))
        ok = ok and list(np.asarray(rows["flags"])) == list(lib["flags"])
        check(ok, "%s: the library's rows (%d)" % (what, len(rows["id"])))

    q = [("ID", DID), ("RADIUS", "50"), ("RESPONSEFORMAT", "votable/td")] + [("POS", "%r %r" % (a, d)) for a, d in zip(ra, dec)]
    st, body = get(URL + "/phot/sync", urllib.parse.urlencode(q).encode())
    t = parse_single_table(io.BytesIO(body)).to_table() if st == 200 else {}
    check(st == 200 and list(t.colnames) == ["id", "ra", "dec", "obs_id", "t_mid", "band", "flux", "flux_err", "background", "flags"],
          "POST /phot/sync with 40 POS: 200, the columns %s" % (list(t.colnames) if st == 200 else body[:200]))
    if st == 200:
        same(t, "POS")
        check(set(t["obs_id"]) == {"demo-img-03"} and t["band"][0] == "r" and 60336 < t["t_mid"][0] < 60337, "obs_id, band and t_mid of the image")
    with open(tmp + "/phot.xml", "wb") as f:
        f.write(body)
    out = subprocess.run(["stilts", "votlint", "votable=" + tmp + "/phot.xml"], capture_output=True, text=True).stdout
    check(not any(l.startswith(("ERROR", "WARNING")) for l in out.splitlines()), "votlint on the result: %s" % out.strip()[:200])

    # An uploaded table: a VOTable with ids, and a CSV.
    buf = io.BytesIO()
    dax.votable.write({"id": np.array([str(k + 1) for k in range(40)]), "ra": ra, "dec": dec}, buf)
    st, body = get(URL + "/phot/sync", files={"ID": (None, DID.encode()), "RADIUS": (None, b"50"), "UPLOAD": (None, b"pos,param:table"),
                                              "table": ("pos.xml", buf.getvalue()), "RESPONSEFORMAT": (None, b"csv")})
    if st == 200:
        import csv as _csv
        rows = list(_csv.DictReader(io.StringIO(body.decode())))
        same({k: [r[k] for r in rows] for k in ("id", "flux", "flux_err", "background", "flags")} | {"flags": [int(r["flags"]) for r in rows]},
             "an uploaded VOTable, CSV out")
    else:
        check(False, "UPLOAD of a VOTable: %d %s" % (st, body[:300]))
    csv_text = "ra,dec\n" + "".join("%r,%r\n" % (a, d) for a, d in zip(ra, dec))
    st, body = get(URL + "/phot/sync", files={"ID": (None, DID.encode()), "RADIUS": (None, b"50"), "UPLOAD": (None, b"p,param:t"),
                                              "t": ("p.csv", csv_text.encode())})
    check(st == 200 and len(parse_single_table(io.BytesIO(body)).to_table()) == len(lib), "an uploaded CSV without ids: %d rows" % len(lib))

    # {async}: the same rows, progress in jobInfo, listed under /phot/async only.
    st, _ = get(URL + "/phot/async", urllib.parse.urlencode(q[:2] + [("PHASE", "RUN")] + q[3:]).encode())
    jobs = get(URL + "/phot/async")[1].decode()
    job = jobs.split('uws:jobref id="')[1].split('"')[0] if 'uws:jobref id="' in jobs else ""
    phase = ""
    for _ in range(100):
        doc = get(URL + "/phot/async/" + job)[1].decode()
        phase = doc.split("<uws:phase>")[1].split("<")[0] if "<uws:phase>" in doc else ""
        if phase in ("COMPLETED", "ERROR"):
            break
        time.sleep(0.1)
    st, body = get(URL + "/phot/async/%s/results/result" % job)
    check(phase == "COMPLETED" and st == 200 and "1 of 1" in doc, "an async job: %s, progress in jobInfo" % phase)
    if st == 200:
        same(parse_single_table(io.BytesIO(body)).to_table(), "async")
    check("jobref" not in get(URL + "/soda/async")[1].decode(), "the photometry job is not in /soda/async's list")

    # Bad requests: DALI errors naming what is wrong.
    for params, status, words in [([("POS", "45 20")], 400, "ID"),
                                  ([("ID", "ivo://nowhere/x"), ("POS", "45 20")], 404, "NotFoundFault"),
                                  ([("ID", DID), ("POS", "45 95")], 400, "POS"),
                                  ([("ID", DID), ("POS", "45 20"), ("RADIUS", "0")], 400, "RADIUS"),
                                  ([("ID", DID), ("POS", "45 20"), ("COLOUR", "red")], 400, "COLOUR"),
                                  ([("ID", DID)], 400, "positions")]:
        st, body = get(URL + "/phot/sync?" + urllib.parse.urlencode(params))
        check(st == status and words.encode() in body and b'value="ERROR"' in body, "%s: %d naming %s" % (params, st, words))
    st, body = get(URL + "/phot/async", urllib.parse.urlencode([("ID", DID), ("POS", "45 20"), ("BAND", "red")]).encode())
    check(st == 400 and b"BAND" in body, "an async job with a bad BAND is refused when posted: %d" % st)

    def run_job(files):
        st, body = get(URL + "/phot/async", files=files)
        jobs = get(URL + "/phot/async?LAST=1")[1].decode()
        job = jobs.split('uws:jobref id="')[1].split('"')[0] if 'uws:jobref id="' in jobs else ""
        for _ in range(200):
            doc = get(URL + "/phot/async/" + job)[1].decode()
            if "<uws:phase>COMPLETED" in doc or "<uws:phase>ERROR" in doc:
                break
            time.sleep(0.1)
        return doc, get(URL + "/phot/async/%s/results/result" % job)

    # {async} with an uploaded table (kept as the job's input file, not in the job database).
    buf = io.BytesIO()
    dax.votable.write({"id": np.array([str(k + 1) for k in range(40)]), "ra": ra, "dec": dec}, buf)
    doc, (st, body) = run_job({"ID": (None, DID.encode()), "RADIUS": (None, b"50"), "UPLOAD": (None, b"pos,param:table"),
                               "table": ("pos.xml", buf.getvalue()), "PHASE": (None, b"RUN")})
    check("<uws:phase>COMPLETED" in doc and st == 200, "an async job with an uploaded VOTable completes (%d)" % st)
    if st == 200:
        same(parse_single_table(io.BytesIO(body)).to_table(), "async with UPLOAD")

    # Any TAP output format: FITS gives the same rows.
    from astropy.io import fits as _fits
    st, body = get(URL + "/phot/sync", urllib.parse.urlencode(q[:2] + [("RESPONSEFORMAT", "application/fits")] + q[3:]).encode())
    if st == 200 and body[:6] == b"SIMPLE":
        ft = _fits.open(io.BytesIO(body))[1].data
        same({c: (list(ft[c]) if c != "id" else [x.strip() for x in ft[c]]) for c in ("id", "flux", "flux_err", "background", "flags")}, "FITS out")
    else:
        check(False, "RESPONSEFORMAT=application/fits: %d %s" % (st, body[:200]))
    st, body = get(URL + "/phot/sync?" + urllib.parse.urlencode([("ID", DID), ("POS", "45 20"), ("RESPONSEFORMAT", "votable/b")]))
    check(st == 200 and b'<BINARY>' in body and len(parse_single_table(io.BytesIO(body)).to_table()) == 1, "RESPONSEFORMAT=votable/b: BINARY")
    st, body = get(URL + "/phot/sync?" + urllib.parse.urlencode([("ID", DID), ("POS", "45 20"), ("RESPONSEFORMAT", "pdf")]))
    check(st == 400 and b"RESPONSEFORMAT" in body and b"fits" in body, "RESPONSEFORMAT=pdf: 400 listing the formats")

    # Images chosen by ObsCore filters (SIA 2.0 COLLECTION, BAND, TIME) instead of IDs: three
    # positions on three demo images; rows in time order; images without a file (the ObsCore-only
    # DEMO-SYNTH rows) and images no position falls on are left out.
    three = [("45 20", "demo-img-03"), ("0.3 1.0", "demo-img-01"), ("135 60", "demo-img-05")]
    for filters, want in [([("COLLECTION", "DEMO-IMAGES")], ["demo-img-01", "demo-img-03", "demo-img-05"]),
                          ([("COLLECTION", "DEMO-IMAGES"), ("BAND", "6e-7")], ["demo-img-03"]),
                          ([("COLLECTION", "DEMO-IMAGES"), ("TIME", "60300 60340")], ["demo-img-01", "demo-img-03"]),
                          ([("COLLECTION", "DEMO-IMAGES"), ("COLLECTION", "DEMO-SYNTH")], ["demo-img-01", "demo-img-03", "demo-img-05"]),
                          ([("COLLECTION", "NO-SUCH")], []),
                          ([("TIME", "60300 60340"), ("ID", DID)], ["demo-img-03"])]:
        st, body = get(URL + "/phot/sync?" + urllib.parse.urlencode(filters + [("POS", p) for p, _ in three] + [("RADIUS", "20")]))
        t = parse_single_table(io.BytesIO(body)).to_table() if st == 200 else None
        got = list(t["obs_id"]) if t is not None else body[:200]
        check(got == want and (t is None or list(t["t_mid"]) == sorted(t["t_mid"])), "%s: rows of %s" % (filters, got))
    lib5 = dax.phot.forced(os.path.join(tmp, "data", "demo-images", "demo-img-05.fits"), {"id": ["3"], "ra": [135.0], "dec": [60.0]}, radius=20)
    st, body = get(URL + "/phot/sync?" + urllib.parse.urlencode([("COLLECTION", "DEMO-IMAGES")] + [("POS", p) for p, _ in three] + [("RADIUS", "20")]))
    t = parse_single_table(io.BytesIO(body)).to_table()
    check(abs(float(t["flux"][2]) - float(lib5["flux"][0])) <= 1e-9 * abs(float(lib5["flux"][0])) and t["id"][2] == "3",
          "the filtered request's rows are the library's (demo-img-05: %.3f)" % float(lib5["flux"][0]))
    # Many positions: the images meeting a circle around them all (the virtual images elsewhere
    # on the sky are not made, so no 503).
    st, body = get(URL + "/phot/sync", urllib.parse.urlencode([("COLLECTION", "DEMO-IMAGES")] + [("POS", "%r %r" % (a + k * 1e-6, d)) for k in range(4) for a, d in zip(ra, dec)]).encode())
    t = parse_single_table(io.BytesIO(body)).to_table() if st == 200 else None
    check(t is not None and set(t["obs_id"]) == {"demo-img-03"} and len(t) == 4 * len(lib), "160 positions by COLLECTION: %d rows of demo-img-03" % (len(t) if t is not None else st))
    st, body = get(URL + "/phot/sync?" + urllib.parse.urlencode([("COLLECTION", "DEMO-IMAGES"), ("TIME", "60400 60300"), ("POS", "45 20")]))
    check(st == 400 and b"TIME" in body, "an empty TIME interval: 400 naming TIME (%d)" % st)

    # An attack review's findings: work bounded before it starts, uploads checked as POS is.
    body = "&".join(["ID=ivo://libdax.test/demo/images%3Fdemo-img-03", "ID=ivo://libdax.test/demo/images%3fdemo-img-03",
                     "ID=ivo%3A//libdax.test/demo/images%3Fdemo-img-03", "POS=45+20", "RADIUS=50", "RESPONSEFORMAT=csv"])
    st, out = get(URL + "/phot/sync", body.encode())
    check(st == 200 and out.decode().count("demo-img-03") == 1, "one image spelled three ways is measured once")
    t1 = time.time()
    st, out = get(URL + "/phot/sync", files={"UPLOAD": (None, b"p,param:t"), "t": ("p.csv", b"ra" + b"," * (8 << 20) + b"\n45,20\n"),
                                              "ID": (None, DID.encode())})
    check(st == 400 and b"1000 columns" in out and time.time() - t1 < 10, "a CSV header of 8 million commas: 400 at once (%.1f s)" % (time.time() - t1))
    st, out = get(URL + "/phot/sync?" + urllib.parse.urlencode([("COLLECTION", "C%d" % k) for k in range(51)] + [("POS", "45 20")]))
    check(st == 400 and b"at most 50" in out, "51 COLLECTION values: 400 (%d)" % st)
    st, out = get(URL + "/phot/sync?" + urllib.parse.urlencode([("COLLECTION", "C%d" % k) for k in range(25)] + [("BAND", "%de-7 %de-7" % (k, k + 1)) for k in range(25)]
                                                               + [("POS", "%d 20" % k) for k in range(50)]))
    check(st == 200, "50 filter values and 50 positions: a query that runs (%d %s)" % (st, out[:150]))
    many = "ra,dec\n" + "45,20\n" * 100000
    t0 = time.time()
    st, out = get(URL + "/phot/sync", files={"UPLOAD": (None, b"p,param:t"), "t": ("p.csv", many.encode()),
                                              "ID": (None, b"ivo://libdax.test/demo/images?demo-img-01")})
    check(st == 200, "100,000 uploaded positions on one image: %d" % st)
    q11 = [("ID", "ivo://libdax.test/demo/images?demo-img-%02d" % k) for k in range(1, 12)] + [("POS", "45 20")] * 1
    big = urllib.parse.urlencode(q11 + [("POS", "%.4f %d" % (k * 0.0036, (k % 170) - 85)) for k in range(99990)]).encode()
    st, out = get(URL + "/phot/sync", big)
    check(st == 400 and b"/phot/async" in out and time.time() - t0 < 60, "99,991 positions x 11 images: 400 pointing to async (%d)" % st)
    for params, words in [([("ID", DID), ("POS", "45 20"), ("RADIUS", "0x3c")], "RADIUS"),
                          ([("ID", DID), ("POS", "45 20"), ("RADIUS", "4.9e-324")], "RADIUS")]:
        st, out = get(URL + "/phot/sync?" + urllib.parse.urlencode(params))
        check(st == 400 and words.encode() in out, "%s: 400" % params[-1][1])
    for name, table in [("ra out of range", b"ra,dec\n405,20\n"), ("a 300-byte id", b"id,ra,dec\n" + b"x" * 300 + b",45,20\n"),
                        ("two ra columns", b'<VOTABLE version="1.4"><RESOURCE><TABLE><FIELD name="ra" datatype="double"/>'
                                           b'<FIELD name="RA" datatype="double"/><FIELD name="dec" datatype="double"/><DATA><TABLEDATA>'
                                           b'<TR><TD>45</TD><TD>100</TD><TD>20</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>')]:
        st, out = get(URL + "/phot/sync", files={"ID": (None, DID.encode()), "UPLOAD": (None, b"p,param:t"), "t": ("t", table)})
        check(st == 400 and b"UsageFault" in out, "an upload with %s: 400" % name)
    check(wait_up(URL + "/soda/availability", 5), "the server still serves")
finally:
    stop(procs)
finish()
