#!/usr/bin/python3
"""IN_UNIT with VOUnits 1.0 (issue 13 section 3): the factor dax-adql puts into the SQL for a
column of one unit converted to another equals astropy's for the same VOUnit strings (to 1e-12
relative); incompatible and unknown units are refused naming them.
    units_test.py DAX_ADQL"""
import os, re, subprocess, sys, tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from daxtest import check, finish  # noqa: E402
import warnings
import astropy.units as u
warnings.simplefilter("ignore")

DAX_ADQL = sys.argv[1]
pairs = [("mas/yr", "rad/a"), ("mas.yr**-1", "uarcsec/d"), ("deg", "10**-3deg"), ("deg", "arcsec"), ("pc", "km"),
         ("km/s", "pc/Myr"), ("km.s**-1", "m/s"), ("Jy", "mW.m**-2.Hz**-1"), ("erg/s", "W"), ("deg**2", "sr"),
         ("arcmin**2", "deg**2"), ("nm", "Angstrom"), ("solMass", "kg"), ("AU", "m"), ("lyr", "pc"), ("keV", "J"),
         ("Hz", "s**-1"), ("m**(1/2)", "cm**(1/2)"), ("d", "h"), ("kpc", "Mpc"), ("mJy", "uJy"), ("1.5e3m", "km")]
with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
    f.write("name: u\ntables:\n  - name: t\n    columns:\n")
    for i, (a, _) in enumerate(pairs):
        f.write("      - {name: c%d, datatype: double, fits:tunit: \"%s\"}\n" % (i, a))
    schema = f.name
for i, (a, b) in enumerate(pairs):
    r = subprocess.run([DAX_ADQL, "--schema", schema, "SELECT IN_UNIT(c%d, '%s') FROM u.t" % (i, b)], capture_output=True, text=True)
    m = re.search(r'\("c%d" \* ([-0-9.e+]+)\)' % i, r.stdout)
    want = u.Unit(a, format="vounit").to(u.Unit(b, format="vounit"))
    got = float(m.group(1)) if m else None
    check(got is not None and abs(got - want) <= 1e-12 * abs(want), "%s -> %s: %s (astropy %r)" % (a, b, got if got is not None else r.stderr.strip(), want))
for a, b, why in [("mas/yr", "km/s", "cannot convert mas/yr (angular speed) to km/s (speed)"), ("deg", "mag", "logarithmic"),
                  ("deg", "furlong", "unknown unit 'furlong'")]:
    i = [p[0] for p in pairs].index(a)
    r = subprocess.run([DAX_ADQL, "--schema", schema, "SELECT IN_UNIT(c%d, '%s') FROM u.t" % (i, b)], capture_output=True, text=True)
    check(r.returncode == 1 and why in r.stderr and "line 1, column 8" in r.stderr, "%s -> %s refused: %s" % (a, b, r.stderr.strip()))
finish()
