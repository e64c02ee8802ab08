#!/usr/bin/python3
"""links-server end to end (DataLink 1.1 {links}) on the demo images, checked with tools libdax did
not write: STILTS datalinklint (0 errors, 0 warnings) on one ID, several IDs, an unknown ID and no
ID; astropy reads every response; pyvo 1.2's DatalinkResults finds the links; the signed #this
URL gives the file byte for byte, and an altered or expired one 403.
    links_test.py BIN_DIR"""
import hashlib, hmac, io, os, socket, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request, warnings
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish, free_port, wait_up  # noqa: E402
from astropy.io.votable import parse

BIN = sys.argv[1]




def get(url, headers={}):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


tmp = tempfile.mkdtemp()
port = free_port()
server = subprocess.Popen([BIN + "/links-server", "--port", str(port), "--data-dir", tmp + "/data"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
URL = "http://127.0.0.1:%d/links" % port
DID = "ivo://libdax.test/demo/images?demo-img-%02d"


def links(*ids, **params):
    q = [("ID", i) for i in ids] + list(params.items())
    return get(URL + "?" + urllib.parse.urlencode(q))


def table(body):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = parse(io.BytesIO(body)).get_first_table().to_table()
    return [{k: (None if hasattr(r[k], "mask") and r[k] is __import__("numpy").ma.masked else r[k]) for k in t.colnames} for r in t]


try:
    check(wait_up(URL + "/availability"), "links-server up")

    # One multi-extension dataset: #this, #cutout (a SODA descriptor with its VALUES), the mask and
    # variance as #auxiliary, #counterpart; the DataLink media type even to an HTML-first Accept.
    st, hdr, body = get(URL + "?ID=" + urllib.parse.quote(DID % 3), {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    rows = table(body) if st == 200 else []
    sems = [r["semantics"] for r in rows]
    check(st == 200 and hdr.get("Content-Type") == "application/x-votable+xml;content=datalink",
          "one ID: 200, %s (HTML-first Accept)" % hdr.get("Content-Type"))
    local = [r["local_semantics"] for r in rows]
    check(sems == ["#this", "#cutout", "#preview", "#auxiliary", "#auxiliary", "#auxiliary"] and local[3:] == ["hdu-mask", "hdu-variance", "counterpart"],
          "MEF dataset: links %s (%s)" % (sems, local))
    check(b'<INFO name="standardID" value="ivo://ivoa.net/std/DataLink#links-1.1"/>' in body, "INFO standardID links-1.1")
    check(b'utype="adhoc:service" ID="soda-1"' in body and b'<PARAM name="ID" datatype="char" arraysize="*" ucd="meta.id;meta.dataset" value="'
          + (DID % 3).encode() + b'"' in body and b"<MAX value=" in body and b"ivo://ivoa.net/std/SODA#sync-1.0" in body,
          "#cutout descriptor: SODA sync, the dataset's ID, CIRCLE/POLYGON MAX")
    check("max-age=" in (hdr.get("Cache-Control") or ""), "Cache-Control follows the signed URLs' lifetime: %s" % hdr.get("Cache-Control"))

    # The signed #this URL: the file byte for byte; altered or expired: 403 with the reason.
    this = next(r for r in rows if r["semantics"] == "#this")
    st, fh, data = get(this["access_url"])
    with open(os.path.join(tmp, "data", "demo-images", "demo-img-03.fits"), "rb") as f:
        original = f.read()
    check(st == 200 and data == original and this["content_length"] == len(original),
          "#this: the file byte for byte (%d bytes, content_length %s)" % (len(data), this["content_length"]))
    st, _, part = get(this["access_url"], {"Range": "bytes=0-79"})
    check(st == 206 and part == original[:80], "#this with Range: 206 and the first card")
    u = urllib.parse.urlsplit(this["access_url"])
    q = dict(urllib.parse.parse_qsl(u.query))
    bad = q["signature"][:-1] + ("0" if q["signature"][-1] != "0" else "1")
    st, _, err = get(u.scheme + "://" + u.netloc + u.path + "?expires=" + q["expires"] + "&signature=" + bad)
    check(st == 403 and b"altered" in err, "an altered signature: 403 saying so")
    st, _, err = get(u.scheme + "://" + u.netloc + u.path[:-2] + "31" + "?" + u.query)  # ...demo-img-01
    check(st == 403, "a signature moved to another dataset: 403")
    key = open(os.path.join(tmp, "data", "signing.key")).read().strip().encode()
    old = str(int(time.time()) - 10)
    sig = hmac.new(key, (u.path + "\n" + old).encode(), hashlib.sha256).hexdigest()
    st, _, err = get(u.scheme + "://" + u.netloc + u.path + "?expires=" + old + "&signature=" + sig)
    check(st == 403 and b"expired" in err, "a correctly signed but expired URL: 403 saying it expired")
    st, _, err = get(u.scheme + "://" + u.netloc + u.path)
    check(st == 403 and b"not signed" in err, "an unsigned file URL: 403")

    # #preview: a signed PNG of the image, at most 512 pixels a side, made once and then kept.
    from PIL import Image
    pv = next(r for r in table(get(URL + "?ID=" + urllib.parse.quote(DID % 1))[2]) if r["semantics"] == "#preview")
    st, ph, png = get(pv["access_url"])
    img = Image.open(io.BytesIO(png)) if st == 200 else None
    kept = os.listdir(os.path.join(tmp, "data", "previews")) if st == 200 else []
    check(st == 200 and ph.get("Content-Type") == "image/png" and img.mode == "L" and max(img.size) <= 512 and len(kept) == 1,
          "#preview: %s PNG %s, kept in DATA_DIR/previews (%s)" % (ph.get("Content-Type"), img.size if img else None, kept))
    st2, _, png2 = get(pv["access_url"])
    check(st2 == 200 and png2 == png and len(os.listdir(os.path.join(tmp, "data", "previews"))) == 1, "#preview again: the kept PNG")
    hist = img.histogram() if img else [0] * 256
    check(sum(hist[200:]) > 0 and sum(hist[:60]) > len(png) // 100, "the preview shows faint background and bright stars (asinh)")
    pu = urllib.parse.urlsplit(pv["access_url"])
    st, _, _ = get(pu.scheme + "://" + pu.netloc + pu.path + "?expires=" + dict(urllib.parse.parse_qsl(pu.query))["expires"] + "&signature=00")
    check(st == 403, "#preview with a bad signature: 403")

    # Virtual products (seed 000): demo-img-17..20 are published but not kept. Asking for one's
    # file starts the one job that makes it (503 + Retry-After meanwhile; concurrent requests
    # join the same job); then the same URL gives the file.
    import concurrent.futures, re as _re
    vrows = table(links(DID % 18)[2])
    vthis = next(r for r in vrows if r["semantics"] == "#this")
    check(not os.path.exists(os.path.join(tmp, "data", "demo-images", "demo-img-18.fits")) and "virtual" in vthis["description"],
          "demo-img-18 is virtual: no file, its #this says so")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        first = list(pool.map(lambda _: get(vthis["access_url"]), range(8)))
    jobs = {m.group(1) for st, h, b in first if st == 503 for m in [_re.search(rb"job ([A-Za-z0-9_-]+)", b)] if m}
    retry = {h.get("Retry-After") for st, h, b in first if st == 503}
    check(all(st in (200, 503) for st, _, _ in first) and len(jobs) <= 1 and retry <= {"2"},
          "8 concurrent first requests: 503 with Retry-After, one job (%s %s)" % ([st for st, _, _ in first], jobs))
    data = b""
    for _ in range(100):
        st, _, data = get(vthis["access_url"])
        if st == 200:
            break
        time.sleep(0.2)
    check(st == 200 and data.startswith(b"SIMPLE  =") and len(data) == vthis["content_length"],
          "then the same URL gives the made file (%d bytes, content_length %s)" % (len(data), vthis["content_length"]))

    # The site's servers share the jobs: links-server's #this and soda-server's cutout of
    # demo-img-20, asked at once, start one job between them.
    sport = free_port()
    soda = subprocess.Popen([BIN + "/soda-server", "--port", str(sport), "--data-dir", tmp + "/data"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        check(wait_up("http://127.0.0.1:%d/soda/availability" % sport), "soda-server up on the same data directory")
        v20 = next(r for r in table(links(DID % 20)[2]) if r["semantics"] == "#this")
        cut = "http://127.0.0.1:%d/soda/sync?%s" % (sport, urllib.parse.urlencode({"ID": DID % 20, "CIRCLE": "345 40 0.1"}))
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            both = list(pool.map(lambda k: get(v20["access_url"] if k % 2 else cut), range(8)))
        jobs = {m.group(1) for st, h, b in both if st == 503 for m in [_re.search(rb"job ([A-Za-z0-9_-]+)", b)] if m}
        check(all(st in (200, 503) for st, _, _ in both) and len(jobs) == 1,
              "links-server and soda-server asked at once for a virtual file: one job (%s %s)" % ([st for st, _, _ in both], jobs))
        for _ in range(100):
            st, _, data = get(cut)
            if st == 200:
                break
            time.sleep(0.2)
        st2, _, data2 = get(v20["access_url"])
        check(st == 200 and data.startswith(b"SIMPLE  =") and st2 == 200 and len(data2) == v20["content_length"],
              "then both serve it: a cutout of %d bytes and the file" % len(data))
    finally:
        soda.terminate()
        soda.wait()

    # Several IDs (grouped, in order), an unknown and a malformed one, MAXREC never splitting an ID.
    st, _, body = links(DID % 1, "ivo://nowhere/nothing", DID % 4, "")
    rows = table(body)
    ids = [r["ID"] for r in rows]
    check(ids == [DID % 1] * 4 + ["ivo://nowhere/nothing"] + [DID % 4] * 4 + [""], "several IDs: rows grouped in order (%d rows)" % len(rows))
    check(rows[-1]["error_message"].startswith("UsageFault"), "an empty ID: a UsageFault row")
    nf = [r for r in rows if r["ID"] == "ivo://nowhere/nothing"][0]
    check(nf["semantics"] == "#this" and nf["error_message"].startswith("NotFoundFault"), "unknown ID: a NotFoundFault #this row")
    st, _, body = links(DID % 1, DID % 3, MAXREC="5")
    rows = table(body)
    check(len(rows) == 4 and b'value="OVERFLOW"' in body, "MAXREC=5 for 4 + 6 links: the first ID's 4 rows and OVERFLOW")
    st, _, body = links(DID % 1, DID % 2, RESPONSEFORMAT="text/plain")
    lines = body.decode().splitlines()
    check(st == 200 and len(lines) == 2 and all("/links/files/" in l for l in lines), "RESPONSEFORMAT=text/plain: one download URL per line")
    st, _, body = get(URL)
    check(st == 200 and table(body) == [] and b'utype="adhoc:this"' in body, "no ID: an empty table and the self-description")
    st, hdr, body = links(DID % 1, RESPONSEFORMAT="application/x-votable+xml; content=datalink")
    st2, _, _ = links(DID % 1, RESPONSEFORMAT="text/plain;charset=utf-8")
    check(st == 200 and st2 == 200, "RESPONSEFORMAT with MIME parameters (section 3.1.2: stripped): %d %d" % (st, st2))
    st, _, body = links((DID % 1) + " ")
    check(st == 200 and ("<TD>%s </TD>" % (DID % 1)).encode() in body and table(body)[0]["semantics"] == "#this",
          "an ID with a trailing blank: found, and echoed as sent")
    st, _, body = links(DID % 1, RESPONSEFORMAT="application/json")
    check(st == 400 and b"RESPONSEFORMAT" in body, "RESPONSEFORMAT not offered: 400")
    st, _, body = links(DID % 1, FOO="1")
    check(st == 400 and b"FOO" in body, "an unknown parameter: 400 naming it")

    # Replicas (seed 004): a second links-server on the same data with a replicas table and a
    # client-network table: #this lists every copy, the client's site first, then the local file.
    with open(tmp + "/replicas.csv", "w") as f:
        f.write("did,site,url,content_length\n%s,zurich,https://zurich.example.org/img-01.fits,806400\n"
                "%s,cape-town,https://cpt.example.org/img-01.fits\n" % (DID % 1, DID % 1))
    rport = free_port()
    with open(tmp + "/replicas.yaml", "w") as f:
        f.write("data_dir: %s/data\nlinks: {port: %d}\npreview_budget: 1\nreplicas:\n  table: %s/replicas.csv\n  local_site: here\n"
                "  sites:\n    - {network: 10.0.0.0/8, site: zurich}\n    - {network: 127.0.0.0/8, site: cape-town}\n" % (tmp, rport, tmp))
    rserver = subprocess.Popen([BIN + "/links-server", "--config", tmp + "/replicas.yaml"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        RURL = "http://127.0.0.1:%d/links" % rport
        check(wait_up(RURL + "/availability"), "links-server with replicas up")
        st, _, body = get(RURL + "?" + urllib.parse.urlencode([("ID", DID % 1), ("ID", DID % 2)]))
        rows = table(body)
        this = [(r["ID"], r["access_url"].split("/")[2]) for r in rows if r["semantics"] == "#this"]
        check(this[:3] == [(DID % 1, "cpt.example.org"), (DID % 1, "127.0.0.1:%d" % rport), (DID % 1, "zurich.example.org")]
              and this[3][0] == DID % 2 and len(this) == 4,
              "replicas: #this per copy, the client's site (127/8 -> cape-town) first, then this site, then zurich: %s" % this)
        with open(tmp + "/replicas.xml", "wb") as f:
            f.write(body)
        out = subprocess.run(["stilts", "datalinklint", "format=json", "report=EWSF", "votable=" + tmp + "/replicas.xml"],
                             capture_output=True, text=True, timeout=600).stdout
        tot = __import__("json").loads(out).get("totals", {}) if out.strip().startswith("{") else {"ERROR": "no output"}
        check(tot.get("ERROR", 0) == 0 and tot.get("WARNING", 0) == 0, "datalinklint with replicas: %s" % tot)
        # preview_budget: 1 byte here: a new preview leaves only itself in DATA_DIR/previews.
        pv2 = next(r for r in rows if r["semantics"] == "#preview" and r["ID"] == DID % 2)
        st, _, _ = get(pv2["access_url"])
        kept = os.listdir(os.path.join(tmp, "data", "previews"))
        check(st == 200 and len(kept) == 1, "preview_budget: the least recently used previews go (%s)" % kept)
    finally:
        rserver.terminate()
        rserver.wait()

    # pyvo 1.2 reads the links and finds the cutout service.
    import pyvo
    dl = pyvo.dal.adhoc.DatalinkResults.from_result_url(URL + "?ID=" + urllib.parse.quote(DID % 2))
    sem = [r.semantics for r in dl]
    svc = dl.get_adhocservice_by_ivoid("ivo://ivoa.net/std/SODA#sync-1.0")
    check(sem[:2] == ["#this", "#cutout"] and svc is not None, "pyvo DatalinkResults: %s, SODA descriptor found" % sem)

    # STILTS datalinklint: 0 errors and 0 warnings on every kind of response.
    for what, q in [("one ID", "?ID=" + urllib.parse.quote(DID % 3)), ("several IDs and an unknown one",
                    "?" + urllib.parse.urlencode([("ID", DID % 1), ("ID", "ivo://nowhere/x"), ("ID", DID % 4)])), ("no ID", "")]:
        out = subprocess.run(["stilts", "datalinklint", "format=json", "report=EWSF", "votable=" + URL + q],
                             capture_output=True, text=True, timeout=600).stdout
        try:
            doc = __import__("json").loads(out)
        except ValueError:
            doc = {}
        tot = doc.get("totals", {})
        bad = [r.get("text", "")[:200] for r in doc.get("sections", []) if r.get("level") in ("ERROR", "WARNING", "FAILURE")]
        check(doc != {} and tot.get("ERROR", 0) == 0 and tot.get("WARNING", 0) == 0 and tot.get("FAILURE", 0) == 0,
              "datalinklint, %s: totals %s %s" % (what, tot, bad[:3]))
finally:
    server.terminate()
    server.wait()
finish()
