from os import PathLike
from typing import Optional, Sequence, Union

Schema = Union[str, PathLike, Sequence[Union[str, PathLike]], "Catalog", None]

class Diagnostic:
    line: int
    column: int
    message: str

class Column:
    name: str
    datatype: str
    arraysize: str
    unit: str
    ucd: str
    xtype: str
    description: str

class Translation:
    sql: str
    columns: list[Column]
    row_limit: Optional[int]

class AdqlError(ValueError):
    errors: list[Diagnostic]

class Catalog:
    tables: list[str]
    def __init__(self, schema: Schema = None, udfs: Sequence[str] = ()) -> None: ...

def translate(query: str, dialect: str = "postgres", schema: Schema = None, udfs: Sequence[str] = (),
              maxrec: Optional[int] = None) -> Translation: ...
