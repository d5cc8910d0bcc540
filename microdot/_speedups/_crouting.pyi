# Type stub for the compiled routing twins (same contract as _pure).
from typing import Dict, Iterable, List, Optional, Tuple, Union

from microdot._speedups._pure import _RouteData, _SegmentSpec, _URLArgs

SEG_STRING: int
SEG_INT: int
SEG_PATH: int
ROUTE_STATIC: int
ROUTE_SEGMENTS: int
ROUTE_CALLABLE: int

def match_segments(spec: _SegmentSpec, path: str) -> Optional[_URLArgs]: ...

class Router:
    entries: List[Tuple[Tuple[str, ...], int, _RouteData]]
    static: Dict[str, List[int]]
    fixed: Dict[int, List[int]]
    variable: List[Tuple[int, int]]
    always: List[int]
    cache: Dict[Union[str, int], Tuple[int, ...]]
    def __init__(self) -> None: ...
    def add(self, methods: Iterable[str], kind: int, data: _RouteData) -> int: ...
    def matches(self, path: str) -> List[Tuple[int, _URLArgs]]: ...
    def lookup(self, method: str,
               path: str) -> Tuple[int, int, Optional[_URLArgs]]: ...
