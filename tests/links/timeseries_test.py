#!/usr/bin/python3
"""The time series redirect (issue 12 section 3, seed 003): links-server's /links/timeseries builds
a light-curve query from the published catalog (TAP_SCHEMA: tables, principal columns in
column_index order, the Felis `dax:minimal` annotation, foreign keys for the time join) and
answers 303 to tap-server's sync endpoint; following it gives exactly the object's rows in the
band, in time order, as computed here from the loaded CSV. Names not in the catalog and values
that do not fit their column are refused (400 naming the parameter), never spliced into ADQL.
    timeseries_test.py BIN_DIR"""
import io, os, random, subprocess, sys, tempfile, urllib.error, urllib.parse, urllib.request, warnings
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish, free_port, stop, wait_up  # noqa: E402
from astropy.io.votable import parse

BIN = sys.argv[1]
tmp = tempfile.mkdtemp()
with open(tmp + "/lc.yaml", "w") as f:
    f.write("""name: lc
description: Light curves for the time series redirect test.
tables:
  - name: visit
    columns:
      - {name: visit_id, "@id": "#visit.visit_id", datatype: long, tap:principal: 1, tap:column_index: 1}
      - {name: mjd, datatype: double, fits:tunit: d, tap:principal: 1, tap:column_index: 2}
  - name: forced
    columns:
      - {name: forced_id, datatype: long, tap:column_index: 5}
      - {name: object_id, datatype: long, tap:principal: 1, tap:column_index: 1}
      - {name: visit_id, "@id": "#forced.visit_id", datatype: long, tap:column_index: 4}
      - {name: band, datatype: string, tap:principal: 1, tap:column_index: 2}
      - {name: flux, datatype: double, tap:principal: 1, tap:column_index: 3, dax:minimal: true}
      - {name: flux_err, datatype: double}
    constraints:
      - {name: forced_visit, "@type": ForeignKey, columns: ["#forced.visit_id"], referencedColumns: ["#visit.visit_id"]}
  - name: obs
    columns:
      - {name: name, datatype: string}
      - {name: time, datatype: double}
      - {name: value, datatype: double}
      - {name: mjd, datatype: double}
      - {name: visit_id, "@id": "#obs.visit_id", datatype: long}
    constraints:
      - {name: obs_visit, "@type": ForeignKey, columns: ["#obs.visit_id"], referencedColumns: ["#visit.visit_id"]}
""")
rng = random.Random(7)
visits = [(v, 60000 + rng.random() * 100) for v in range(1, 41)]
forced = []
for k in range(1, 801):
    forced.append((k, rng.randint(1, 20), rng.randint(1, 40), rng.choice("gri"), round(rng.gauss(100, 10), 3), 1.5))
with open(tmp + "/visit.csv", "w") as f:
    f.write("visit_id,mjd\n" + "".join("%d,%r\n" % v for v in visits))
with open(tmp + "/forced.csv", "w") as f:
    f.write("forced_id,object_id,visit_id,band,flux,flux_err\n" + "".join("%d,%d,%d,%s,%r,%r\n" % r for r in forced))
with open(tmp + "/obs.csv", "w") as f:
    f.write("name,time,value,mjd,visit_id\n" + "".join("%s,%r,%r,%r,%d\n" % ("abc" if k % 2 else "xyz", 100 - k, k * 1.5, 1.0 * k, k % 40 + 1)
                                                      for k in range(1, 21)))
for t in ("visit", "forced", "obs"):
    subprocess.run([BIN + "/dax-admin", "load", "--data-dir", tmp + "/data", "--schema", tmp + "/lc.yaml", "--table", "lc." + t,
                    "--csv", "%s/%s.csv" % (tmp, t)], check=True, capture_output=True)
