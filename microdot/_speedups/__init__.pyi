# Type stub for the twin selector: the names it exports have the contract
# shared by the pure and the compiled twins, whichever was selected.
from typing import Dict, Tuple

from microdot._speedups import _pure as _pure
from microdot._speedups._pure import (
    parse_request_line as parse_request_line,
    parse_header_line as parse_header_line,
    parse_head as parse_head,
    head_end as head_end,
    urldecode as urldecode,
    parse_urlencoded as parse_urlencoded,
    mask as mask,
    match_segments as match_segments,
    # the compiled Router and NoCaseDict have the same methods and
    # attributes
    Router as Router,
    NoCaseDict as NoCaseDict,
)

NAMES: Tuple[str, ...]
COMPILED_MODULES: Tuple[str, ...]
#: ``'compiled'`` or ``'pure'``.
IMPLEMENTATION: str
#: Why :data:`IMPLEMENTATION` was chosen.
REASON: str

SEG_STRING: int
SEG_INT: int
SEG_PATH: int
ROUTE_STATIC: int
ROUTE_SEGMENTS: int
ROUTE_CALLABLE: int

def describe() -> Dict[str, str]: ...
