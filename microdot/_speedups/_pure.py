"""Pure-Python twins of microdot's hot paths.

Every function here has a compiled twin with the same name, the same results
and the same errors (see ``microdot/_speedups/__init__.py`` for the choice
between them). The code is written the way interpreted Python is fast
(``bytes.split``, ``bytes.find``, big-integer XOR) and stays within what
MicroPython supports, as this is the module that runs on microcontrollers.

This module gives them all. They live in three files, so that on
MicroPython ``import microdot`` loads only ``_pure_core.py`` (the headers
dictionary, URL decoding), the server loads ``_pure_serve.py`` (request
lines, headers, routing) at its first request, and ``_pure_extra.py`` (a
head parsed from a buffer, WebSocket masking) loads only where it is used
(see ``microdot/_speedups/__init__.py``).
"""
from microdot._speedups._pure_core import SEG_STRING, SEG_INT, SEG_PATH, \
    ROUTE_STATIC, ROUTE_SEGMENTS, ROUTE_CALLABLE, NoCaseDict, urldecode, \
    parse_urlencoded  # noqa: F401
from microdot._speedups._pure_serve import parse_request_line, \
    parse_header_line, match_segments, Router  # noqa: F401
from microdot._speedups._pure_extra import parse_head, head_end, \
    mask  # noqa: F401
