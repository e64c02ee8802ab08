#!/usr/bin/python3
"""Frames of the coordinate-system argument (issue 13 section 3): constant POINTs in GALACTIC,
FK4, FK5 and ECLIPTIC translated by dax-adql land where astropy's SkyCoord puts them in ICRS, to
1e-9 degrees, over 300 random positions per frame (poles and RA 0/360 included), with REGION's
STC-S frames and a BOX in GALACTIC (its corners) too.
    frames_test.py DAX_ADQL"""
import math, os, random, re, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish  # noqa: E402
from astropy.coordinates import SkyCoord, BarycentricMeanEcliptic, FK4, FK5, Galactic
import astropy.units as u
import numpy as np

DAX_ADQL = sys.argv[1]
rng = random.Random(13)
frames = {"GALACTIC": Galactic(), "FK4": FK4(), "FK5": FK5(), "ECLIPTIC": BarycentricMeanEcliptic()}


def translate(adql):
    r = subprocess.run([DAX_ADQL, "--dialect", "sqlite", adql], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr)
    return r.stdout


def separation_deg(a, b):
    (l1, b1), (l2, b2) = [(math.radians(x), math.radians(y)) for x, y in (a, b)]
    v = [math.cos(b1) * math.cos(l1), math.cos(b1) * math.sin(l1), math.sin(b1)]
    w = [math.cos(b2) * math.cos(l2), math.cos(b2) * math.sin(l2), math.sin(b2)]
    c = [v[1] * w[2] - v[2] * w[1], v[2] * w[0] - v[0] * w[2], v[0] * w[1] - v[1] * w[0]]
    return math.degrees(math.atan2(math.sqrt(sum(x * x for x in c)), sum(x * y for x, y in zip(v, w))))


positions = [(0.0, 90.0), (0.0, -90.0), (359.9999, 0.0), (0.0, 0.0), (180.0, 45.0)]
positions += [(rng.uniform(0, 360), math.degrees(math.asin(rng.uniform(-1, 1)))) for _ in range(295)]
for name, frame in frames.items():
    sql = translate("SELECT " + ", ".join("POINT('%s', %r, %r)" % (name, l, b) for l, b in positions) + " FROM t")
    got = [(float(x), float(y)) for x, y in re.findall(r"dax_point\(([-0-9.e]+), ([-0-9.e]+)\)", sql)]
    sky = SkyCoord([p[0] for p in positions] * u.deg, [p[1] for p in positions] * u.deg, frame=frame).icrs
    want = list(zip(sky.ra.deg, sky.dec.deg))
    worst = max(separation_deg(g, w) for g, w in zip(got, want)) if len(got) == len(want) else float("inf")
    check(len(got) == len(positions) and worst < 1e-9, "%s -> ICRS: %d positions, worst difference from astropy %.2e deg" % (name, len(got), worst))

# REGION's STC-S frame words mean the same frames.
sql = translate("SELECT id FROM t WHERE CONTAINS(POINT(ra, dec), REGION('Circle FK4 B1950 45 -30 1')) = 1")
x, y, r = map(float, re.search(r"dax_pt_in_circle\(\"ra\", \"dec\", ([-0-9.e]+), ([-0-9.e]+), ([-0-9.e]+)\)", sql).groups())
c = SkyCoord(45 * u.deg, -30 * u.deg, frame=FK4()).icrs
check(separation_deg((x, y), (c.ra.deg, c.dec.deg)) < 1e-9 and abs(r - 1) < 1e-5, "REGION('Circle FK4 B1950 ...'): centre as astropy's, radius %.9f" % r)
# The FK4 circle, as ICRS, holds every converted point of its edge.
edge = SkyCoord(45 * u.deg, -30 * u.deg, frame=FK4()).directional_offset_by(np.linspace(0, 360, 360) * u.deg, 1 * u.deg)
far = max(separation_deg((x, y), (p.ra.deg, p.dec.deg)) for p in edge.icrs)
check(far <= r + 1e-9, "the FK4 circle's converted edge lies inside the ICRS circle (farthest %.9f, radius %.9f)" % (far, r))
# A GALACTIC BOX is the polygon of its corners, each converted.
sql = translate("SELECT id FROM t WHERE CONTAINS(POINT(ra, dec), BOX('GALACTIC', 120, 30, 2, 1)) = 1")
nums = list(map(float, re.search(r"dax_pt_in_polygon\(\"ra\", \"dec\", ([^)]*)\)", sql).group(1).split(", ")))
# The corners of a BOX (ADQL 2.1 section 4.2.4), computed here on the tangent plane at its
# centre, in GALACTIC; then astropy converts each.
half_w, half_h = math.radians(1), math.radians(0.5)
xi = [-math.tan(half_w), math.tan(half_w), math.tan(half_w), -math.tan(half_w)]
eta = [-math.tan(half_h), -math.tan(half_h), math.tan(half_h), math.tan(half_h)]
l0, b0 = math.radians(120), math.radians(30)
gal = []
for X, Y in zip(xi, eta):
    d = math.cos(b0) - Y * math.sin(b0)
    gal.append((math.degrees(l0 + math.atan2(X, d)) % 360, math.degrees(math.atan2(math.sin(b0) + Y * math.cos(b0), math.hypot(X, d)))))
want = SkyCoord([g[0] for g in gal] * u.deg, [g[1] for g in gal] * u.deg, frame=Galactic()).icrs
got = list(zip(nums[0::2], nums[1::2]))
match = all(min(separation_deg(g, (w.ra.deg, w.dec.deg)) for g in got) < 1e-9 for w in want)
check(len(got) == 4 and match, "BOX('GALACTIC', ...): its 4 tangent-plane corners, each as astropy converts it")
finish()
