"""microdot: the impossibly small web framework for Python and MicroPython,
with compiled hot paths on CPython."""
import sys

from microdot.microdot import Microdot, Request, Response, abort, redirect, \
    send_file, URLPattern, iscoroutine, NoCaseDict, HTTPException, \
    urldecode, invoke_handler, MUTED_SOCKET_ERRORS  # noqa: F401

#: This package's version: microdot 2.7.0's API (a post release of it under
#: PEP 440, so ``microdot>=2.6`` and ``microdot~=2.7.0`` accept it); the
#: package metadata takes it from here (pyproject.toml). See CHANGES.md.
__version__ = '2.7.0.post1'


if sys.implementation.name == 'cpython':
    from microdot.microdot import MultiDict, AsyncBytesIO, urlencode, \
        mro  # noqa: F401
else:
    def __getattr__(name):
        # MultiDict, AsyncBytesIO, urlencode and mro load at their first
        # use (microdot._types). For "from microdot import name",
        # MicroPython asks here before it looks for a submodule: so a
        # submodule not imported yet is imported here.
        if name in ('MultiDict', 'AsyncBytesIO', 'urlencode', 'mro'):
            return getattr(sys.modules['microdot.microdot'], name)
        try:
            __import__('microdot.' + name)
        except ImportError:
            raise AttributeError(name)
        return sys.modules['microdot.' + name]
