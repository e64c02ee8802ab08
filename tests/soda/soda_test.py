#!/usr/bin/python3
"""soda-server end to end (SODA 1.0 sync) on the peers' images (DAX_PEER_DATA, from
tests/image/peer_images.sh: plain, TAN-SIP, multi-extension, RICE), checked with tools libdax did
not write: every cutout passes fitsverify with no warning, astropy opens it with valid
checksums, its pixels equal the source image's pixels in the same section (every image HDU of a
multi-extension file), and astropy's WCS of the cutout puts each painted source within 0.01
pixel of where the original's WCS (SIP included) puts it. Misses are 204, errors DALI documents;
the 1-pixel edge rule; pyvo 1.2's SodaQuery.
    soda_test.py BIN_DIR"""
import csv, io, os, socket, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request, warnings
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish, free_port  # noqa: E402
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

warnings.simplefilter("ignore", FITSFixedWarning)
BIN, PEER = sys.argv[1], os.environ["DAX_PEER_DATA"]




tmp = tempfile.mkdtemp()
did = "ivo://libdax.test/demo/images?{}"
subprocess.run([BIN + "/dax-admin", "ingest-images", "--data-dir", tmp + "/data", "--collection", "DEMO-SYNTH",
                "--did-template", did.format("{obs_id}"), PEER + "/images"], check=True, capture_output=True)
