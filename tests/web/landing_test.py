#!/usr/bin/python3
"""The landing page as a user sees it (issue 12 section 6), in headless Chromium: tap-server,
sia-server, soda-server and links-server on one demo data directory. The page links to every
service of the config; a query's positions and footprints are drawn on the sky plot (orthographic
for a small field, Hammer-Aitoff for the whole sky); an ObsCore row's DataLink panel shows its
links, its preview (loaded) and a cutout form built from the per-dataset SODA descriptor, whose
prefilled request gives a FITS cutout. The job table lists the user's jobs of every service (the
job monitor). A screenshot shows the plot's marks and the preview.
    landing_test.py BIN_DIR"""
import html, io, os, re, subprocess, sys, tempfile, urllib.parse, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish, free_port, stop, wait_up  # noqa: E402
from PIL import Image
from astropy.io.votable import parse_single_table

BIN = sys.argv[1]
tmp = tempfile.mkdtemp()
ports = {k: free_port() for k in ("tap", "sia", "soda", "links")}
with open(tmp + "/site.yaml", "w") as f:
    f.write("data_dir: %s/data\n" % tmp)
    for k, p in ports.items():
        f.write("%s: {port: %d}\n" % (k, p))
TAP = "http://127.0.0.1:%d/tap" % ports["tap"]


def chromium(url, *args):
    """Runs headless Chromium on url (JavaScript given 15 s of virtual time); returns stdout."""
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=15000",
           "--user-data-dir=" + tmp + "/chromium"] + list(args) + [url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180).stdout


def page_url(query, links_row=None, service_row=None):
    p = {"QUERY": query, "MAXREC": "1000"}
    if links_row:
        p["LINKS"] = str(links_row)
    if service_row:
        p["SERVICE"] = str(service_row)
    return TAP + "/?" + urllib.parse.urlencode(p)


def attr(dom, element_id, name):
    m = re.search(r'<[^>]*\bid="%s"[^>]*>' % re.escape(element_id), dom)
    a = m and re.search(r'\b%s="([^"]*)"' % re.escape(name), m.group(0))
    return html.unescape(a.group(1)) if a else None


