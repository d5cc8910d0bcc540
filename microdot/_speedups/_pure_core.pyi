# Type stub for the pure twins that ``import microdot`` needs (see _pure.pyi,
# which re-exports them).
from microdot._speedups._pure import (
    SEG_STRING as SEG_STRING,
    SEG_INT as SEG_INT,
    SEG_PATH as SEG_PATH,
    ROUTE_STATIC as ROUTE_STATIC,
    ROUTE_SEGMENTS as ROUTE_SEGMENTS,
    ROUTE_CALLABLE as ROUTE_CALLABLE,
    NoCaseDict as NoCaseDict,
    urldecode as urldecode,
    parse_urlencoded as parse_urlencoded,
)
