# Type stub for the pure twins. The .py module has no annotations so that
# MicroPython (which cannot import ``typing``) keeps parsing it.
from typing import (Any, Callable, Dict, Iterable, List, Optional, Sequence,
                    Tuple, Union, overload)

_BytesLike = Union[bytes, bytearray, memoryview]
#: Converts the text of a dynamic segment; ``None`` rejects the match.
_SegmentParser = Optional[Callable[[str], Any]]
#: A literal segment, or ``(kind, name, parser)`` for a dynamic one.
_SegmentItem = Union[str, Tuple[int, str, _SegmentParser]]
_SegmentSpec = Sequence[_SegmentItem]
_URLArgs = Dict[str, Any]
_RouteMatcher = Callable[[str], Optional[_URLArgs]]
#: ``data`` of a route: a path, a segment spec or a matcher callable.
_RouteData = Union[str, _SegmentSpec, _RouteMatcher]

SEG_STRING: int
SEG_INT: int
SEG_PATH: int
ROUTE_STATIC: int
ROUTE_SEGMENTS: int
ROUTE_CALLABLE: int

def parse_request_line(line: bytes) -> Tuple[str, str, str]: ...
def parse_header_line(line: bytes) -> Tuple[str, str]: ...
def parse_head(data: bytes) -> Tuple[str, str, str, List[Tuple[str, str]]]: ...
def head_end(data: bytes, pos: int = ...) -> int: ...
def urldecode(s: Union[str, bytes]) -> str: ...
@overload
def parse_urlencoded(data: str) -> List[Tuple[str, str]]: ...
@overload
def parse_urlencoded(data: bytes) -> List[Tuple[str, Union[str, bytes]]]: ...
def mask(key: _BytesLike, data: _BytesLike) -> bytes: ...
def match_segments(spec: _SegmentSpec, path: str) -> Optional[_URLArgs]: ...

#: A node of the route tree (see Router): literal segments and the codes 0
#: (dynamic item), 1 (routes ending here) and 2 (routes with a path item).
_Node = Dict[Union[str, int], Any]

class Router:
    entries: List[Tuple[Tuple[str, ...], int, _RouteData]]
    static: Dict[str, Tuple[int, ...]]
    tree: _Node
    always: List[int]
    def __init__(self) -> None: ...
    def add(self, methods: Iterable[str], kind: int, data: _RouteData) -> int: ...
    def matches(self, path: str) -> List[Tuple[int, _URLArgs]]: ...
    def lookup(self, method: str,
               path: str) -> Tuple[int, int, Optional[_URLArgs]]: ...

class NoCaseDict(Dict[str, Any]):
    keymap: Dict[str, str]
    def __init__(self, initial_dict: Optional[Dict[str, Any]] = ...) -> None: ...
    def get(self, key: str, default: Any = ...) -> Any: ...
    def pop(self, key: str, *default: Any) -> Any: ...
    def setdefault(self, key: str, default: Any = ...) -> Any: ...
    def update(self, other_dict: Dict[str, Any]) -> None: ...  # type: ignore[override]
