"""microdot: the impossibly small web framework for Python and MicroPython,
with compiled hot paths on CPython."""
from microdot.microdot import Microdot, Request, Response, abort, redirect, \
    send_file, URLPattern, AsyncBytesIO, iscoroutine, NoCaseDict, \
    MultiDict, HTTPException, urlencode, urldecode, invoke_handler, mro, \
    MUTED_SOCKET_ERRORS  # noqa: F401

#: This package's version: microdot 2.7.0's API (a post release of it under
#: PEP 440, so ``microdot>=2.6`` and ``microdot~=2.7.0`` accept it); the
#: package metadata takes it from here (pyproject.toml). See CHANGES.md.
__version__ = '2.7.0.post1'
