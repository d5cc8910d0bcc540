# Type stub for the CPython half of the twin selector.
from typing import Dict, Tuple

from microdot._speedups._pure import (
    parse_request_line as parse_request_line,
    parse_header_line as parse_header_line,
    parse_head as parse_head,
    head_end as head_end,
    urldecode as urldecode,
    parse_urlencoded as parse_urlencoded,
    mask as mask,
    match_segments as match_segments,
    Router as Router,
    NoCaseDict as NoCaseDict,
)

NAMES: Tuple[str, ...]
COMPILED_MODULES: Tuple[str, ...]
IMPLEMENTATION: str
REASON: str

def describe() -> Dict[str, str]: ...

__all__ = ['NAMES', 'COMPILED_MODULES', 'IMPLEMENTATION', 'REASON',
           'describe', 'parse_request_line', 'parse_header_line',
           'parse_head', 'head_end', 'urldecode', 'parse_urlencoded', 'mask',
           'match_segments', 'Router', 'NoCaseDict']
