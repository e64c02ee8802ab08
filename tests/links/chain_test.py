#!/usr/bin/python3
"""SIA -> DataLink -> SODA as a client goes through them (issue 12 section 2), with pyvo 1.2:
sia-server, links-server and soda-server on one demo data directory, each knowing the others'
URLs from one config file. An SIA result carries a {links} and a SODA descriptor whose ID refers
to obs_publisher_did; ObsCore access_url is the dataset's links URL (access_format the DataLink
media type); pyvo's iter_datalinks() follows the first, getdataset() downloads the file, and
processed(circle=...) makes a cutout through the second. votlint checks the SIA result.
TAP results holding obs_publisher_did carry the same descriptors.
    chain_test.py BIN_DIR"""
import io, json, os, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request, warnings
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish, free_port, stop, wait_up  # noqa: E402
tmp = tempfile.mkdtemp()
os.environ["XDG_CACHE_HOME"] = tmp + "/cache"  # astropy's download cache, here and empty
from astropy.io import fits
from astropy.utils.data import import_file_to_cache
import astropy.units as u

BIN = sys.argv[1]




# pyvo's bysemantics() reads the DataLink vocabulary from www.ivoa.net; this machine is offline:
# a vocabulary without narrower terms in the cache stands in (it changes nothing for #this).
with open(tmp + "/datalink-core.json", "w") as f:
    json.dump({"terms": {}}, f)
import_file_to_cache("http://www.ivoa.net/rdf/datalink/core", tmp + "/datalink-core.json")
ports = {k: free_port() for k in ("tap", "sia", "soda", "links")}
with open(tmp + "/site.yaml", "w") as f:
    f.write("data_dir: %s/data\n" % tmp)
    for k, p in ports.items():
        f.write("%s: {port: %d}\n" % (k, p))
