# Type stub for the pure twins of MicroPython's server (see _pure.pyi, which
# re-exports them).
from microdot._speedups._pure import (
    parse_request_line as parse_request_line,
    parse_header_line as parse_header_line,
    match_segments as match_segments,
    Router as Router,
)
