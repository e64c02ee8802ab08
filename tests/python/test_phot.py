"""dax.phot.forced on the peers' images (plain, TAN-SIP, multi-extension with MASK/VARIANCE, RICE):
every painted source (images/sources.csv) measured at its catalogue position. For isolated,
unflagged sources with SNR > 20 the measured flux equals the injected one within 5 sigma for at
least 99% of them, on every layout, and the normalised residuals are N(0, 1)."""
import csv
import math
import os
import pathlib

import numpy as np
import pytest

import dax


@pytest.fixture(scope="module")
def peer():
    d = pathlib.Path(os.environ["DAX_PEER_DATA"])
    sources = list(csv.DictReader(open(d / "images" / "sources.csv")))
    obscore = {r["obs_id"]: r for r in csv.DictReader(open(d / "obscore.csv"))}
    return d, sources, obscore


def test_injected_fluxes_are_recovered(peer):
    d, sources, obscore = peer
    zs, per_layout = [], {}
    for path in sorted((d / "images").glob("img-*.fits*")):
        oid = path.name.split(".")[0]
        o = obscore[oid]
        src = [r for r in sources if r["obs_id"] == oid]
        scale = float(o["s_pixel_scale"])
        sigma_px = max(float(o["s_resolution"]) / 2.3548 / scale, 1.3)  # the painted PSF (gen_images.py)
        radius_px = 5 * sigma_px                                          # holds 1 - exp(-12.5) of it
        t = dax.phot.forced(path, {"id": [r["kind"] + r["id"] for r in src], "ra": [float(r["ra"]) for r in src],
                                   "dec": [float(r["dec"]) for r in src]}, radius=radius_px * scale)
        assert len(t["id"]) >= 0.95 * len(src), oid  # the positions on the image are measured
        truth = {r["kind"] + r["id"]: r for r in src}
        xy = np.array([[float(r["x"]), float(r["y"])] for r in src])
        flux = np.array([float(r["flux"]) for r in src])
        for i in range(len(t["id"])):
            r = truth[t["id"][i]]
            # the measured position is the painted one (the WCS round trip, SIP included)
            assert math.hypot(t["x"][i] - float(r["x"]), t["y"][i] - float(r["y"])) < 1e-3, (oid, t["id"][i])
            if t["flags"][i] or t["flux"][i] / t["flux_err"][i] <= 20:
                continue
            # isolated: no other painted source above 0.1% of its flux within the annulus (+ 5 PSF sigma)
            dist = np.hypot(xy[:, 0] - float(r["x"]), xy[:, 1] - float(r["y"]))
            if ((dist > 0) & (dist < 3 * radius_px + 5 * sigma_px) & (flux > 1e-3 * float(r["flux"]))).any():
                continue
            z = (t["flux"][i] - float(r["flux"])) / t["flux_err"][i]
            zs.append(z)
            per_layout.setdefault(oid, []).append(abs(z) <= 5)
    zs = np.array(zs)
    within = np.mean(np.abs(zs) <= 5)
    print("isolated SNR>20 sources: %d, within 5 sigma: %.4f, z mean %.3f std %.3f" % (len(zs), within, zs.mean(), zs.std()))
    assert len(zs) > 300 and within >= 0.99
    assert abs(zs.mean()) < 0.2 and 0.8 < zs.std() < 1.25
    assert len(per_layout) == 10 and all(np.mean(v) >= 0.95 for v in per_layout.values())


def test_exact_overlap_and_flags(peer):
    d, sources, obscore = peer
    path = sorted((d / "images").glob("img-*.fits*"))[3]  # a multi-extension file (MASK, VARIANCE)
    with pytest.raises(ValueError):
        dax.phot.forced(d / "images" / "missing.fits", [(1.0, 2.0)])
    from astropy.io import fits
    from astropy.wcs import WCS
    with fits.open(path) as h:
        sci = next(x for x in h if x.data is not None and x.data.ndim == 2)
        w = WCS(sci.header)
        ny, nx = sci.data.shape
    # A position near the edge is flagged; one off the image is left out; ids come through.
    ra_e, dec_e = w.all_pix2world([[2.0, ny / 2]], 1)[0]
    ra_c, dec_c = w.all_pix2world([[nx / 2, ny / 2]], 1)[0]
    t = dax.phot.forced([path], [("edge", ra_e, dec_e), ("centre", ra_c, dec_c), ("off", ra_c + 30, dec_c)], radius=3.0)
    assert list(t["id"]) == ["edge", "centre"]
    assert t["flags"][0] & dax.phot.NEAR_EDGE and not t["flags"][1] & dax.phot.NEAR_EDGE
    # The aperture's area is the circle's, to 1e-9, wherever its centre falls on the grid.
    scale = float(obscore[path.name.split(".")[0]]["s_pixel_scale"])
    r_px = 3.0 / scale
    assert abs(t["area"][1] - math.pi * r_px * r_px) < 1e-9 * r_px * r_px
    # Writing the result: a VOTable astropy reads.
    import io
    from astropy.io.votable import parse_single_table
    buf = io.BytesIO()
    dax.votable.write(t, buf)
    back = parse_single_table(io.BytesIO(buf.getvalue())).to_table()
    assert list(back["id"]) == ["edge", "centre"] and str(back["ra"].unit) == "deg"


def test_bad_settings_are_errors(peer):
    d, sources, obscore = peer
    path = sorted((d / "images").glob("img-*.fits*"))[0]
    s = sources[0]
    for kw in [{"clip_sigma": 0}, {"clip_sigma": -1}, {"clip_sigma": float("nan")}, {"radius": 1e5}, {"radius": 0},
               {"annulus": (1.0, 0.5)}]:
        with pytest.raises(ValueError):
            dax.phot.forced(path, [(float(s["ra"]), float(s["dec"]))], **kw)
