"""astropy's VOTable writer on the benchmark table (same columns and values as votable_bench)."""
import os
import resource
import sys
import time

import numpy as np
from astropy.io import votable
from astropy.table import Table

rows = int(sys.argv[1])
tmp = sys.argv[2]
k = np.arange(rows, dtype=np.int64)
t = Table()
t["id"] = k
t["ra"] = 0.0036 * (k % 100000)
t["dec"] = -89.0 + 1.78e-4 * (k % 1000000)
for b, n in enumerate(["mag_u", "mag_g", "mag_r", "mag_i", "mag_z"]):
    t[n] = (14.0 + 0.001 * ((k * (b + 3)) % 9000)).astype(np.float32)
t["flags"] = (k & 0xFF).astype(np.int32)
t["name"] = np.array([f"star_{i:011d}" for i in range(rows)], dtype="S16")
for fmt in ["binary2", "tabledata"]:
    path = os.path.join(tmp, f"astropy_{fmt}.vot")
    s = time.time()
    votable.from_table(t).to_xml(path, tabledata_format=fmt)
    e = time.time() - s
    size = os.path.getsize(path) / 1e6
    print(f"{fmt:<24} {size:9.1f} MB {e:8.3f} s {size / e:8.1f} MB/s {rows / e:11.0f} rows/s  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:6.1f} MB")
