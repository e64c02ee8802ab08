"""VOTable tables as numpy columns: read() and write().

read() gives a Table: a dict of column name -> numpy array (a numpy.ma.MaskedArray where the
column holds nulls; strings as str arrays; array cells as object arrays of numpy arrays), with
the FIELD metadata in .fields and the INFO elements in .infos; .to_astropy() makes an
astropy.table.Table with units and descriptions. write() takes a dict of arrays (masked arrays
give nulls), an astropy Table, or a Table from read().
"""
import os

import numpy as np

from ._dax import votable as _native

__all__ = ["Table", "read", "write", "FORMATS"]

FORMATS = ("votable", "votable/b2", "votable/b", "votable/td", "csv", "tsv", "fits")


class Table(dict):
    """Columns by name (insertion order is the FIELD order), plus .fields and .infos."""

    def __init__(self, columns=(), fields=(), infos=()):
        super().__init__(columns)
        self.fields = list(fields)
        self.infos = list(infos)

    def __len__(self):
        return 0 if not dict.__len__(self) else len(next(iter(self.values())))

    @property
    def colnames(self):
        return list(self.keys())

    def to_astropy(self):
        """An astropy.table.Table of the columns, with units, UCDs and descriptions."""
        from astropy.table import Table as AstropyTable
        import astropy.units as u

        t = AstropyTable()
        meta = {f["name"]: f for f in self.fields}
        for name in self.keys():
            f = dict(meta.get(name, {}), name=name)
            col = self[name]
            unit = None
            if f.get("unit"):
                try:
                    unit = u.Unit(f["unit"], format="vounit", parse_strict="silent")
                except ValueError:
                    unit = None
            t[f["name"]] = col
            c = t[f["name"]]
            if unit is not None:
                c.unit = unit
            if f.get("description"):
                c.description = f["description"]
            if f.get("ucd"):
                c.meta["ucd"] = f["ucd"]
        return t


def read(source):
    """The first table of a VOTable (TABLEDATA, BINARY or BINARY2) as a Table.

    source: a path (str or os.PathLike; read through mmap, not copied) or bytes-like.
    Raises ValueError naming what is wrong with a malformed document.
    """
    names, arrays, masks, fields, infos = _native._read(source)
    cols, seen = [], set()
    for f, name, data, mask in zip(fields, names, arrays, masks):
        # FIELD names need not be unique (IDs must): a repeated one gets _2, _3 ... as astropy does
        k, unique = 1, name
        while unique in seen:
            k += 1
            unique = "%s_%d" % (name, k)
        seen.add(unique)
        f["name"] = unique
        cols.append((unique, data if mask is None else np.ma.MaskedArray(data, mask=mask)))
    return Table(cols, fields, infos)


def _native_layout(data, name):
    """data as the writer reads it: a VOTable element type (float16 -> float32, long double ->
    float64), native byte order (FITS tables are big-endian), C-contiguous."""
    kind, size = data.dtype.kind, data.dtype.itemsize
    if kind == "f" and size not in (4, 8):
        data = data.astype(np.float32 if size < 4 else np.float64)
    elif kind == "c" and size not in (8, 16):
        data = data.astype(np.complex128)
    if not data.dtype.isnative:
        data = data.astype(data.dtype.newbyteorder("="))
    if kind in "US" and data.ndim > 1:
        raise TypeError("write: column %s: strings must be one per row (a 1-D array)" % name)
    return np.ascontiguousarray(data)


def _columns(columns):
    """(names, arrays, masks, metadata) of a dict of arrays, an astropy Table or a Table."""
    names, arrays, masks, meta = [], [], [], []
    given = {f["name"]: f for f in getattr(columns, "fields", [])}
    if hasattr(columns, "colnames") and hasattr(columns, "columns") and not isinstance(columns, dict):  # astropy
        items = [(n, columns[n]) for n in columns.colnames]
    else:
        items = list(columns.items())
    for name, col in items:
        m = dict(given.get(name, {}))
        unit = getattr(col, "unit", None)
        if unit is not None and not m.get("unit"):
            try:
                m["unit"] = unit.to_string(format="vounit") if hasattr(unit, "to_string") else str(unit)
            except (ValueError, TypeError):  # e.g. %, dex, ABmag: not VOUnits; written as astropy names them
                m["unit"] = str(unit)
        if getattr(col, "description", None) and not m.get("description"):
            m["description"] = col.description
        if getattr(col, "meta", None) and col.meta.get("ucd") and not m.get("ucd"):
            m["ucd"] = col.meta["ucd"]
        mask = None
        if np.ma.isMaskedArray(col) or (hasattr(col, "mask") and col.mask is not None and np.size(col.mask) == len(col)):
            # a copy: the writer may mark more nulls in it (None in object columns)
            mask = np.array(np.ma.getmaskarray(col) if np.ma.isMaskedArray(col) else np.asarray(col.mask), dtype=bool, copy=True)
            if mask.ndim > 1:
                mask = mask.any(axis=tuple(range(1, mask.ndim)))
            if not mask.any():
                mask = None
        data = np.asarray(np.ma.getdata(col) if np.ma.isMaskedArray(col) else col)
        data = _native_layout(data, name)
        names.append(str(name))
        arrays.append(data)
        masks.append(mask)
        meta.append(m)
    return names, arrays, masks, meta


def write(columns, target, format="votable", meta=None):
    """Writes columns (dict of arrays, astropy Table, or Table) to target (a path or a binary
    file-like object) as format: "votable" (BINARY2, also "votable/b2"), "votable/b",
    "votable/td", "csv", "tsv" or "fits". meta: {column: {"unit", "ucd", "description",
    "xtype", "utype"}} for FIELD attributes. Masked values are written as nulls. Returns the
    number of rows written; the rows are streamed from the numpy buffers.
    """
    if format not in FORMATS:
        raise ValueError("format: one of %s, not %r" % (", ".join(FORMATS), format))
    names, arrays, masks, m = _columns(columns)
    for i, n in enumerate(names):
        if meta and n in meta:
            m[i].update(meta[n])
    if not isinstance(target, (str, os.PathLike)) and not hasattr(target, "write"):
        raise TypeError("target: a path or a binary file-like object")
    return _native._write(names, arrays, masks, m, target, format)
