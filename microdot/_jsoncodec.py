"""
The JSON codec behind every place microdot reads or writes JSON: response
bodies, ``request.json``, Server-Sent Events, the test client and the token
codec of sessions.

The standard library's :mod:`json` defines the values. On CPython with
orjson installed, :mod:`microdot._jsonfast` gives the same values faster
(its docstring lists where orjson and :mod:`json` differ and what is done
about each). Elsewhere (MicroPython, CPython without orjson) this module is
a thin layer over :mod:`json`, and output keeps json's spacing, as microdot
2.7 gives it without orjson.

``dumps(obj)`` returns a ``str``, ``dumpb(obj)`` UTF-8 bytes, and
``loads(s)`` takes a ``str`` or UTF-8 bytes (RFC 8259): ``loads(data)`` is
``json.loads(data.decode())``, without json's guessing of UTF-16 and UTF-32
for bytes. On MicroPython it is MicroPython's own ``json.loads``, which
reads UTF-8 too (and is more lenient than CPython's parser).
"""
import json
import sys

try:
    import orjson
except ImportError:  # MicroPython, or CPython without orjson
    orjson = None  # type: ignore[assignment]

if orjson is not None:
    from microdot._jsonfast import dumps, dumpb, loads  # noqa: F401

    #: ``'orjson'`` when orjson encodes and decodes what it does exactly,
    #: ``'json'`` when the standard library does everything.
    BACKEND = 'orjson'
else:
    BACKEND = 'json'
    dumps = json.dumps

    def dumpb(obj):
        """Return ``obj`` encoded as JSON, as UTF-8 bytes.

        :param obj: the value to encode.
        """
        return json.dumps(obj).encode()

    if sys.implementation.name == 'micropython':
        # it reads bytes as UTF-8 itself, without a decoded copy on the heap
        loads = json.loads
    else:
        def loads(s):
            """Return the value of a JSON document.

            :param s: the document, as a ``str`` or as UTF-8 bytes.
            """
            if not isinstance(s, str):
                s = bytes(s).decode()
            return json.loads(s)
