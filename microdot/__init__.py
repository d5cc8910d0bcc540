"""microdot: the impossibly small web framework for Python and MicroPython,
with compiled hot paths on CPython."""
from microdot.microdot import Microdot, Request, Response, abort, redirect, \
    send_file, URLPattern, AsyncBytesIO, iscoroutine, NoCaseDict, \
    MultiDict, HTTPException, urlencode, urldecode, invoke_handler, mro, \
    MUTED_SOCKET_ERRORS  # noqa: F401

__version__ = '2.5.0'
