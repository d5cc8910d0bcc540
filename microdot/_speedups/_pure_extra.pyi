# Type stub for the pure twins a board rarely needs (see _pure.pyi, which
# re-exports them).
from microdot._speedups._pure import (
    parse_request_line as parse_request_line,
    parse_header_line as parse_header_line,
    parse_head as parse_head,
    head_end as head_end,
    mask as mask,
)
