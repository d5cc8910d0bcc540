# cython: language_level=3, freethreading_compatible=True
# cython: boundscheck=False, wraparound=False, cdivision=True
# cython: embedsignature=True, binding=False
"""Compiled twins of the request-head and URL-decoding functions of
:mod:`microdot._speedups._pure`.

Exact ``bytes`` (and exact ``str`` where the pure twin accepts text) are
handled by byte loops in C. Any other argument type is handed to the pure
twin, so that odd inputs behave exactly as they do there. Decoding goes
through the UTF-8 codec on the very byte ranges the pure twin decodes, which
keeps the ``UnicodeDecodeError`` positions and messages identical; only
well-known ASCII names (``Host``, ``GET``, ``1.1``...) are matched against a
table of ready-made strings instead.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_SetItem
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_DATA
from libc.string cimport memchr, memcmp, memset

import sys

from microdot._speedups import _pure as _py


cdef extern from "Python.h":
    str PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size,
                             const char *errors)
    const char *PyUnicode_AsUTF8AndSize(object s, Py_ssize_t *size) \
        except NULL


cdef enum:
    # room for most keys and values without a heap allocation
    STACK_BUF = 512


cdef inline bint _is_ws(unsigned char c) noexcept nogil:
    # the bytes that bytes.split() and bytes.strip() treat as white space
    return c == 32 or (c >= 9 and c <= 13)


cdef inline int _hex(unsigned char c) noexcept nogil:
    if c >= 48 and c <= 57:
        return c - 48
    if c >= 97 and c <= 102:
        return c - 87
    if c >= 65 and c <= 70:
        return c - 55
    return -1


cdef inline str _text(const char *p, Py_ssize_t n):
    return PyUnicode_DecodeUTF8(p, n, NULL)


cdef enum:
    NAME_MAX = 32    # longest known header name
    NAME_SLOTS = 12  # known names of one length, at most, plus one

# Header names that browsers and HTTP clients send, spelt as they send them,
# and request methods and versions. The parsers return these very str objects
# instead of decoding new ones (equal strings, as the pure twin returns); the
# table is filled once at import and only read afterwards, which keeps it
# safe without the GIL.
_KNOWN_NAMES = tuple(sys.intern(name) for name in (
    'Host', 'User-Agent', 'Accept', 'Accept-Language', 'Accept-Encoding',
    'Accept-Charset', 'Connection', 'Keep-Alive', 'Cookie', 'Referer',
    'Origin', 'Upgrade-Insecure-Requests', 'Cache-Control', 'Pragma',
    'Content-Type', 'Content-Length', 'Transfer-Encoding', 'Authorization',
    'If-None-Match', 'If-Modified-Since', 'Range', 'Expect', 'TE', 'DNT',
    'Upgrade', 'Priority', 'Sec-Fetch-Dest', 'Sec-Fetch-Mode',
    'Sec-Fetch-Site', 'Sec-Fetch-User', 'Sec-CH-UA', 'Sec-CH-UA-Mobile',
    'Sec-CH-UA-Platform', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version',
    'Sec-WebSocket-Extensions', 'Sec-WebSocket-Protocol', 'X-Requested-With',
    'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Real-IP', 'X-CSRF-Token',
    'accept', 'accept-encoding', 'content-type', 'content-length', 'host',
    'user-agent', 'connection', 'cookie', 'authorization',
    # request methods and HTTP versions go through the same table
    'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', '1.1', '1.0'))
cdef PyObject *_names[NAME_MAX + 1][NAME_SLOTS]


cdef int _fill_names() except -1:
    cdef Py_ssize_t n, slot
    memset(_names, 0, sizeof(_names))
    for name in _KNOWN_NAMES:
        n = len(name)
        if n > NAME_MAX:
            raise ImportError('known header name too long: ' + name)
        slot = 0
        while _names[n][slot] != NULL:
            slot += 1
        if slot >= NAME_SLOTS - 1:  # the last slot ends the list
            raise ImportError('too many known header names of length %d' % n)
        _names[n][slot] = <PyObject *>name
    return 0


_fill_names()


cdef inline str _name(const char *p, Py_ssize_t n):
    # a known header name, or the decoded bytes
    cdef PyObject **slot
    cdef str name
    if n <= NAME_MAX:
        slot = _names[n]
        while slot[0] != NULL:
            name = <str>slot[0]
            if memcmp(PyUnicode_DATA(name), p, n) == 0:
                return name
            slot += 1
    return _text(p, n)


cdef tuple _request_line(const char *p, Py_ssize_t n):
    # split on runs of white space, like bytes.split(), stopping at a 4th field
    cdef Py_ssize_t start[3]
    cdef Py_ssize_t end[3]
    cdef Py_ssize_t i = 0, s
    cdef int fields = 0
    if memchr(p, 0, n) != NULL:
        raise ValueError('invalid request line')
    while True:
        while i < n and _is_ws(<unsigned char>p[i]):
            i += 1
        if i >= n:
            break
        s = i
        while i < n and not _is_ws(<unsigned char>p[i]):
            i += 1
        if fields == 3:
            fields = 4
            break
        start[fields] = s
        end[fields] = i
        fields += 1
    if fields != 3:
        raise ValueError('invalid request line')
    if end[2] - start[2] <= 5 or memcmp(p + start[2], b'HTTP/', 5) != 0:
        raise ValueError('invalid HTTP version')
    return (_name(p + start[0], end[0] - start[0]),
            _text(p + start[1], end[1] - start[1]),
            _name(p + start[2] + 5, end[2] - start[2] - 5))


cdef tuple _header_line(const char *p, Py_ssize_t s, Py_ssize_t e):
    cdef const char *colon
    cdef Py_ssize_t c, v, i
    while e > s and _is_ws(<unsigned char>p[e - 1]):
        e -= 1
    if e > s and (p[s] == 32 or p[s] == 9):
        raise ValueError('obsolete line folding')
    if memchr(p + s, 13, e - s) != NULL or memchr(p + s, 0, e - s) != NULL:
        raise ValueError('invalid character in header')
    colon = <const char *>memchr(p + s, 58, e - s)
    if colon == NULL:
        raise ValueError('invalid header line')
    c = colon - p
    if c == s:
        raise ValueError('invalid header name')
    for i in range(s, c):
        if _is_ws(<unsigned char>p[i]):
            raise ValueError('invalid header name')
    v = c + 1
    while v < e and _is_ws(<unsigned char>p[v]):
        v += 1
    return (_name(p + s, c - s), _text(p + v, e - v))


def parse_request_line(line):
    """Split an HTTP request line into ``(method, url, http_version)``.

    Compiled twin of :func:`microdot._speedups._pure.parse_request_line`.
    """
    if type(line) is not bytes:
        return _py.parse_request_line(line)
    return _request_line(PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line))


def parse_header_line(line):
    """Split an HTTP header line into ``(name, value)``.

    Compiled twin of :func:`microdot._speedups._pure.parse_header_line`.
    """
    if type(line) is not bytes:
        return _py.parse_header_line(line)
    return _header_line(PyBytes_AS_STRING(line), 0, PyBytes_GET_SIZE(line))


def parse_head(data):
    """Parse a request head into ``(method, url, version, headers)``.

    Compiled twin of :func:`microdot._speedups._pure.parse_head`.
    """
    if type(data) is not bytes:
        return _py.parse_head(data)
    cdef const char *p = PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    cdef const char *nl = <const char *>memchr(p, 10, n)
    cdef Py_ssize_t pos, end
    cdef list headers = []
    if nl == NULL:
        method, url, version = _request_line(p, n)
        return method, url, version, headers
    method, url, version = _request_line(p, nl - p)
    pos = nl - p + 1
    while True:
        nl = <const char *>memchr(p + pos, 10, n - pos)
        end = n if nl == NULL else nl - p
        # an empty line, or one with just a CR, ends the head
        if end == pos or (end == pos + 1 and p[pos] == 13):
            break
        headers.append(_header_line(p, pos, end))
        if nl == NULL:
            break
        pos = end + 1
    return method, url, version, headers


def head_end(data, Py_ssize_t pos=0):
    """Find the end of the request head that starts at ``data[pos]``.

    Compiled twin of :func:`microdot._speedups._pure.head_end`.
    """
    if type(data) is not bytes:
        return _py.head_end(data, pos)
    cdef const char *p = PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    cdef const char *nl
    if pos < 0:  # as bytes.find counts a negative start from the end
        pos = max(0, n + pos)
    while pos < n:
        nl = <const char *>memchr(p + pos, 10, n - pos)
        if nl == NULL:
            return -1
        pos = nl - p + 1
        if pos < n and p[pos] == 10:
            return pos + 1
        if pos + 1 < n and p[pos] == 13 and p[pos + 1] == 10:
            return pos + 2
    return -1


cdef str _unquote(const char *p, Py_ssize_t n, char *buf):
    # decode p[:n] through buf (n bytes at least); '+' is a space, '%XX' a
    # byte, and any other '%' stays as it is
    cdef Py_ssize_t i = 0, o = 0
    cdef unsigned char c
    cdef int hi, lo
    while i < n:
        c = <unsigned char>p[i]
        if c == 43:
            buf[o] = 32
        elif c == 37 and i + 2 < n:
            hi = _hex(<unsigned char>p[i + 1])
            lo = _hex(<unsigned char>p[i + 2]) if hi >= 0 else -1
            if lo >= 0:
                buf[o] = <char>(hi * 16 + lo)
                i += 2
            else:
                buf[o] = <char>c
        else:
            buf[o] = <char>c
        i += 1
        o += 1
    return _text(buf, o)


cdef inline bint _plain(const char *p, Py_ssize_t n) noexcept nogil:
    # True when p[:n] has nothing to decode
    cdef Py_ssize_t i
    for i in range(n):
        if p[i] == 37 or p[i] == 43:
            return False
    return True


cdef str _unquote_bytes(bytes b):
    cdef const char *p = PyBytes_AS_STRING(b)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(b)
    cdef char stack[STACK_BUF]
    cdef char *buf
    if _plain(p, n):
        return _text(p, n)
    if n <= STACK_BUF:
        return _unquote(p, n, stack)
    buf = <char *>PyMem_Malloc(n)
    if buf == NULL:
        raise MemoryError()
    try:
        return _unquote(p, n, buf)
    finally:
        PyMem_Free(buf)


def urldecode(s):
    """Decode a URL-encoded ``str`` or ``bytes``.

    Compiled twin of :func:`microdot._speedups._pure.urldecode`.
    """
    if type(s) is str:
        if '%' not in <str>s:
            return (<str>s).replace('+', ' ')
        return _unquote_bytes((<str>s).encode('utf-8'))
    if type(s) is bytes:
        return _unquote_bytes(<bytes>s)
    return _py.urldecode(s)


cdef inline str _piece(const char *p, Py_ssize_t n, char *buf):
    if _plain(p, n):
        return _text(p, n)
    return _unquote(p, n, buf)


cdef list _pairs(const char *p, Py_ssize_t n, object missing):
    cdef list pairs = []
    cdef char stack[STACK_BUF]
    cdef char *buf = stack
    cdef Py_ssize_t pos = 0, end, eq
    cdef const char *hit
    if n > STACK_BUF:
        buf = <char *>PyMem_Malloc(n)
        if buf == NULL:
            raise MemoryError()
    try:
        while pos < n:
            hit = <const char *>memchr(p + pos, 38, n - pos)
            end = n if hit == NULL else hit - p
            if end > pos:
                hit = <const char *>memchr(p + pos, 61, end - pos)
                if hit == NULL:
                    pairs.append((_piece(p + pos, end - pos, buf), missing))
                else:
                    eq = hit - p
                    key = _piece(p + pos, eq - pos, buf)
                    pairs.append((key, _piece(p + eq + 1, end - eq - 1, buf)))
            pos = end + 1
    finally:
        if buf != stack:
            PyMem_Free(buf)
    return pairs


def parse_urlencoded(data):
    """Parse a query string or form body into a list of ``(key, value)``.

    Compiled twin of :func:`microdot._speedups._pure.parse_urlencoded`.
    """
    cdef const char *p
    cdef Py_ssize_t n
    if type(data) is bytes:
        return _pairs(PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), b'')
    if type(data) is str:
        try:
            p = PyUnicode_AsUTF8AndSize(data, &n)
        except UnicodeEncodeError:
            # lone surrogates: the pure twin knows which piece fails, if any
            return _py.parse_urlencoded(data)
        return _pairs(p, n, '')
    return _py.parse_urlencoded(data)


cdef extern from "Python.h":
    PyObject *PyDict_GetItemWithError(object d, object key) except? NULL


cdef dict _lowered = {}


cdef inline object _lower(key):
    # key.lower(), remembered for the header names a server sees again and
    # again (a bounded table: it stops growing at 4096 names)
    cdef PyObject *found
    if type(key) is str:
        found = PyDict_GetItemWithError(_lowered, key)
        if found != NULL:
            return <object>found
        kl = (<str>key).lower()
        if len(_lowered) < 4096:
            _lowered[key] = kl
        return kl
    return key.lower()


cdef class NoCaseDict(dict):
    """A dictionary whose string keys are case-insensitive.

    Compiled twin of :class:`microdot._speedups._pure.NoCaseDict`: the same
    methods, results and errors, with the lookups done through the C API.
    """
    #: lower-case form -> stored form, for keys that are not lower case
    cdef public dict keymap

    def __init__(self, initial_dict=None):
        self.keymap = {}
        if initial_dict:
            for key, value in initial_dict.items():
                self[key] = value

    cdef inline object _stored(self, key, kl):
        cdef PyObject *found = PyDict_GetItemWithError(self.keymap, kl)
        return kl if found == NULL else <object>found

    def __setitem__(self, key, value):
        kl = _lower(key)
        cdef PyObject *found = PyDict_GetItemWithError(self.keymap, kl)
        if found != NULL:
            stored = <object>found
        elif kl != key and PyDict_GetItemWithError(self, kl) == NULL:
            self.keymap[kl] = key
            stored = key
        else:
            stored = kl
        PyDict_SetItem(self, stored, value)

    def __getitem__(self, key):
        stored = self._stored(key, _lower(key))
        cdef PyObject *found = PyDict_GetItemWithError(self, stored)
        if found == NULL:
            raise KeyError(stored)
        return <object>found

    def __delitem__(self, key):
        kl = _lower(key)
        dict.__delitem__(self, self._stored(key, kl))
        self.keymap.pop(kl, None)

    def __contains__(self, key):
        return PyDict_GetItemWithError(
            self, self._stored(key, _lower(key))) != NULL

    def get(self, key, default=None):
        """Return the value of a key in any case, or ``default``."""
        cdef PyObject *found = PyDict_GetItemWithError(
            self, self._stored(key, _lower(key)))
        return default if found == NULL else <object>found

    def pop(self, key, *default):
        """Remove a key in any case and return its value."""
        kl = _lower(key)
        value = dict.pop(self, self._stored(key, kl), *default)
        self.keymap.pop(kl, None)
        return value

    def setdefault(self, key, default=None):
        """Return the value of a key in any case, storing ``default`` first
        when the key is missing."""
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, other_dict):
        """Store every key and value of another dictionary."""
        for key, value in other_dict.items():
            self[key] = value
