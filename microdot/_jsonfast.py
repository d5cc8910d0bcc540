"""
JSON through orjson, with the standard library's values: the CPython side
of :mod:`microdot._jsoncodec`, imported only when orjson is installed.

A call goes through orjson when orjson gives the value :mod:`json` gives,
and through :mod:`json` when orjson would give another value or refuse, so
that orjson's speed never changes a value.

Encoding. orjson refuses dict keys that are not strings (json writes ``1``,
``1.5``, ``True`` and ``None`` keys as ``"1"``, ``"1.5"``, ``"true"`` and
``"null"``), integers outside -2**63 .. 2**64-1, strings with lone
surrogates, nesting deeper than 254 levels, circular structures (json then
raises its own ``ValueError``) and, as asked with
``OPT_PASSTHROUGH_SUBCLASS``, subclasses of str, int, float, list, tuple and
dict (json encodes them as their base type, but iterates a dict subclass
through its own ``items()``, which orjson ignores: an ``OrderedDict`` after
``move_to_end`` would come out in another order). json encodes all of those.
orjson writes NaN and the infinities as ``null`` without complaint, where
json writes ``NaN``, ``Infinity`` and ``-Infinity``: output that contains
``null`` is parsed back and compared with the value, and a mismatch goes to
json. Types json cannot encode at all (datetime, date, time, UUID, Enum
members that are not ints or strings, dataclasses) are encoded the way
orjson encodes them, which is what microdot 2.7 does with orjson installed;
json's ``default`` does the same conversion, so both paths agree. Anything
else is refused with json's ``TypeError``. Output is compact and UTF-8
(orjson's format; the json path also escapes non-ASCII text), so it can
differ from ``json.dumps`` in spacing and escapes, never in the value it
loads back as.

Decoding. orjson reads integers outside the 64-bit range as floats, silently:
documents with a run of 19 or more digits go to json. orjson refuses NaN and
Infinity, numbers that overflow a float (json reads ``1e999999`` as
infinity), escaped lone surrogates and nesting deeper than 1024 levels; those
documents go to json, which reads them or raises its own error, so errors
are always json's (``ValueError``; ``RecursionError`` for nesting deeper
than the interpreter's recursion limit). Bytes are UTF-8 (RFC 8259):
``loads(data)`` is ``json.loads(data.decode())``.
"""
import json
import re

import orjson

__all__ = ['dumps', 'dumpb', 'loads']

_encode = orjson.dumps
_decode = orjson.loads
_EncodeError = orjson.JSONEncodeError
_DecodeError = orjson.JSONDecodeError
_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS
# A run of 19 digits is the shortest that can hold an integer orjson cannot
# keep exact (-9223372036854775809); with every digit translated to '0' the
# search for such a run is one substring search.
_DIGITS = bytes.maketrans(b'0123456789', b'0000000000')
_LONG_NUMBER = b'0' * 19
# faster than bytes.find for this needle in JSON text (and bytes.__contains__
# first tries its argument as an int, which costs more than the search)
_find_null = re.compile(b'null').search


def _extension(obj):
    # json's ``default``: the types only orjson knows are converted to what
    # orjson writes for them, so that both paths agree.
    try:
        return _decode(_encode(obj))
    except TypeError:
        pass
    raise TypeError('Object of type {} is not JSON serializable'.format(
        type(obj).__name__))


_encoder = json.JSONEncoder(separators=(',', ':'), default=_extension)


def dumpb(obj):
    """Return ``obj`` encoded as JSON, as UTF-8 bytes.

    :param obj: the value to encode.
    """
    try:
        out = _encode(obj, option=_OPTIONS)
    except _EncodeError:
        return _encoder.encode(obj).encode()
    # None and non-finite floats are both null in orjson's output: parsing
    # it back tells them apart (faster than walking the value in Python)
    if _find_null(out) is not None and _decode(out) != obj:
        return _encoder.encode(obj).encode()
    return out


def dumps(obj):
    """Return ``obj`` encoded as JSON, as a string.

    :param obj: the value to encode.
    """
    return dumpb(obj).decode()


def loads(s):
    """Return the value of a JSON document.

    :param s: the document, as a ``str`` or as UTF-8 bytes.
    """
    if isinstance(s, str):
        try:
            data = s.encode()
        except UnicodeError:
            # lone surrogates in the text, which orjson cannot take
            return json.loads(s)
    elif isinstance(s, bytes):
        data = s
    else:
        data = bytes(s)
    if len(data) < 19 or data.translate(_DIGITS).find(_LONG_NUMBER) < 0:
        try:
            return _decode(data)
        except _DecodeError:
            pass
    return json.loads(data.decode())