tport, lport = free_port(), free_port()
with open(tmp + "/site.yaml", "w") as f:
    f.write("data_dir: %s/data\nschemas:\n  - {felis: %s/lc.yaml}\ntap: {port: %d}\nlinks: {port: %d}\n" % (tmp, tmp, tport, lport))
    # A descriptor manifest: results holding object_id get a light-curve service descriptor.
    f.write("""descriptors:
  - column: object_id
    name: lightcurve
    description: The light curve of this object
    access_url: "{links}/timeseries"
    params:
      - {name: id, ref: true, datatype: long, arraysize: ""}
      - {name: table, value: lc.forced}
      - {name: id_column, value: object_id}
      - {name: join_time_column, value: lc.visit.mjd}
      - {name: band, options: [all, g, r, i]}
      - {name: detail, options: [full, principal, minimal]}
""")
procs = [subprocess.Popen([BIN + "/%s-server" % s, "--config", tmp + "/site.yaml"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
         for s in ("tap", "links")]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def ask(**params):
    try:
        r = urllib.request.build_opener(NoRedirect).open("http://127.0.0.1:%d/links/timeseries?%s" % (lport, urllib.parse.urlencode(params)), timeout=30)
        return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def follow(location):
    with urllib.request.urlopen(location, timeout=60) as r:
        body = r.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parse(io.BytesIO(body)).get_first_table().to_table()


try:
    check(wait_up("http://127.0.0.1:%d/tap/availability" % tport) and wait_up("http://127.0.0.1:%d/links/availability" % lport), "servers up")
    mjd = dict(visits)
    base = dict(id="7", table="lc.forced", id_column="object_id", join_time_column="lc.visit.mjd")
    want = sorted([r for r in forced if r[1] == 7 and r[3] == "r"], key=lambda r: mjd[r[2]])
    st, hdr, _ = ask(band="r", detail="principal", **base)
    loc = hdr.get("Location", "")
    check(st == 303 and loc.startswith("http://127.0.0.1:%d/tap/sync?" % tport), "principal, band r: 303 to tap-server's sync (%d)" % st)
    t = follow(loc) if st == 303 else None
    check(t is not None and list(t.colnames) == ["object_id", "band", "flux", "mjd"], "principal columns in column_index order, then the time: %s" % (t.colnames if t else None))
    got = [(int(r["object_id"]), str(r["band"]), float(r["flux"]), float(r["mjd"])) for r in t] if t else []
    check(got == [(r[1], r[3], r[4], mjd[r[2]]) for r in want] and len(got) > 0, "exactly the object's r-band rows in time order (%d)" % len(got))
    st, hdr, _ = ask(band="all", detail="minimal", **base)
    t = follow(hdr.get("Location", "")) if st == 303 else None
    check(t is not None and list(t.colnames) == ["flux", "mjd"] and len(t) == sum(1 for r in forced if r[1] == 7),
          "minimal (Felis dax:minimal), every band: %s, %d rows" % (t.colnames if t else None, len(t) if t else -1))
    st, hdr, _ = ask(detail="full", **base)
    t = follow(hdr.get("Location", "")) if st == 303 else None
    check(t is not None and list(t.colnames)[:6] == ["forced_id", "object_id", "visit_id", "band", "flux", "flux_err"] and "mjd" in t.colnames,
          "full: every column and the time: %s" % (t.colnames if t else None))
    # Column names that are ADQL reserved words (time, value) are delimited; a joined time whose
    # name the table also has (mjd) gets its table's name in front; a repeated parameter is refused.
    st, hdr, body = ask(id="abc", table="lc.obs", id_column="name", join_time_column="time")
    t = follow(hdr.get("Location", "")) if st == 303 else None
    check(t is not None and len(t) == 10 and list(t["time"]) == sorted(t["time"]), "reserved column names (time, value): %d rows in time order"
          % (len(t) if t is not None else -1))
    st, hdr, body = ask(id="abc", table="lc.obs", id_column="name", join_time_column="lc.visit.mjd")
    t = follow(hdr.get("Location", "")) if st == 303 else None
    check(t is not None and "mjd" in t.colnames and "visit_mjd" in t.colnames, "a joined time named like a column of the table: %s"
          % (t.colnames if t is not None else body[:200]))
    st, _, body = ask(**dict(base, ID="8"))
    check(st == 400 and b"more than once" in body, "id and ID both given: 400")
    # The manifest's descriptor on a TAP result holding object_id, followed as a client would:
    # the ref'd column's value, the fixed values, the user's band and detail.
    with urllib.request.urlopen("http://127.0.0.1:%d/tap/sync?LANG=ADQL&QUERY=%s" % (tport, urllib.parse.quote(
            "SELECT TOP 5 object_id, flux FROM lc.forced WHERE object_id = 7")), timeout=60) as r:
        body = r.read()
    with open(tmp + "/described.xml", "wb") as f:
        f.write(body)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vt = parse(io.BytesIO(body))
    svc = [res for res in vt.resources if res.type == "meta" and res.name == "lightcurve"]
    inputs = {p.name: p for g in (svc[0].groups if svc else []) for p in g.entries} if svc else {}
    check(len(svc) == 1 and b'<FIELD name="object_id" ID="object_id"' in body and inputs.get("id") is not None and inputs["id"].ref == "object_id",
          "manifest descriptor on a TAP result: the lightcurve RESOURCE, id ref'ing the object_id FIELD")
    out = subprocess.run(["stilts", "votlint", "votable=" + tmp + "/described.xml"], capture_output=True, text=True).stdout
    check(not any(l.startswith(("ERROR", "WARNING")) for l in out.splitlines()), "votlint on it: %s" % out.strip()[:200])
    if svc:
        access = [p.value for p in svc[0].params if p.name == "accessURL"][0]
        q = {"id": "7", "band": "r", "detail": "principal"}
        q.update({n: p.value for n, p in inputs.items() if p.value not in (None, "") and n != "id"})
        with urllib.request.urlopen(access + "?" + urllib.parse.urlencode(q), timeout=60) as r:  # 303 followed
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lc = parse(io.BytesIO(r.read())).get_first_table().to_table()
        check(len(lc) == len(want), "following the descriptor: the object's r-band light curve (%d rows)" % len(lc))
    for params, name in [(dict(base, table="lc.nothing"), b"table"), (dict(base, id_column="object_id; DROP TABLE lc.forced"), b"id_column"),
                         (dict(base, id="7 OR 1=1"), b"integer"), (dict(base, join_time_column="lc.objects.mjd"), b"join_time_column"),
                         (dict(base, detail="everything"), b"detail"), (dict(base, band="r' OR ''='"), None), ({"id": "7"}, b"required"),
                         (dict(base, table="TAP_SCHEMA.tables", id_column="table_index", join_time_column="table_index"), None)]:
        st, hdr, body = ask(**params)
        if name is None:  # accepted: a value quoted as a literal, or a published table; the query stays one SELECT
            loc = urllib.parse.unquote(hdr.get("Location", ""))
            ok = st == 303 and ("'r'' OR ''''=''" in loc or "TAP_SCHEMA.tables" in loc)
            if ok and "'r''" in loc:  # the quoted band selects nothing
                ok = len(follow(hdr["Location"])) == 0
            check(ok, "%s: accepted safely (%s)" % (params, loc[loc.find("QUERY="):][:140]))
        else:
            check(st == 400 and name in body, "%s: 400 naming %s" % (params, name.decode()))
finally:
    stop(procs)
finish()
