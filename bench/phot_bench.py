#!/usr/bin/python3
"""Forced photometry throughput (issue 14 section 2): 10,000 positions on the peers' 50 images
(plain, TAN-SIP, multi-extension with MASK and VARIANCE, RICE-compressed), through
dax.phot.forced (the library, one call for all images). The positions are the painted sources
of sources.csv, then random points inside the images' footprints, up to 10,000. Prints
positions x images per second (every pair considered) and measurements per second (pairs whose
aperture centre is on the image), per image layout too. Never fails on time.
    PYTHONPATH=build/python bench/phot_bench.py [PEER_IMAGE_DIR] [POSITIONS]
Without a directory the images are generated into a temporary one (about a minute)."""
import csv
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import dax

here = os.path.dirname(os.path.abspath(__file__))
want = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
if len(sys.argv) > 1 and sys.argv[1] != "-":
    images_dir = sys.argv[1]
else:
    tmp = tempfile.mkdtemp()
    gen = os.path.join(here, "..", "tests", "image", "peer_data")
    subprocess.run(["/usr/bin/python3", gen + "/gen_data.py", "--outdir", tmp], check=True, stdout=subprocess.DEVNULL)
    t0 = time.perf_counter()
    subprocess.run(["/usr/bin/python3", gen + "/gen_images.py", "--datadir", tmp, "--outdir", tmp + "/images", "--count", "50"],
                   check=True, stdout=subprocess.DEVNULL)
    print("generated 50 peer images in %.0f s" % (time.perf_counter() - t0))
    images_dir = tmp + "/images"

manifest = list(csv.DictReader(open(os.path.join(images_dir, "manifest.csv"))))
paths = [os.path.join(images_dir, m["file"]) for m in manifest]
layout = {os.path.join(images_dir, m["file"]): m["layout"] + ("+sip" if m["sip"] in ("1", "True", "true") else "") for m in manifest}
sources = list(csv.DictReader(open(os.path.join(images_dir, "sources.csv"))))
ra = [float(s["ra"]) for s in sources][:want]
dec = [float(s["dec"]) for s in sources][:want]
rng = np.random.default_rng(14)
footprints = [dax.image.footprint(p) for p in paths]
while len(ra) < want:  # random points in a random image's footprint (its vertices' bounding box)
    fp = footprints[rng.integers(len(footprints))]
    pts = np.asarray(fp, dtype=float).reshape(-1, 2)
    r = rng.uniform(pts[:, 0].min(), pts[:, 0].max()) if np.ptp(pts[:, 0]) < 180 else rng.uniform(0, 360)
    d = rng.uniform(pts[:, 1].min(), pts[:, 1].max())
    ra.append(r % 360)
    dec.append(d)
positions = {"id": [str(i) for i in range(len(ra))], "ra": np.array(ra), "dec": np.array(dec)}
print("%d positions (%d painted sources), %d images (%s)" % (len(ra), min(len(sources), want), len(paths),
      ", ".join("%s %d" % (k, list(layout.values()).count(k)) for k in sorted(set(layout.values())))))

best = None
for _ in range(3):
    t0 = time.perf_counter()
    rows = dax.phot.forced(paths, positions, radius=3.0)
    s = time.perf_counter() - t0
    best = s if best is None or s < best else best
n = len(rows["id"])
pairs = len(ra) * len(paths)
print("dax.phot.forced: %d positions x %d images = %d pairs, %d measurements, best of 3 %.2f s" % (len(ra), len(paths), pairs, n, best))
print("  %.0f positions x images per second, %.0f measurements per second" % (pairs / best, n / best))
per = {}
for p in paths:  # one layout at a time (each image alone)
    t0 = time.perf_counter()
    r = dax.phot.forced(p, positions, radius=3.0)
    per.setdefault(layout[p], [0.0, 0, 0])
    per[layout[p]][0] += time.perf_counter() - t0
    per[layout[p]][1] += len(r["id"])
    per[layout[p]][2] += 1
for k, (s, m, c) in sorted(per.items()):
    print("  %-10s %2d images: %.3f s per image (%d positions each), %.0f measurements per second" % (k, c, s / c, len(ra), m / s if s else 0))