procs = []
try:
    procs.append(subprocess.Popen([BIN + "/sia-server", "--config", tmp + "/site.yaml"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
    check(wait_up("http://127.0.0.1:%d/sia/availability" % ports["sia"]), "sia-server up (demo data made)")
    for name in ("soda", "links", "tap"):
        procs.append(subprocess.Popen([BIN + "/%s-server" % name, "--config", tmp + "/site.yaml"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.STDOUT))
        check(wait_up("http://127.0.0.1:%d/%s/availability" % (ports[name], name)), "%s-server up" % name)

    import pyvo
    sia = pyvo.dal.sia2.SIAService("http://127.0.0.1:%d/sia" % ports["sia"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sia.search(pos=(45 * u.deg, 20 * u.deg, 0.2 * u.deg), collection="DEMO-IMAGES")
    rows = list(res)
    check(len(rows) >= 1, "SIA finds demo images at 45 20: %d" % len(rows))
    row = rows[0]
    check(str(row.access_url).startswith("http://127.0.0.1:%d/links?ID=" % ports["links"]) and
          row.access_format == "application/x-votable+xml;content=datalink",
          "ObsCore access_url is the links URL, access_format the DataLink type (%s)" % row.access_format)
    raw = urllib.request.urlopen("http://127.0.0.1:%d/sia/query?POS=CIRCLE+45+20+0.2" % ports["sia"]).read()
    check(b'ID="obs_publisher_did"' in raw and b'ref="obs_publisher_did"' in raw and b"ivo://ivoa.net/std/DataLink#links-1.1" in raw
          and b"ivo://ivoa.net/std/SODA#sync-1.0" in raw, "the SIA result has a links and a SODA descriptor referring to obs_publisher_did")
    with open(tmp + "/sia.xml", "wb") as f:
        f.write(raw)
    out = subprocess.run(["stilts", "votlint", "votable=" + tmp + "/sia.xml"], capture_output=True, text=True).stdout
    check(not any(l.startswith(("ERROR", "WARNING")) for l in out.splitlines()), "votlint on the SIA result with descriptors: %s" % out.strip()[:300])

    links = list(res.iter_datalinks())
    sems = [[r.semantics for r in dl] for dl in links]
    check(len(links) == len(rows) and all(s[:2] == ["#this", "#cutout"] for s in sems), "pyvo iter_datalinks: links for every row %s" % sems[:2])
    data = row.getdataset().read()
    check(data.startswith(b"SIMPLE  =") and len(data) % 2880 == 0, "pyvo getdataset through #this: %d bytes of FITS" % len(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cut = row.processed(circle=(45 * u.deg, 20 * u.deg, 0.02 * u.deg)).read()
    h = fits.open(io.BytesIO(cut))
    sci = next(x for x in h if x.data is not None)
    check(0 < sci.data.shape[0] < 300 and "DAXBOX" in sci.header, "pyvo processed(circle=...) through the SODA descriptor: a %s cutout" % (sci.data.shape,))

    # TAP results holding obs_publisher_did carry the same descriptors: pyvo follows them too.
    tap = pyvo.dal.TAPService("http://127.0.0.1:%d/tap" % ports["tap"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = tap.run_sync("SELECT TOP 2 obs_publisher_did, s_ra, s_dec FROM ivoa.ObsCore WHERE obs_collection = 'DEMO-IMAGES'")
        tl = list(tr.iter_datalinks())
    check(len(tl) == 2 and all([r.semantics for r in dl][:2] == ["#this", "#cutout"] for dl in tl),
          "TAP result: pyvo iter_datalinks through the links descriptor (%d rows)" % len(tl))

    # The demo's light curves: results holding demo.stars.id (renamed or not) carry the
    # light-curve descriptor; its parameters and the row's id, sent to its access URL, give the
    # star's forced photometry in time order, as a join through TAP gives it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stars = tap.run_sync("SELECT id AS star, ra, dec FROM demo.stars WHERE id IN (10, 11)")
        other = tap.run_sync("SELECT TOP 1 forced_id AS id FROM demo.forced_sources")
    sd = [r for r in stars.votable.resources if r.type == "meta" and r.utype == "adhoc:service" and r.name == "lightcurve"]
    check(len(sd) == 1 and not any(r.type == "meta" and r.name == "lightcurve" for r in other.votable.resources),
          "the light-curve descriptor is on demo.stars.id (here named star), not on another table's id")
    params = {p.name: p for p in sd[0].groups[0].entries}
    check(params["id"].ref == "star" and str(params["table"].value) == "demo.forced_sources", "it refers to the star FIELD")
    raw_sd = urllib.request.urlopen("http://127.0.0.1:%d/tap/sync?%s" % (ports["tap"], urllib.parse.urlencode(
        {"LANG": "ADQL", "QUERY": "SELECT id, ra, dec FROM demo.stars WHERE id = 10"}))).read()
    with open(tmp + "/stars.xml", "wb") as f:
        f.write(raw_sd)
    out = subprocess.run(["stilts", "votlint", "votable=" + tmp + "/stars.xml"], capture_output=True, text=True).stdout
    check(not any(l.startswith(("ERROR", "WARNING")) for l in out.splitlines()), "votlint on a result with the light-curve descriptor: %s" % out.strip()[:300])
    for star in (10, 11):
        q = {p.name: str(p.value) for p in params.values() if p.name not in ("id",) and str(p.value) not in ("", "--")}
        q.update({"id": str(star), "band": "r"})
        url = str(sd[0].params[[x.name for x in sd[0].params].index("accessURL")].value) + "?" + urllib.parse.urlencode(q)
        from astropy.io.votable import parse_single_table
        lc = parse_single_table(io.BytesIO(urllib.request.urlopen(url).read())).to_table()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = tap.run_sync("SELECT f.flux, v.mjd FROM demo.forced_sources AS f JOIN demo.visits AS v ON f.visit_id = v.visit_id "
                                "WHERE f.star_id = %d AND f.band = 'r' ORDER BY v.mjd" % star).to_table()
        check(len(lc) == 20 and list(lc["mjd"]) == list(want["mjd"]) and list(lc["flux"]) == list(want["flux"]),
              "star %d: the descriptor gives its 20 r-band measurements in time order, equal to the TAP join" % star)
        spread = (max(lc["flux"]) - min(lc["flux"])) / float(lc["flux_err"].mean())
        check((spread > 20) == (star % 10 == 0), "star %d %s (flux range %.1f sigma)" % (star, "varies" if star % 10 == 0 else "is constant", spread))
finally:
    stop(procs)
finish()
