# Type stub for the compiled routing twins (same contract as _pure, whose
# Router this one subclasses: only lookup() and matches() are compiled).
from typing import Optional

from microdot._speedups._pure import (
    ROUTE_CALLABLE as ROUTE_CALLABLE, ROUTE_SEGMENTS as ROUTE_SEGMENTS,
    ROUTE_STATIC as ROUTE_STATIC, SEG_INT as SEG_INT, SEG_PATH as SEG_PATH,
    SEG_STRING as SEG_STRING, Router as _PureRouter, _SegmentSpec, _URLArgs)

def match_segments(spec: _SegmentSpec, path: str) -> Optional[_URLArgs]: ...

class Router(_PureRouter): ...
