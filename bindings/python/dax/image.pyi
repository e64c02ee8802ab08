from os import PathLike
from typing import Optional, Sequence, Tuple, Union

Path = Union[str, PathLike]

def cutout(path: Path, *, circle: Optional[Tuple[float, float, float]] = None,
           polygon: Optional[Sequence[Union[float, Tuple[float, float]]]] = None, pos: Optional[str] = None,
           out: Optional[Path] = None, hdu: int = -1) -> Union[bytes, int, None]: ...
def footprint(path: Path) -> list[Tuple[float, float]]: ...