port = free_port()
server = subprocess.Popen([BIN + "/soda-server", "--port", str(port), "--data-dir", tmp + "/data"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
URL = "http://127.0.0.1:%d/soda" % port


def sync(params):
    try:
        with urllib.request.urlopen(URL + "/sync?" + urllib.parse.urlencode(params, doseq=True), timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def fitsverify(path):
    out = subprocess.run(["fitsverify", path], capture_output=True, text=True).stdout
    return "0 warning(s) and 0 error(s)" in out, out.strip().splitlines()[-1] if out.strip() else "no output"


try:
    for _ in range(300):
        try:
            urllib.request.urlopen(URL + "/availability", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    manifest = {r["obs_id"]: r for r in csv.DictReader(open(PEER + "/images/manifest.csv"))}
    sources = {}
    for s in csv.DictReader(open(PEER + "/images/sources.csv")):
        sources.setdefault(s["obs_id"], []).append(s)
    cut_files, worst = 0, 0.0
    for obs_id, m in sorted(manifest.items()):
        path = PEER + "/images/" + m["file"]
        hdu = int(m["image_hdu"])
        orig = fits.open(path)
        w0 = WCS(orig[hdu].header)
        nx, ny = int(m["naxis1"]), int(m["naxis2"])
        picks = [s for s in sources[obs_id] if 40 < float(s["x"]) < nx - 40 and 40 < float(s["y"]) < ny - 40][:3]
        for s in picks:
            ra, dec = float(s["ra"]), float(s["dec"])
            st, body = sync({"ID": did.format(obs_id), "CIRCLE": "%.9f %.9f 0.01" % (ra, dec)})
            if st != 200:
                check(False, "%s: cutout around %s,%s: HTTP %d %s" % (obs_id, ra, dec, st, body[:200]))
                continue
            out = os.path.join(tmp, "cut-%d.fits" % cut_files)
            open(out, "wb").write(body)
            ok, last = fitsverify(out)
            check(ok, "%s (%s%s): fitsverify: %s" % (obs_id, m["layout"], ", SIP" if m["sip"] == "1" else "", last))
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a bad checksum is an astropy warning
                cut = fits.open(out, checksum=True)
                cut.verify("exception")
            box = cut[-1].header["DAXBOX"].strip("[]").replace(",", ":").split(":")
            x1, x2, y1, y2 = (int(v) for v in box)
            same = True
            for k, h in enumerate(cut):
                if h.data is None:
                    continue
                src = [o for o in orig if o.data is not None and o.name == h.name][0] if h.name not in ("", "PRIMARY") else orig[hdu]
                whole = src.data if isinstance(src, fits.CompImageHDU) else src.section  # astropy 5.2: no section of a CompImageHDU
                same = same and np.array_equal(h.data, whole[y1 - 1:y2, x1 - 1:x2], equal_nan=True)
            check(same, "%s: every cut HDU's pixels equal the source's [%d:%d,%d:%d] (%d HDUs)" %
                  (obs_id, x1, x2, y1, y2, sum(h.data is not None for h in cut)))
            sci = [h for h in cut if h.data is not None][0]
            w1 = WCS(sci.header)
            px0 = np.array(w0.all_world2pix([[ra, dec]], 1)[0]) - [x1 - 1, y1 - 1]
            px1 = np.array(w1.all_world2pix([[ra, dec]], 1)[0])
            painted = np.array([float(s["x"]) - (x1 - 1), float(s["y"]) - (y1 - 1)])
            err = max(np.abs(px1 - px0).max(), np.abs(px1 - painted).max())
            worst = max(worst, err)
            r_px = 0.01 * 3600 / float(abs(w0.proj_plane_pixel_scales()[0].to_value("arcsec")))
            inside = x1 <= px0[0] + x1 - 1 - r_px + 1 and px0[0] + x1 - 1 + r_px - 1 <= x2
            check(err < 0.01 and inside, "%s: the cutout's WCS puts the source %.2e px from the original's (box holds the %.1f px circle: %s)" %
                  (obs_id, err, r_px, inside))
            cut_files += 1
    check(cut_files >= 20, "%d cutouts checked, worst WCS difference %.2e px" % (cut_files, worst))

    # A region off the image, BAND/POL that the dataset does not have: 204 with no body.
    first = did.format("img-000001")
    row = next(csv.DictReader(open(PEER + "/obscore.csv")))
    for params, what in [({"ID": first, "CIRCLE": "180 -40 0.1"}, "region off the image"),
                         ({"ID": first, "POS": "RANGE 200 210 -10 10"}, "RANGE off the image"),
                         ({"ID": first, "CIRCLE": "%s %s 0.1" % (row["s_ra"], row["s_dec"]), "POL": "I"}, "POL on an image without one"),
                         ({"ID": first, "BAND": "1e-6 2e-6"}, "BAND outside the dataset's")]:
        st, body = sync(params)
        check(st == 204 and body == b"", "%s: 204 No Content (got %d, %d bytes)" % (what, st, len(body)))

    # The edge rule on img-000001 (plain TAN): pixel i spans [i - 0.5, i + 0.5).
    w0 = WCS(fits.getheader(PEER + "/images/img-000001.fits", 0))
    nx = int(manifest["img-000001"]["naxis1"])
    def at(x, y):
        ra, dec = w0.all_pix2world([[x, y]], 1)[0]
        return sync({"ID": first, "CIRCLE": "%.10f %.10f 0.000001" % (ra, dec)})
    st, body = at(0.6, 500)
    box = fits.open(io.BytesIO(body))[0].header.get("DAXBOX") if st == 200 else None
    check(st == 200 and box and box.startswith("[1:1,"), "a region 0.1 px inside the left edge: column 1 (%s)" % box)
    st, _ = at(-0.6, 500)
    check(st == 204, "a region 1.1 px left of the image: 204 (got %d)" % st)
    st, body = at(nx + 0.4, 500)
    box = fits.open(io.BytesIO(body))[0].header.get("DAXBOX") if st == 200 else None
    check(st == 200 and box and box.startswith("[%d:%d," % (nx, nx)), "a region 0.1 px inside the right edge: the last column (%s)" % box)
    st, _ = at(nx + 0.6, 500)
    check(st == 204, "a region 0.1 px right of the image: 204 (got %d)" % st)
    st, body = sync({"ID": first, "CIRCLE": "%s %s 5" % (row["s_ra"], row["s_dec"])})
    h = fits.open(io.BytesIO(body))[0].header if st == 200 else {}
    check(st == 200 and h.get("NAXIS1") == nx, "a region larger than the image: the whole image (%s)" % h.get("DAXBOX"))

    # Errors: DALI documents with the SODA error codes.
    for params, status, word in [({"ID": did.format("nope"), "CIRCLE": "1 1 1"}, 404, "NotFoundFault"),
                                 ({"ID": [first, did.format("img-000002")]}, 400, "MultiValuedParamNotSupported"),
                                 ({"ID": first, "CIRCLE": ["1 1 1", "2 2 1"]}, 400, "MultiValuedParamNotSupported"),
                                 ({"ID": first, "SIZE": "3"}, 400, "UsageFault"),
                                 ({"CIRCLE": "1 1 1"}, 400, "UsageFault"),
                                 ({"ID": first, "CIRCLE": "1 100 1"}, 400, "CIRCLE"),
                                 ({"ID": first, "CIRCLE": "1 1 1", "POS": "CIRCLE 1 1 1"}, 400, "one of")]:
        st, body = sync(params)
        check(st == status and word.encode() in body and b'value="ERROR"' in body, "%s: %d %s" % (params, st, word))
    st, body = sync({"ID": first.upper()})
    check(st == 200 and fits.open(io.BytesIO(body))[0].header.get("NAXIS1") == nx, "no region, ID in upper case: the whole image")

    # A cutout of a cutout: one set of provenance cards; a region long enough for CONTINUE cards
    # (LONGSTRN declared); parameter values as clients send them.
    st, body = sync({"ID": first, "CIRCLE": "%s %s 0.05" % (row["s_ra"], row["s_dec"])})
    recut = os.path.join(tmp, "recut")
    os.makedirs(recut, exist_ok=True)
    with fits.open(io.BytesIO(body)) as h:
        h[0].header["OBSID"] = "recut-1"
        h.writeto(recut + "/recut-1.fits")
    subprocess.run([BIN + "/dax-admin", "ingest-images", "--data-dir", tmp + "/data", "--collection", "recut",
                    "--did-template", did.format("{obs_id}"), recut], check=True, capture_output=True)
    ra, dec = float(row["s_ra"]), float(row["s_dec"])
    poly = " ".join("%.12f %.12f" % (ra + dx, dec + dy) for dx, dy in [(-0.02, -0.02), (0.02, -0.02), (0.02, 0.02), (-0.02, 0.02)])
    st, body = sync({"ID": did.format("recut-1"), "POLYGON": poly, "RESPONSEFORMAT": "APPLICATION/FITS", "POL": ""})
    out = os.path.join(tmp, "recut.fits")
    open(out, "wb").write(body if st == 200 else b"")
    ok, last = fitsverify(out) if st == 200 else (False, "HTTP %d %s" % (st, body[:200]))
    h = fits.getheader(out, 0) if st == 200 else {}
    check(ok and list(h.keys()).count("DAXBOX") == 1 and h.get("LONGSTRN") and len(h.get("DAXREGN", "")) > 68,
          "a cutout of a cutout with a long POLYGON: one DAXBOX, LONGSTRN, fitsverify %s" % last)

    # A virtual demo image (demo-img-19, not kept): the sync cutout answers 503 with Retry-After
    # while its file is made, then the cutout.
    vid = "ivo://libdax.test/demo/images?demo-img-19"
    try:
        with urllib.request.urlopen(URL + "/sync?" + urllib.parse.urlencode({"ID": vid}), timeout=30) as r:
            initial = (r.status, None)
    except urllib.error.HTTPError as e:
        initial = (e.code, e.headers.get("Retry-After"))
    st = 0
    for _ in range(100):
        st, body = sync({"ID": vid})
        if st == 200:
            break
        time.sleep(0.2)
    check(initial == (503, "2") and st == 200 and body.startswith(b"SIMPLE  ="), "a virtual dataset's cutout: %s first, then %d" % (initial, st))

    # {async}: one result per combination of ID x region (SODA 1.0 section 6); a combination that
    # selects nothing, or an unknown ID, is a text/plain result starting with UsageError.
    import re
    def post(url, params):
        req = urllib.request.Request(url, data=urllib.parse.urlencode(params, doseq=True).encode(), method="POST")
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        try:
            r = urllib.request.build_opener(NoRedirect).open(req, timeout=30)
            return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
    def wait_job(job):  # the job document once the job has ended
        doc = b""
        for _ in range(100):
            with urllib.request.urlopen(job + "?WAIT=5", timeout=30) as r:
                doc = r.read()
            if re.search(rb"<uws:phase>(ERROR|COMPLETED|ABORTED)</uws:phase>", doc):
                break
        return doc
    circle_hit = "5.98 5.5 0.02"  # where img-000001 and img-000002 overlap
    st, hdr, _ = post(URL + "/async", {"ID": [first, did.format("img-000002"), did.format("nope")],
                                         "CIRCLE": [circle_hit, "180 -40 0.1"], "PHASE": "RUN"})
    job = hdr.get("Location", "") if st == 303 else ""
    check(st == 303 and job.startswith(URL + "/async/"), "POST /soda/async with PHASE=RUN: 303 to the job (%s %s)" % (st, job))
    phase, doc = "", b""
    for _ in range(200):
        with urllib.request.urlopen(job + "?WAIT=5", timeout=30) as r:
            doc = r.read()
        phase = re.search(rb"<uws:phase>(\w+)</uws:phase>", doc).group(1).decode()
        if phase in ("COMPLETED", "ERROR", "ABORTED"):
            break
    results = re.findall(rb'<uws:result id="([^"]+)"', doc)
    check(phase == "COMPLETED" and len(results) == 6, "the job completes with 3 IDs x 2 regions = %d results (%s)" % (len(results), phase))
    kinds = []
    for rid in results:
        with urllib.request.urlopen(job + "/results/" + rid.decode(), timeout=30) as r:
            body = r.read()
            kinds.append("fits" if body.startswith(b"SIMPLE  =") else body.decode().split(":")[0])
    check(kinds == ["fits", "UsageError", "fits", "UsageError", "UsageError", "UsageError"],
          "results: cutouts where the circle meets the image, UsageError texts elsewhere (%s)" % kinds)
    st, hdr, body = post(URL + "/async", {"ID": first, "CIRCLE": "1 100 1", "PHASE": "RUN"})
    check(st == 400 and b"CIRCLE" in body, "a bad CIRCLE in a new job: 400 naming the parameter (no job)")
    # A film strip (seed 000): no ID, a POS; every image covering it, one extension per epoch.
    st, hdr, _ = post(URL + "/async", {"POS": "CIRCLE " + circle_hit, "COLLECTION": "DEMO-SYNTH", "PHASE": "RUN"})
    job = hdr.get("Location", "")
    doc = wait_job(job)
    strip = os.path.join(tmp, "strip.fits")
    ok = b"<uws:phase>COMPLETED</uws:phase>" in doc
    if ok:
        with urllib.request.urlopen(job + "/results/film-strip", timeout=30) as r:
            open(strip, "wb").write(r.read())
        ok, last = fitsverify(strip)
        with fits.open(strip, checksum=True) as h:
            names = [x.name for x in h[1:]]
            times = [x.header["MJD-OBS"] for x in h[1:]]
            same = True
            for x in h[1:]:
                x1, x2, y1, y2 = (int(v) for v in x.header["DAXBOX"].strip("[]").replace(",", ":").split(":"))
                src = fits.getdata(PEER + "/images/" + manifest[x.header["OBSID"]]["file"], int(manifest[x.header["OBSID"]]["image_hdu"]))
                same = same and np.array_equal(x.data, src[y1 - 1:y2, x1 - 1:x2], equal_nan=True)
        check(ok and [n.lower() for n in names] == ["img-000001", "img-000002"] and times == sorted(times) and same,
              "film strip: %s in time order %s, pixels equal the sources', fitsverify %s" % (names, times, last))
    else:
        check(False, "film strip job: %s" % doc[:400])

    # Jobs too big for one job fail at once with a message naming the remedy.
    def job_error(params):
        st, hdr, _ = post(URL + "/async", dict(params, PHASE="RUN"))
        job = hdr.get("Location", "")
        doc = wait_job(job)
        return doc
    doc = job_error({"POS": "CIRCLE 0 0 180"})
    check(b"<uws:phase>ERROR</uws:phase>" in doc and b"narrow the film strip" in doc,
          "a film strip meeting more than 1,000 ObsCore rows: ERROR asking to narrow it (not a silent cut)")
    # A film strip over the whole sky of the demo collection: every epoch, the virtual ones made in the job.
    st, hdr, _ = post(URL + "/async", {"POS": "RANGE 0 360 -90 90", "COLLECTION": "DEMO-IMAGES", "PHASE": "RUN"})
    doc = wait_job(hdr.get("Location", ""))
    names = []
    if b"COMPLETED" in doc:
        with urllib.request.urlopen(hdr["Location"] + "/results/film-strip", timeout=60) as r:
            with fits.open(io.BytesIO(r.read())) as h:
                names = sorted(x.header.get("EXTNAME") for x in h[1:])
    check(len(names) == 20 and "demo-img-20" in names, "a film strip of DEMO-IMAGES: 20 epochs, the virtual ones made (%d)" % len(names))
    doc = job_error({"ID": [did.format("img-%06d" % k) for k in range(1, 51)], "CIRCLE": ["1 1 %g" % (0.01 + k / 1000) for k in range(50)]})
    check(b"<uws:phase>ERROR</uws:phase>" in doc and b"2500 combinations" in doc, "50 IDs x 50 circles: ERROR, at most 1,000 combinations")
    st, body = sync({"ID": first, "COLLECTION": "x"})
    check(st == 400 and b"COLLECTION" in body, "COLLECTION with an ID: 400 (it selects film-strip datasets)")

    with urllib.request.urlopen(URL + "/capabilities", timeout=10) as r:
        caps = r.read()
    check(b"ivo://ivoa.net/std/SODA#sync-1.0" in caps and b"ivo://ivoa.net/std/SODA#async-1.0" in caps,
          "capabilities list SODA#sync-1.0 and #async-1.0")

    # A cutout bigger than what the server holds in memory (8 MiB) is streamed as it is read:
    # chunked, no Content-Length, the same valid FITS (36 MB, whole image and a wide strip).
    big = os.path.join(tmp, "big")
    os.makedirs(big, exist_ok=True)
    rng = np.random.RandomState(5)
    bigdata = rng.standard_normal((3000, 3000)).astype(np.float32)
    bh = fits.Header()
    for k, v in [("CTYPE1", "RA---TAN"), ("CTYPE2", "DEC--TAN"), ("CRVAL1", 200.0), ("CRVAL2", -30.0), ("CRPIX1", 1500.5),
                 ("CRPIX2", 1500.5), ("CD1_1", -0.2 / 3600), ("CD1_2", 0.0), ("CD2_1", 0.0), ("CD2_2", 0.2 / 3600), ("OBSID", "big-1"),
                 ("MJD-OBS", 60000.0), ("EXPTIME", 1.0), ("FILTER", "r")]:
        bh[k] = v
    fits.PrimaryHDU(bigdata, bh).writeto(big + "/big-1.fits")
    subprocess.run([BIN + "/dax-admin", "ingest-images", "--data-dir", tmp + "/data", "--collection", "big",
                    "--did-template", did.format("{obs_id}"), big], check=True, capture_output=True)
    for params, section in [({}, (slice(None), slice(None))), ({"CIRCLE": "200 -30 0.08"}, None)]:
        q = dict(params, ID=did.format("big-1"))
        with urllib.request.urlopen(URL + "/sync?" + urllib.parse.urlencode(q), timeout=120) as r:
            chunked, length, body = r.headers.get("Transfer-Encoding"), r.headers.get("Content-Length"), r.read()
        out = os.path.join(tmp, "big-cut.fits")
        open(out, "wb").write(body)
        ok, last = fitsverify(out)
        with fits.open(out, checksum=True) as h:
            d = h[0].data
            x0, y0 = -int(h[0].header["LTV1"]), -int(h[0].header["LTV2"])
            same = np.array_equal(d, bigdata[y0:y0 + d.shape[0], x0:x0 + d.shape[1]])
        check(chunked == "chunked" and length is None and ok and same and d.nbytes > 8 << 20,
              "%s of a 3000 x 3000 image (%d MB): streamed (%s), pixels equal, checksums and fitsverify %s"
              % (params or "no region", d.nbytes >> 20, chunked, last))

    # A radio cube (FREQ axis in Hz, astropy-written): BAND, in metres, selects its channels.
    cube = os.path.join(tmp, "cube")
    os.makedirs(cube, exist_ok=True)
    ch = fits.Header()
    for k, v in [("CTYPE1", "RA---SIN"), ("CTYPE2", "DEC--SIN"), ("CRVAL1", 120.0), ("CRVAL2", 45.0), ("CRPIX1", 16.5), ("CRPIX2", 16.5),
                 ("CDELT1", -0.001), ("CDELT2", 0.001), ("CTYPE3", "FREQ"), ("CUNIT3", "Hz"), ("CRVAL3", 1.4e9), ("CDELT3", 1e6),
                 ("CRPIX3", 1.0), ("OBSID", "cube-1"), ("MJD-OBS", 60000.0)]:
        ch[k] = v
    cubedata = np.arange(20 * 32 * 32, dtype=np.float32).reshape(20, 32, 32)
    fits.PrimaryHDU(cubedata, ch).writeto(cube + "/cube-1.fits")
    subprocess.run([BIN + "/dax-admin", "ingest-images", "--data-dir", tmp + "/data", "--collection", "cubes",
                    "--did-template", did.format("{obs_id}"), cube], check=True, capture_output=True)
    c = 299792458.0
    st, body = sync({"ID": did.format("cube-1"), "BAND": "%r %r" % (c / 1.4068e9, c / 1.4046e9), "CIRCLE": "120 45 0.005"})
    out = os.path.join(tmp, "cube-cut.fits")
    open(out, "wb").write(body if st == 200 else b"")
    ok, last = fitsverify(out) if st == 200 else (False, "HTTP %d %s" % (st, body[:300]))
    same = False
    if st == 200:
        with fits.open(out, checksum=True) as h:
            x0, y0 = -int(h[0].header["LTV1"]), -int(h[0].header["LTV2"])
            d = h[0].data
            same = d.shape[0] == 3 and np.array_equal(d, cubedata[5:8, y0:y0 + d.shape[1], x0:x0 + d.shape[2]]) and \
                abs(WCS(h[0].header).sub([3]).pixel_to_world_values(0) - 1.405e9) < 1
    check(ok and same, "BAND on a FREQ cube: channels 6-8 (1.405-1.407 GHz), pixels equal, fitsverify %s" % last)
    st, _ = sync({"ID": did.format("cube-1"), "BAND": "0.5 0.6"})
    check(st == 204, "BAND outside a cube's channels: 204")

    # Methods and parameters refused as they arrive: PUT (even without a body) is 405 with Allow;
    # an {async} job with an unknown parameter or a bad value is refused at creation (400, no job),
    # not left to fail when it runs; a POST with no body at all still creates a job.
    import http.client
    def raw(method, path, body=None, headers={}):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        out = (r.status, r.getheader("Allow"), r.read())
        c.close()
        return out
    st, allow, _ = raw("PUT", "/soda/sync")
    st2, allow2, _ = raw("PATCH", "/soda/async", body=b"x=1")
    check(st == 405 and allow == "GET, POST" and st2 == 405, "PUT without a body, PATCH with one: 405 with Allow (%s %s, %s)" % (st, allow, st2))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    before = raw("GET", "/soda/async")[2].count(b"<uws:jobref")
    st, _, body = raw("POST", "/soda/async", body=b"ID=x&FOO=1", headers=form)
    st2, _, body2 = raw("POST", "/soda/async", body=b"ID=x&CIRCLE=1+2", headers=form)
    after = raw("GET", "/soda/async")[2].count(b"<uws:jobref")
    check(st == 400 and b"FOO" in body and st2 == 400 and b"CIRCLE" in body2 and before == after,
          "async: unknown parameter and bad CIRCLE refused at creation (%d, %d), no job made" % (st, st2))
    st, _, _ = raw("POST", "/soda/async")
    check(st == 303, "async: a POST with no body creates a (PENDING) job: %d" % st)

    # pyvo 1.2's SODA client.
    import pyvo
    q = pyvo.dal.adhoc.SodaQuery(URL + "/sync", circle=(float(row["s_ra"]), float(row["s_dec"]), 0.05))
    q["ID"] = first
    data = q.execute_stream().read()
    check(fits.open(io.BytesIO(data))[0].data.shape[0] > 10, "pyvo SodaQuery: a cutout of %d bytes" % len(data))
finally:
    server.terminate()
    server.wait()
finish()
