#!/usr/bin/python3
"""sia-server end to end (SIA 2.0): results equal a brute-force selection over every ObsCore
row for POS (CIRCLE, RANGE, POLYGON, across RA 0/360 and around a pole), BAND, TIME and the
other parameters; errors name their parameter; MAXREC and the self-description; STILTS
votlint on a response; pyvo 1.2's SIA2 client.
    sia_test.py BIN_DIR [postgres]
With "postgres" (under tests/exec/with_servers.sh, which sets DAX_TEST_PG) the demo ObsCore lives
on PostgreSQL+pgSphere (s_region an spoly with a GiST index); the checks are the same."""
import csv, io, math, os, socket, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish, free_port, stop  # noqa: E402

BIN = sys.argv[1]
MODE = sys.argv[2] if len(sys.argv) > 2 else "sqlite"




def get(url, params):
    q = urllib.parse.urlencode(params, doseq=True)
    try:
        with urllib.request.urlopen(url + "?" + q, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# ---- spherical geometry for the brute force: shapes as point tests plus boundary samples ----
def vec(lon, lat):
    lo, la = math.radians(lon), math.radians(lat)
    return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))


def ang(a, b):
    d = sum(x * y for x, y in zip(a, b))
    c = (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
    return math.degrees(math.atan2(math.sqrt(sum(x * x for x in c)), d))


def arc(a, b, n=120):  # points along the great-circle arc a-b (lon/lat pairs)
    va, vb = vec(*a), vec(*b)
    w = math.radians(ang(va, vb))
    out = []
    for k in range(n + 1):
        t = k / n
        if w < 1e-12:
            p = va
        else:
            s1, s2 = math.sin((1 - t) * w) / math.sin(w), math.sin(t * w) / math.sin(w)
            p = tuple(s1 * x + s2 * y for x, y in zip(va, vb))
        out.append((math.degrees(math.atan2(p[1], p[0])) % 360, math.degrees(math.asin(max(-1, min(1, p[2]))))))
    return out


class Polygon:
    def __init__(self, v):
        self.v = v
        c = [sum(vec(*p)[i] for p in v) for i in range(3)]
        n = math.sqrt(sum(x * x for x in c))
        self.c = tuple(x / n for x in c)

    def project(self, p):  # gnomonic about the centroid: great circles are straight lines
        x = vec(*p)
        d = sum(a * b for a, b in zip(x, self.c))
        if d <= 0:
            return None
        e = (-self.c[1], self.c[0], 0.0) if abs(self.c[2]) < 0.99 else (1.0, 0.0, 0.0)
        ne = math.sqrt(sum(a * a for a in e))
        e = tuple(a / ne for a in e)
        f = (self.c[1] * e[2] - self.c[2] * e[1], self.c[2] * e[0] - self.c[0] * e[2], self.c[0] * e[1] - self.c[1] * e[0])
        return (sum(a * b for a, b in zip(x, e)) / d, sum(a * b for a, b in zip(x, f)) / d)

    def contains(self, p):
        q = self.project(p)
        if q is None:
            return False
        pts = [self.project(v) for v in self.v]
        inside = False
        for i in range(len(pts)):
            (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % len(pts)]
            if (y1 > q[1]) != (y2 > q[1]) and q[0] < x1 + (q[1] - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside

    def boundary(self):
        out = []
        for i in range(len(self.v)):
            out += arc(self.v[i], self.v[(i + 1) % len(self.v)])
        return out


class Circle:
    def __init__(self, lon, lat, r):
        self.c, self.r, self.ll = vec(lon, lat), r, (lon, lat)

    def contains(self, p):
        return ang(self.c, vec(*p)) <= self.r

    def boundary(self):
        # points on the circle: rotate a point at distance r around the centre
        lon, lat = self.ll
        out = []
        for k in range(360):
            b = math.radians(k)
            la = math.asin(math.sin(math.radians(lat)) * math.cos(math.radians(self.r)) +
                           math.cos(math.radians(lat)) * math.sin(math.radians(self.r)) * math.cos(b))
            lo = math.radians(lon) + math.atan2(math.sin(b) * math.sin(math.radians(self.r)) * math.cos(math.radians(lat)),
                                                math.cos(math.radians(self.r)) - math.sin(math.radians(lat)) * math.sin(la))
            out.append((math.degrees(lo) % 360, math.degrees(la)))
        return out


class Range:  # lon/lat box, edges along meridians and parallels
    def __init__(self, lon1, lon2, lat1, lat2):
        self.b = (lon1, lon2, max(lat1, -90), min(lat2, 90))

    def contains(self, p):
        lon1, lon2, lat1, lat2 = self.b
        if not (lat1 <= p[1] <= lat2):
            return False
        if lon2 - lon1 >= 360:
            return True
        return (p[0] - lon1) % 360 <= lon2 - lon1

    def boundary(self):
        lon1, lon2, lat1, lat2 = self.b
        if lon2 - lon1 >= 360:
            lon1, lon2 = 0, 360
        n = 400
        out = [(lon1 + (lon2 - lon1) * k / n, lat) for k in range(n + 1) for lat in (lat1, lat2)]
        out += [(lon, lat1 + (lat2 - lat1) * k / n) for k in range(n + 1) for lon in (lon1, lon2)]
        return [(a % 360, b) for a, b in out]


def cap(shape):  # a bounding cap (centre, radius): shapes whose caps are apart cannot meet
    if not hasattr(shape, "_cap"):
        pts = [vec(*p) for p in shape.boundary()]
        c = [sum(p[i] for p in pts) for i in range(3)]
        n = math.sqrt(sum(x * x for x in c)) or 1.0
        c = tuple(x / n for x in c)
        shape._cap = (c, max(ang(c, p) for p in pts)) if n > 1e-6 * len(pts) else (c, 180.0)
    return shape._cap


def intersects(a, b):
    (ca, ra), (cb, rb) = cap(a), cap(b)
    if ra < 90 and rb < 90 and ang(ca, cb) > ra + rb + 0.01:
        return False
    return any(b.contains(p) for p in a.boundary()) or any(a.contains(p) for p in b.boundary())


def region_of(row):
    n = [float(x) for x in row["s_region"].split()[2:]]
    return Polygon(list(zip(n[0::2], n[1::2])))


# ---- the server ----
tmp = tempfile.mkdtemp()
port = free_port()
args = [BIN + "/sia-server", "--port", str(port), "--data-dir", tmp]
if MODE == "postgres":
    with open(os.path.join(tmp, "pg.yaml"), "w") as f:
        f.write("data_dir: %s\nbackends:\n  pg: {type: postgres, conninfo: \"%s\"}\ndemo_backend: pg\n" % (tmp, os.environ["DAX_TEST_PG"]))
    args += ["--config", os.path.join(tmp, "pg.yaml")]
print("backend:", MODE)
server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
# A tap-server started at the same moment on the same fresh data directory (SQLite): one waits
# while the other creates the demo tables and images, neither fails with "database is locked".
tap = None
if MODE == "sqlite":
    tap_port = free_port()
    tap = subprocess.Popen([BIN + "/tap-server", "--port", str(tap_port), "--data-dir", tmp],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
URL = "http://127.0.0.1:%d/sia" % port
try:
    for _ in range(300):
        try:
            urllib.request.urlopen(URL + "/availability", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    if tap:
        st, body = 0, ""
        for _ in range(300):
            try:
                st, body = get("http://127.0.0.1:%d/tap/sync" % tap_port,
                               {"LANG": "ADQL", "FORMAT": "csv", "QUERY": "SELECT COUNT(*) AS n FROM ivoa.ObsCore"})
                break
            except Exception:
                if tap.poll() is not None:
                    break
                time.sleep(0.1)
        check(st == 200 and body.split() == ["n", "1020"],
              "tap-server started beside sia-server on one data directory serves the 1,020 ObsCore rows (%s %s)" %
              (st, body.split() if st else tap.stdout.read()[-300:] if tap.poll() is not None else "no answer"))

    st, body = get(URL + "/query", {"MAXREC": 100000, "RESPONSEFORMAT": "csv"})
    rows = list(csv.DictReader(io.StringIO(body)))
    demo = [r for r in rows if r["obs_collection"] == "DEMO-IMAGES"]
    check(st == 200 and len(rows) == 1020 and len(demo) == 20,
          "all %d ObsCore rows with no constraint (1,000 synthetic, %d demo images)" % (len(rows), len(demo)))
    regions = {r["obs_id"]: region_of(r) for r in rows}

    def ids(params):
        st, body = get(URL + "/query", dict(params, RESPONSEFORMAT="csv", MAXREC=100000))
        if st != 200:
            return None
        return sorted(r["obs_id"] for r in csv.DictReader(io.StringIO(body)))

    def num(r, k):
        return float(r[k]) if r[k] != "" else None

    cases = [
        ({"POS": "CIRCLE 10 7 0.1"}, lambda r: intersects(Circle(10, 7, 0.1), regions[r["obs_id"]])),
        ({"POS": "CIRCLE 0.2 -3 2.5"}, lambda r: intersects(Circle(0.2, -3, 2.5), regions[r["obs_id"]])),  # across RA 0/360
        ({"POS": "CIRCLE 359.5 20 4"}, lambda r: intersects(Circle(359.5, 20, 4), regions[r["obs_id"]])),
        ({"POS": "CIRCLE 0 88 12"}, lambda r: intersects(Circle(0, 88, 12), regions[r["obs_id"]])),  # around the pole
        ({"POS": "RANGE 355 5 -10 10"}, lambda r: intersects(Range(355, 365, -10, 10), regions[r["obs_id"]])),
        ({"POS": "RANGE 0 360 76 +Inf"}, lambda r: intersects(Range(0, 360, 76, 90), regions[r["obs_id"]])),
        ({"POS": "RANGE -Inf +Inf -Inf -77"}, lambda r: intersects(Range(0, 360, -90, -77), regions[r["obs_id"]])),
        ({"POS": "RANGE 100 130 -5 15"}, lambda r: intersects(Range(100, 130, -5, 15), regions[r["obs_id"]])),
        # Partial longitude up to a pole, and a polar cap wider than a hemisphere's quarter.
        ({"POS": "RANGE 0 90 70 +Inf"}, lambda r: intersects(Range(0, 90, 70, 90), regions[r["obs_id"]])),
        ({"POS": "RANGE 180 270 -Inf -70"}, lambda r: intersects(Range(180, 270, -90, -70), regions[r["obs_id"]])),
        ({"POS": "RANGE 0 360 -30 +Inf"}, lambda r: intersects(Range(0, 360, -30, 90), regions[r["obs_id"]])),
        # The demo images: TAN-SIP across RA 0/360, near the north pole, rotated.
        ({"POS": "CIRCLE 359.2 -29.2 0.3"}, lambda r: intersects(Circle(359.2, -29.2, 0.3), regions[r["obs_id"]])),
        ({"POS": "POLYGON 0.3 -30.6 0.5 -30.6 0.5 -30.4"}, lambda r: intersects(Polygon([(0.3, -30.6), (0.5, -30.6), (0.5, -30.4)]), regions[r["obs_id"]])),
        ({"POS": "RANGE 0 360 89.2 +Inf"}, lambda r: intersects(Range(0, 360, 89.2, 90), regions[r["obs_id"]])),
        ({"COLLECTION": "DEMO-IMAGES", "POS": "CIRCLE 75 10 1.3"}, lambda r: r["obs_collection"] == "DEMO-IMAGES" and intersects(Circle(75, 10, 1.3), regions[r["obs_id"]])),
        ({"POS": "POLYGON 40 10 50 10 50 20 40 20"}, lambda r: intersects(Polygon([(40, 10), (50, 10), (50, 20), (40, 20)]), regions[r["obs_id"]])),
        ({"POS": ["CIRCLE 10 7 0.1", "CIRCLE 200 -30 3"]},
         lambda r: intersects(Circle(10, 7, 0.1), regions[r["obs_id"]]) or intersects(Circle(200, -30, 3), regions[r["obs_id"]])),
        ({"BAND": "5e-7 6e-7"}, lambda r: num(r, "em_min") <= 6e-7 and num(r, "em_max") >= 5e-7),
        ({"BAND": "5.5e-7"}, lambda r: num(r, "em_min") <= 5.5e-7 <= num(r, "em_max")),  # a scalar; touching bounds count
        ({"BAND": "-Inf 4e-7"}, lambda r: num(r, "em_min") <= 4e-7),
        ({"TIME": "59800 59900"}, lambda r: num(r, "t_min") <= 59900 and num(r, "t_max") >= 59800),
        ({"TIME": "2022-06-01T00:00:00 2022-09-01"}, lambda r: num(r, "t_min") <= 59823 and num(r, "t_max") >= 59731),
        ({"EXPTIME": "100 200"}, lambda r: 100 <= num(r, "t_exptime") <= 200),
        ({"FOV": "1 +Inf"}, lambda r: num(r, "s_fov") >= 1),
        ({"SPATRES": "-Inf 1.0"}, lambda r: num(r, "s_resolution") <= 1.0),
        ({"CALIB": ["1", "3"]}, lambda r: r["calib_level"] in ("1", "3")),
        ({"TARGET": "field-0042"}, lambda r: r["target_name"] == "field-0042"),
        ({"TARGET": "O'Brien"}, lambda r: False),
        ({"ID": "IVO://LIBDAX.TEST/DEMO/IMAGES?IMG-000007"}, lambda r: r["obs_id"] == "img-000007"),
        ({"COLLECTION": "DEMO-SYNTH", "INSTRUMENT": "SynthCam", "FACILITY": "Demo Observatory", "DPTYPE": "image",
          "FORMAT": "image/fits", "POS": "CIRCLE 120 0 5"},
         lambda r: intersects(Circle(120, 0, 5), regions[r["obs_id"]])),
        ({"POL": "I"}, lambda r: False),  # no row has polarization states
        ({"TIMERES": "0 +Inf"}, lambda r: num(r, "t_resolution") is not None and num(r, "t_resolution") >= 0),
        ({"POS": "CIRCLE 10 7 3", "BAND": "3e-7 4.5e-7", "TIME": "59500 +Inf"},
         lambda r: intersects(Circle(10, 7, 3), regions[r["obs_id"]]) and num(r, "em_min") <= 4.5e-7 and num(r, "em_max") >= 3e-7 and num(r, "t_max") >= 59500),
    ]
    for params, pred in cases:
        want = sorted(r["obs_id"] for r in rows if pred(r))
        got = ids(params)
        check(got == want, "%s: %s rows (brute force %d)" % (params, None if got is None else len(got), len(want)))

    # Errors: DALI error documents with status 400 that name the parameter.
    for params, word in [({"POS": "CIRCLE 10 7"}, "POS"), ({"POS": "SQUARE 1 2 3"}, "POS"), ({"BAND": "6 5"}, "BAND"),
                         ({"CALIB": "two"}, "CALIB"), ({"POL": "X"}, "POL"), ({"TIME": "yesterday"}, "TIME"),
                         ({"MAXREC": "-1"}, "MAXREC"), ({"RESPONSEFORMAT": "image/png"}, "RESPONSEFORMAT"),
                         ({"FOV": "NaN 3"}, "FOV"), ({"POS": "CIRCLE 10 100 1"}, "POS"), ({"EXPTIME": "+Inf +Inf"}, "EXPTIME"),
                         ({"FOV": "-Inf"}, "FOV")]:
        st, body = get(URL + "/query", params)
        check(st == 400 and 'QUERY_STATUS" value="ERROR"' in body and word in body, "%s: 400 naming %s" % (params, word))

    st, body = get(URL + "/query", {"MAXREC": 0})
    check(st == 200 and "<TR>" not in body and 'value="OK"' in body and 'name="this"' in body and
          "ivo://ivoa.net/std/SIA#query-2.0" in body and 'name="inputParams"' in body,
          "MAXREC=0: no rows, status OK, the self-description")
    st, body = get(URL + "/query", {"MAXREC": 2, "RESPONSEFORMAT": "votable/td"})
    check(st == 200 and body.count("<TR>") == 2 and 'value="OVERFLOW"' in body, "MAXREC=2: two rows and OVERFLOW")
    st, body = get(URL + "/capabilities", {})
    check(st == 200 and 'standardID="ivo://ivoa.net/std/SIA#query-2.0"' in body, "capabilities list SIA#query-2.0")

    # STILTS votlint on a response with rows and the self-description.
    st, body = get(URL + "/query", {"POS": "CIRCLE 10 7 3", "RESPONSEFORMAT": "votable/td"})
    path = os.path.join(tmp, "sia.vot")
    open(path, "w").write(body)
    lint = subprocess.run(["stilts", "votlint", "votable=" + path], capture_output=True, text=True)
    out = (lint.stdout + lint.stderr).strip()
    check(lint.returncode == 0 and not any(w in out for w in ("ERROR", "WARNING")), "votlint: %s" % (out or "no messages"))

    # pyvo 1.2's SIA2 client.
    import pyvo
    from astropy import units as u
    svc = pyvo.dal.sia2.SIAService(URL)
    res = svc.search(pos=(10 * u.deg, 7 * u.deg, 0.1 * u.deg))
    got = sorted(str(r["obs_id"]) for r in res)
    check(got == ids({"POS": "CIRCLE 10 7 0.1"}) and len(got) == 4, "pyvo SIAService: pos=(10, 7, 0.1) -> %s" % got)
    res = svc.search(pos=(10 * u.deg, 7 * u.deg, 3 * u.deg), band=(3e-7, 4.5e-7), calib_level=[2, 3], maxrec=5)
    check(len(res) <= 5 and all(r["calib_level"] in (2, 3) for r in res), "pyvo SIAService with band, calib_level, maxrec: %d rows" % len(res))
finally:
    stop([server, tap])
finish()
