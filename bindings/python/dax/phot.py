"""Forced aperture photometry: forced(images, positions, radius=...) measures every position
on every image whose pixels it falls on.

The aperture is a circle (radius in arcsec) with exact sub-pixel overlap; the background per
pixel is the sigma-clipped median of an annulus (2 to 3 radii unless given); the flux error
comes from the image's VARIANCE HDU when it has one, else from the annulus' scatter. Flags
(bits): NEAR_EDGE, MASKED (masked or non-finite pixels in the aperture, counted as background),
SATURATED, NO_BACKGROUND.
"""
import os

import numpy as np

from ._dax import phot as _native

NEAR_EDGE = _native.NEAR_EDGE
MASKED = _native.MASKED
SATURATED = _native.SATURATED
NO_BACKGROUND = _native.NO_BACKGROUND

__all__ = ["forced", "NEAR_EDGE", "MASKED", "SATURATED", "NO_BACKGROUND"]


def forced(images, positions, radius=3.0, annulus=None, clip_sigma=3.0, hdu=-1):
    """Measures positions on images.

    images: a path or a list of paths. positions: a table or dict with ra and dec columns
    (degrees, ICRS) and an optional id column, or a sequence of (ra, dec) or (id, ra, dec).
    radius: aperture radius in arcsec; annulus: (inner, outer) arcsec (default 2 and 3 radii).
    Returns a dax.votable.Table, one row per position x image covering it: image (path), id,
    ra, dec, x, y (1-based FITS pixels), flux, flux_err, background (per pixel), area
    (pixels) and flags. Write it with dax.votable.write.
    """
    from .votable import Table

    if isinstance(images, (str, os.PathLike)):
        images = [images]
    images = [os.fspath(p) for p in images]
    if hasattr(positions, "keys") or hasattr(positions, "colnames"):
        ra = np.asarray(positions["ra"], dtype=float)
        dec = np.asarray(positions["dec"], dtype=float)
        names = positions.colnames if hasattr(positions, "colnames") else list(positions.keys())
        ids = [str(v) for v in positions["id"]] if "id" in names else [str(i) for i in range(len(ra))]
    else:
        rows = list(positions)
        if rows and len(rows[0]) == 3:
            ids = [str(r[0]) for r in rows]
            ra = np.array([float(r[1]) for r in rows])
            dec = np.array([float(r[2]) for r in rows])
        else:
            ids = [str(i) for i in range(len(rows))]
            ra = np.array([float(r[0]) for r in rows])
            dec = np.array([float(r[1]) for r in rows])
    inner, outer = annulus if annulus else (0.0, 0.0)
    img, idx, x, y, flux, err, bg, area, flags = _native._forced(images, ids, list(ra), list(dec), float(radius), float(inner),
                                                                  float(outer), float(clip_sigma), int(hdu))
    cols = [("image", np.array([images[i] for i in img], dtype=str) if len(img) else np.array([], dtype="<U1")),
            ("id", np.array([ids[i] for i in idx], dtype=str) if len(idx) else np.array([], dtype="<U1")),
            ("ra", ra[idx]), ("dec", dec[idx]), ("x", x), ("y", y), ("flux", flux), ("flux_err", err),
            ("background", bg), ("area", area), ("flags", flags)]
    units = {"ra": "deg", "dec": "deg", "x": "pixel", "y": "pixel", "area": "pixel**2"}
    fields = [{"name": n, "unit": units.get(n, "")} for n, _ in cols]
    return Table(cols, fields)