procs = []
try:
    procs.append(subprocess.Popen([BIN + "/tap-server", "--config", tmp + "/site.yaml"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
    check(wait_up(TAP + "/availability"), "tap-server up (demo data made)")
    for name in ("sia", "soda", "links"):
        procs.append(subprocess.Popen([BIN + "/%s-server" % name, "--config", tmp + "/site.yaml"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.STDOUT))
        check(wait_up("http://127.0.0.1:%d/%s/availability" % (ports[name], name)), "%s-server up" % name)

    # CORS: the page (tap-server's origin) reads links-server's answers; a preflight is answered.
    r = urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d/links?ID=x" % ports["links"], headers={"Origin": TAP}))
    check(r.headers.get("Access-Control-Allow-Origin") == "*", "links-server allows any origin (CORS)")
    r = urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d/soda/sync" % ports["soda"], method="OPTIONS",
                                                     headers={"Origin": TAP, "Access-Control-Request-Method": "GET",
                                                              "Access-Control-Request-Headers": "authorization"}))
    check(r.status == 204 and "Authorization" in r.headers.get("Access-Control-Allow-Headers", ""), "a CORS preflight gets 204 with the allowed headers")

    # The job monitor's table: a TAP query and a photometry job (soda-server) of this user.
    for url, form in ((TAP + "/async", {"LANG": "ADQL", "QUERY": "SELECT TOP 3 id FROM demo.stars", "PHASE": "RUN"}),
                      ("http://127.0.0.1:%d/phot/async" % ports["soda"], {"ID": "ivo://libdax.test/demo/images?demo-img-03", "POS": "45 20", "PHASE": "RUN"})):
        urllib.request.urlopen(urllib.request.Request(url, data=urllib.parse.urlencode(form).encode()))

    # 1. Every demo image with its DataLink panel open on the third row.
    q = "SELECT TOP 20 * FROM ivoa.ObsCore WHERE obs_collection = 'DEMO-IMAGES' ORDER BY obs_id"
    dom = chromium(page_url(q, 3), "--dump-dom")
    jobrows = re.findall(r'<tr class="job" data-service="([^"]+)" data-phase="([^"]+)">', dom)
    check(sorted(s for s, _ in jobrows) == ["Photometry", "TAP"] and 'href="http://127.0.0.1:%d/phot/async/' % ports["soda"] in dom,
          "the page's job table lists the user's jobs of both services, linked to each: %s" % jobrows)
    for k, p in ports.items():
        want = 'href="http://127.0.0.1:%d/%s' % (p, k)
        check(want in dom, "the page links to the %s service at port %d" % (k, p))
    check("20 rows" in dom, "the query ran: 20 rows")
    drawn = attr(dom, "sky", "data-drawn") or ""
    m = re.match(r"(\d+) positions, (\d+) outlines", drawn)
    # The 20 fields cover the sky: Hammer-Aitoff shows every one, centre and footprint.
    check(m is not None and int(m.group(1)) == 20 and int(m.group(2)) == 20, "the sky plot draws all 20 fields and footprints: %s" % drawn)
    check('<h2 id="dstitle">ivo://libdax.test/demo/images?demo-img-03</h2>' in dom, "the DataLink panel is open on demo-img-03")
    table = dom[dom.find('id="linktable"'):]
    table = table[:table.find("</table>")]
    sems = re.findall(r"<tr><td>(#[a-z]+)</td>", table)
    check(sems[:3] == ["#this", "#cutout", "#preview"] and "#auxiliary" in sems, "its links: %s" % sems)
    loaded = attr(dom, "preview", "data-loaded") or ""
    check(re.fullmatch(r"\d+x\d+", loaded) is not None, "the preview PNG loaded in the page: %s" % loaded)
    action = attr(dom, "cutout", "action")
    check(action == "http://127.0.0.1:%d/soda/sync" % ports["soda"], "the cutout form posts to soda-server: %s" % action)
    form = dom[dom.find('id="cutout"'):]
    form = form[:form.find("</form>")]
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"', form)}
    check(fields.get("ID") == "ivo://libdax.test/demo/images?demo-img-03" and len(fields.get("CIRCLE", "").split()) == 3,
          "the form holds the dataset's ID and a prefilled CIRCLE: %s" % fields)
    hints = re.findall(r'placeholder="(min [^"]*)"', form)
    check(any("5.5e-07" in h for h in hints), "BAND shows the dataset's range: %s" % hints)
    cut = urllib.request.urlopen(action + "?" + urllib.parse.urlencode(fields)).read()
    check(cut.startswith(b"SIMPLE  =") and len(cut) % 2880 == 0 and len(cut) < 806400 / 4,
          "the form's request gives a FITS cutout (%d bytes; the file: 806,400)" % len(cut))

    # 2. A small field: orthographic, every star of the cone drawn.
    q2 = "SELECT id, ra, dec, mag_r FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 10, 2))"
    rows = urllib.request.urlopen(TAP + "/sync?" + urllib.parse.urlencode({"LANG": "ADQL", "QUERY": q2, "FORMAT": "csv"})).read().decode().splitlines()
    n = len(rows) - 1
    dom2 = chromium(page_url(q2), "--dump-dom")
    drawn2 = attr(dom2, "sky", "data-drawn") or ""
    check(n > 5 and drawn2 == "%d positions, 0 outlines" % n, "a 2 degree cone: %d stars, the plot draws %s" % (n, drawn2))
    check('id="dataset" class="on"' not in dom2 and 'class="dl"' not in dom2, "no DataLink buttons on a result without descriptors")

    # 3. A star's light curve: the demo's descriptor on demo.stars.id gives each row a button and
    # a form (the row's id fixed, band and detail as choices) whose request gives the light curve.
    dom3 = chromium(page_url("SELECT id, ra, dec FROM demo.stars WHERE id IN (10, 11) ORDER BY id", service_row=1), "--dump-dom")
    check(dom3.count('class="dl svc"') == 2 and 'class="dl"' not in dom3, "each star row has a lightcurve button (and no links button)")
    action = attr(dom3, "service", "action")
    check(action == "http://127.0.0.1:%d/links/timeseries" % ports["links"], "the light-curve form goes to links-server: %s" % action)
    form = dom3[dom3.find('id="service"'):]
    form = form[:form.find("</form>")]
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"', form)}
    selects = re.findall(r'<select name="([^"]*)"><option value="([^"]*)"', form)
    check(fields.get("id") == "10" and fields.get("table") == "demo.forced_sources" and dict(selects).get("band") == "all",
          "the form: id 10 from the row, the fixed table, band choices: %s %s" % (fields, selects))
    fields.update(dict(selects))
    lc = parse_single_table(io.BytesIO(urllib.request.urlopen(action + "?" + urllib.parse.urlencode(fields)).read())).to_table()
    check(len(lc) == 40 and set(lc["star_id"]) == {10} and list(lc["mjd"]) == sorted(lc["mjd"]),
          "the form's request gives star 10's 40 measurements in time order (%d rows)" % len(lc))

    # 4. The screenshot: the plot's background, its orange marks, the selected row in red, the preview.
    png = tmp + "/landing.png"
    chromium(page_url(q, 3), "--window-size=1400,1800", "--screenshot=" + png)
    img = Image.open(png).convert("RGB")
    px = img.getdata()
    count = lambda rgb, tol=30: sum(1 for p in px if abs(p[0] - rgb[0]) + abs(p[1] - rgb[1]) + abs(p[2] - rgb[2]) <= tol)
    bg, marks, sel = count((13, 27, 42), 6), count((255, 169, 77)), count((255, 77, 77))
    check(img.size == (1400, 1800) and bg > 150_000, "screenshot %s: the sky plot's background (%d pixels)" % (img.size, bg))
    check(marks > 100 and sel > 20, "the plot's marks (%d orange pixels) and the selected field (%d red pixels)" % (marks, sel))
    print("screenshot: " + png)
finally:
    stop(procs)
finish()
