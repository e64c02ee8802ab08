"""dax.image: cutouts of the peers' images (plain, SIP, multi-extension, RICE) hold exactly the
original pixels of their box, with a WCS that maps them to the same sky; footprints match
astropy's WCS corners."""
import io

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

import dax


def science(hdul):
    return next(h for h in hdul if h.data is not None and h.data.ndim == 2)


def test_cutout_holds_the_original_pixels(peer_images, tmp_path):
    assert len(peer_images) >= 5
    for path in peer_images[:5]:
        with fits.open(path) as orig:
            sci = science(orig)
            w = WCS(sci.header)
            ny, nx = sci.data.shape
            ra, dec = w.wcs_pix2world([[nx / 3, ny / 2]], 0)[0]
            data = dax.image.cutout(path, circle=(ra, dec, 0.05))
            assert data is not None and data[:9] == b"SIMPLE  =" and len(data) % 2880 == 0, path.name
            cut = science(fits.open(io.BytesIO(data)))
            box = cut.header["DAXBOX"]  # [x1:x2,y1:y2], 1-based inclusive
            (x1, x2), (y1, y2) = [tuple(map(int, a.split(":"))) for a in box.strip("[]").split(",")]
            assert np.array_equal(cut.data, sci.data[y1 - 1:y2, x1 - 1:x2]), path.name
            # The cutout's WCS puts its pixels where the original's were.
            wc = WCS(cut.header)
            sky_cut = wc.wcs_pix2world([[0, 0], [cut.data.shape[1] - 1, cut.data.shape[0] - 1]], 0)
            sky_orig = w.wcs_pix2world([[x1 - 1, y1 - 1], [x2 - 1, y2 - 1]], 0)
            assert np.allclose(sky_cut, sky_orig, atol=1e-9), path.name
    # out= writes a file; a region off the image gives None; bad arguments are ValueErrors.
    with fits.open(peer_images[0]) as h:
        sci = science(h)
        ra, dec = WCS(sci.header).wcs_pix2world([[sci.data.shape[1] / 2, sci.data.shape[0] / 2]], 0)[0]
    out = tmp_path / "c.fits"
    n = dax.image.cutout(peer_images[0], pos="CIRCLE %f %f 0.05" % (ra, dec), out=out)
    assert n == out.stat().st_size > 0
    assert dax.image.cutout(peer_images[0], circle=(ra, -dec if abs(dec) > 10 else dec + 40, 0.01)) is None
    with pytest.raises(ValueError):
        dax.image.cutout(peer_images[0], circle=(10, 95, 1))
    with pytest.raises(ValueError, match="one of"):
        dax.image.cutout(peer_images[0])
    with pytest.raises(ValueError):
        dax.image.cutout(tmp_path / "missing.fits", circle=(1, 2, 3))


def test_footprint_matches_astropy(peer_images):
    for path in peer_images[:5]:
        with fits.open(path) as h:
            sci = science(h)
            w = WCS(sci.header)
        mine = dax.image.footprint(path)
        assert len(mine) >= 4
        # Every corner astropy computes (pixel edges) is one of the footprint's vertices.
        for ra, dec in w.calc_footprint(center=False):
            d = min(np.hypot((ra - a + 180) % 360 - 180, dec - b) for a, b in mine)
            assert d < 1e-6, (path.name, ra, dec)
