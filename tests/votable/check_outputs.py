#!/usr/bin/python3
"""Checks the sample outputs written by write_samples with astropy (Debian python3-astropy):
every VOTable parses with verify='exception' (W06, astropy 5.2's outdated UCD list, is let
through; UCDs are checked by votlint), statuses are where DALI puts them, values read back;
CSV/TSV parse with the csv module; FITS opens with the right types, units and nulls."""
import csv
import math
import sys
import warnings

import numpy as np
from astropy.io import fits
from astropy.io.votable import parse
from astropy.io.votable.exceptions import W06
import astropy.units

d = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def read(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", W06)
        warnings.simplefilter("ignore", astropy.units.UnitsWarning)  # 'ct' is deprecated in VOUnit
        return parse(f"{d}/{name}", verify="exception")


def statuses(vot):
    res = vot.resources[0]
    return [i.value for i in res.infos if i.name == "QUERY_STATUS"]


for name in ["votable_td.vot", "votable_b.vot", "votable_b2.vot"]:
    vot = read(name)
    t = vot.get_first_table().array
    check(len(t) == 12, f"{name}: 12 rows, got {len(t)}")
    check(statuses(vot) == ["OK"], f"{name}: QUERY_STATUS OK only, got {statuses(vot)}")
    check(t["l"][1] == (1 << 40) + 1, f"{name}: long value")
    check(t["str"][3] == 'row 3 <&> "quoted", with comma', f"{name}: escaped string {t['str'][3]!r}")
    check(t["ustr"][1] == "\u00e9t\u00e9 \u03b1", f"{name}: unicode string {t['ustr'][1]!r}")
    check(abs(t["d"][5] - 0.5) < 1e-9, f"{name}: double value")
    check(math.isinf(t["fl"][2]), f"{name}: +Inf")
    check(bool(np.ma.getmaskarray(t["i"])[4]), f"{name}: null int is masked")
    check(bool(np.ma.getmaskarray(t["d"])[4]) or math.isnan(t["d"][4]), f"{name}: null double")
    check(list(t["iarr"][2]) == [2, -2, 4], f"{name}: int array {list(t['iarr'][2])}")
    check(list(t["pos"][3]) == [13.0, -18.5], f"{name}: point")
    check(t["dcarr"][1][1] == complex(3, -4), f"{name}: complex array {t['dcarr'][1]}")
    check(list(t["grid"][1].flatten()) == [10, 11, 12, 13, 14, 15], f"{name}: 2-D array")
    check(vot.get_first_table().get_field_by_id("col_l").name == "l", f"{name}: FIELD ID")
    f = vot.get_first_table().fields
    check(f[12].links[0].href == "https://example.org/doc?x=1&y=2", f"{name}: LINK href")
    check(len(vot.resources) == 2 and vot.resources[1].type == "meta", f"{name}: service descriptor resource")
    infos = {i.name: i.value for i in vot.resources[0].infos}
    check(infos.get("QUERY", "").startswith("SELECT * FROM demo.samples\nWHERE"), f"{name}: INFO QUERY {infos.get('QUERY')!r}")
    check("REQUEST_DATE" in infos, f"{name}: INFO REQUEST_DATE")

for name in ["overflow_b2.vot", "overflow_td.vot"]:
    vot = read(name)
    check(len(vot.get_first_table().array) == 5, f"{name}: 5 rows")
    check(statuses(vot) == ["OK", "OVERFLOW"], f"{name}: OK then OVERFLOW, got {statuses(vot)}")

for name in ["aborted_td.vot", "aborted_b2.vot"]:
    vot = read(name)
    check(len(vot.get_first_table().array) == 3, f"{name}: the 3 rows sent before the error")
    check(statuses(vot) == ["OK", "ERROR"], f"{name}: OK then ERROR, got {statuses(vot)}")
    err = [i for i in vot.resources[0].infos if i.value == "ERROR"][0]
    check("connection <lost>" in err.content, f"{name}: error message {err.content!r}")

vot = read("empty_td.vot")
check(len(vot.get_first_table().array) == 0, "empty_td.vot: no rows")

vot = read("error.vot")
check(statuses(vot) == ["ERROR"], "error.vot: QUERY_STATUS ERROR")

with open(f"{d}/table.csv", newline="") as fh:
    rows = list(csv.reader(fh))
check(len(rows) == 13 and rows[0][0] == "b" and len(rows[0]) == 28, "table.csv: header and 12 rows")
check(rows[4][7] == 'row 3 <&> "quoted", with comma', f"table.csv: quoted field {rows[4][7]!r}")
check(rows[5][4] == "", "table.csv: null is an empty field")
with open(f"{d}/table.tsv", newline="") as fh:
    rows = [line.rstrip("\n").split("\t") for line in fh]
check(len(rows) == 13 and all(len(r) == 28 for r in rows), "table.tsv: 28 columns on every line")

with fits.open(f"{d}/table.fits") as hdul:
    h = hdul[1].header
    t = hdul[1].data
    check(len(t) == 12, f"table.fits: 12 rows, got {len(t)}")
    check(h["TUNIT5"] == "ct" and h["TUCD5"] == "phot.count", "table.fits: TUNIT/TUCD")
    check(h["TCOMM5"].startswith("an integer"), "table.fits: TCOMM")
    check(h["QSTATUS"] == "OK", "table.fits: QSTATUS")
    check(t["l"][1] == (1 << 40) + 1 and t["l"].dtype.kind == "i", "table.fits: long column")
    check(t["d"].dtype == np.dtype(">f8") and abs(t["d"][5] - 0.5) < 1e-9, "table.fits: double column")
    check(t["fl"].dtype == np.dtype(">f4"), "table.fits: float column")
    check(t["i"][4] == -1 and h["TNULL5"] == -1, "table.fits: integer null via TNULL")
    check(math.isnan(t["d"][4]), "table.fits: double null as NaN")
    check(t["str"][3] == 'row 3 <&> "quoted", with comma', f"table.fits: variable string {t['str'][3]!r}")
    check(t["ustr"][1] == "?t? ?", f"table.fits: non-ASCII becomes '?' {t['ustr'][1]!r}")
    check(h["TFORM8"] == "30A", f"table.fits: variable strings rewritten fixed-width {h['TFORM8']}")
    check(list(t["iarr"][2]) == [2, -2, 4], "table.fits: fixed array")
    check(list(t["darr"][3]) == [7.5, 7.5, 7.5], f"table.fits: variable array {list(t['darr'][3])}")
    check(t["dc"][1] == complex(0.5, 0.5), f"table.fits: complex {t['dc'][1]}")
    check(list(t["grid"][1].flatten()) == [10, 11, 12, 13, 14, 15], "table.fits: 2-D array with TDIM")
    check(bool(t["b"][0]) and not bool(t["b"][1]), "table.fits: logical column")

print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
