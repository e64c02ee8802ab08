"""libdax for Python pipelines: ADQL translation (dax.adql), VOTable/CSV/FITS tables as numpy
columns (dax.votable) and cutouts and footprints of FITS images (dax.image).

    >>> import dax
    >>> dax.adql.translate("SELECT TOP 5 * FROM t", dialect="postgres").sql
    'SELECT * FROM "t" LIMIT 5'
"""
from . import _dax
from . import votable
from . import phot
from ._dax import adql, image

__all__ = ["adql", "votable", "image", "phot"]
