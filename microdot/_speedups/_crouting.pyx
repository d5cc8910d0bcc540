# cython: language_level=3, freethreading_compatible=True
# cython: embedsignature=True
"""Compiled twins of the route matching code of
:mod:`microdot._speedups._pure`: :func:`match_segments` and :class:`Router`.

The algorithms are the pure ones step by step (the same candidate order, the
same cache keys, the same calls to segment parsers and callable matchers, in
the same order). What changes is that the path is never split: segments are
C offsets into it, literals are compared in place, and strings are only made
for the values handed back.
"""
# Bounds checks stay on in this module: spec items and entries are indexed as
# Python objects, and a short tuple must raise IndexError as it does in _pure.
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.unicode cimport (PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR,
                              PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ,
                              PyUnicode_1BYTE_KIND)
from libc.string cimport memchr, memcmp

from microdot._speedups import _pure as _py


cdef enum:
    SEG_STRING_ = 0
    SEG_INT_ = 1
    SEG_PATH_ = 2
    ROUTE_STATIC_ = 0
    ROUTE_SEGMENTS_ = 1
    ROUTE_CALLABLE_ = 2
    CACHE_MAX_SEGMENTS = 32

# the codes are compared as C constants below; refuse to load (so that the
# selector falls back to the pure twins) if the two modules ever disagree
if (_py.SEG_STRING, _py.SEG_INT, _py.SEG_PATH, _py.ROUTE_STATIC,
        _py.ROUTE_SEGMENTS, _py.ROUTE_CALLABLE,
        _py._CACHE_MAX_SEGMENTS) != (SEG_STRING_, SEG_INT_, SEG_PATH_,
                                     ROUTE_STATIC_, ROUTE_SEGMENTS_,
                                     ROUTE_CALLABLE_, CACHE_MAX_SEGMENTS):
    raise ImportError('_crouting is out of step with _pure')

SEG_STRING = _py.SEG_STRING
SEG_INT = _py.SEG_INT
SEG_PATH = _py.SEG_PATH
ROUTE_STATIC = _py.ROUTE_STATIC
ROUTE_SEGMENTS = _py.ROUTE_SEGMENTS
ROUTE_CALLABLE = _py.ROUTE_CALLABLE


cdef extern from "Python.h":
    str PyUnicode_Substring(object s, Py_ssize_t start, Py_ssize_t end)


cdef enum:
    # segment offsets kept on the C stack; longer paths use the heap
    STACK_SEGS = 64


# A path is never split into a list of strings here: its segments are
# described by offsets into the path, with starts[i] the index where segment i
# begins and starts[i + 1] - 1 where it ends (starts[nsegs] is a sentinel).
# Strings are only made for the values handed to the caller.

cdef Py_ssize_t _count_segments(str path):
    # the length of path[1:].split('/'), for a path that starts with '/'
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(path), i, count = 0
    cdef int kind = PyUnicode_KIND(path)
    cdef const char *data = <const char *>PyUnicode_DATA(path)
    cdef const char *p = data
    cdef const char *end = data + n
    if kind == PyUnicode_1BYTE_KIND:
        while True:
            p = <const char *>memchr(p, 47, end - p)
            if p == NULL:
                return count
            count += 1
            p += 1
    for i in range(n):
        if PyUnicode_READ(kind, data, i) == u'/':
            count += 1
    return count


cdef void _fill_starts(str path, Py_ssize_t *starts, Py_ssize_t nsegs):
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(path), i, k = 1
    cdef int kind = PyUnicode_KIND(path)
    cdef const char *data = <const char *>PyUnicode_DATA(path)
    cdef const char *p = data + 1
    starts[0] = 1
    if kind == PyUnicode_1BYTE_KIND:
        while k < nsegs:
            p = <const char *>memchr(p, 47, data + n - p)
            p += 1
            starts[k] = p - data
            k += 1
    else:
        for i in range(1, n):
            if PyUnicode_READ(kind, data, i) == u'/':
                starts[k] = i + 1
                k += 1
    starts[nsegs] = n + 1


cdef bint _is_int(str path, Py_ssize_t s, Py_ssize_t e):
    # path[s:e] (not empty) is an optional '-' and one or more ASCII digits
    cdef int kind = PyUnicode_KIND(path)
    cdef void *data = PyUnicode_DATA(path)
    cdef Py_UCS4 c
    if PyUnicode_READ(kind, data, s) == u'-':
        s += 1
    if s == e:
        return False
    while s < e:
        c = PyUnicode_READ(kind, data, s)
        if c < u'0' or c > u'9':
            return False
        s += 1
    return True


cdef bint _literal_differs(str path, Py_ssize_t s, Py_ssize_t e,
                           object item) except -1:
    # segs[pi] != item, without making the segment when item is a plain str
    cdef Py_ssize_t n = e - s, i
    cdef int kind, ikind
    cdef const char *data
    cdef const char *idata
    if type(item) is not str:
        return PyUnicode_Substring(path, s, e) != item
    if PyUnicode_GET_LENGTH(item) != n:
        return True
    kind = PyUnicode_KIND(path)
    ikind = PyUnicode_KIND(item)
    data = <const char *>PyUnicode_DATA(path)
    idata = <const char *>PyUnicode_DATA(item)
    if kind == ikind:
        return memcmp(data + s * kind, idata, n * kind) != 0
    # a narrow part of a wide path can still equal a narrow literal
    for i in range(n):
        if PyUnicode_READ(kind, data, s + i) != \
                PyUnicode_READ(ikind, idata, i):
            return True
    return False


cdef bint _match_from(object spec, Py_ssize_t nspec, str path,
                      Py_ssize_t *starts, Py_ssize_t nsegs, Py_ssize_t si,
                      Py_ssize_t pi, Py_ssize_t *spans) except -1:
    # match spec[si:] against segments pi and up; the value of a dynamic
    # item j is path[spans[2 * j]:spans[2 * j + 1]]. A path item takes as
    # many segments as it can first, then gives some back.
    cdef Py_ssize_t end, s, e
    cdef object item
    while si < nspec:
        if pi >= nsegs:
            return False
        item = spec[si]
        s = starts[pi]
        e = starts[pi + 1] - 1
        if isinstance(item, str):
            if _literal_differs(path, s, e, item):
                return False
        elif item[0] == SEG_PATH_:
            end = nsegs - (nspec - si - 1)
            while end > pi:
                e = starts[end] - 1
                if e > s:
                    spans[2 * si] = s
                    spans[2 * si + 1] = e
                    if _match_from(spec, nspec, path, starts, nsegs, si + 1,
                                   end, spans):
                        return True
                end -= 1
            return False
        else:
            if s == e or (item[0] == SEG_INT_ and not _is_int(path, s, e)):
                return False
            spans[2 * si] = s
            spans[2 * si + 1] = e
        si += 1
        pi += 1
    return pi == nsegs


cdef object _match_offsets(object spec, str path, Py_ssize_t *starts,
                           Py_ssize_t nsegs):
    # the arguments dictionary of a match, or None
    cdef Py_ssize_t stack[2 * STACK_SEGS]
    cdef Py_ssize_t *spans = stack
    cdef Py_ssize_t nspec = len(spec)
    cdef Py_ssize_t si = 0
    cdef dict args
    if nspec > STACK_SEGS:
        spans = <Py_ssize_t *>PyMem_Malloc(2 * nspec * sizeof(Py_ssize_t))
        if spans == NULL:
            raise MemoryError()
    try:
        if not _match_from(spec, nspec, path, starts, nsegs, 0, 0, spans):
            return None
        args = {}
        for item in spec:
            if not isinstance(item, str):
                value = PyUnicode_Substring(path, spans[2 * si],
                                            spans[2 * si + 1])
                parser = item[2]
                if parser is not None:
                    value = parser(value)
                    if value is None:
                        return None
                args[item[1]] = value
            si += 1
        return args
    finally:
        if spans != stack:
            PyMem_Free(spans)


def match_segments(spec, path):
    """Match a URL path against a compiled segment specification.

    Compiled twin of :func:`microdot._speedups._pure.match_segments`.
    """
    cdef Py_ssize_t nsegs
    cdef Py_ssize_t stack[STACK_SEGS + 1]
    cdef Py_ssize_t *starts = stack
    if type(path) is not str:
        return _py.match_segments(spec, path)
    if PyUnicode_GET_LENGTH(path) == 0 or PyUnicode_READ_CHAR(path, 0) != u'/':
        return None
    nsegs = _count_segments(path)
    if nsegs > STACK_SEGS:
        starts = <Py_ssize_t *>PyMem_Malloc((nsegs + 1) * sizeof(Py_ssize_t))
        if starts == NULL:
            raise MemoryError()
    try:
        _fill_starts(path, starts, nsegs)
        return _match_offsets(spec, path, starts, nsegs)
    finally:
        if starts != stack:
            PyMem_Free(starts)


_NOT_FOUND = (-1, -1, None)
_HEAD = slice(None, 1)
_TAIL = slice(1, None)


cdef class Router:
    """A route table that finds the routes matching a URL path without
    trying every route in turn.

    Compiled twin of :class:`microdot._speedups._pure.Router`, with the same
    methods and attributes.
    """
    cdef public list entries
    cdef public dict static
    cdef public dict fixed
    cdef public list variable
    cdef public list always
    cdef public dict cache

    def __init__(self):
        self.entries = []
        self.static = {}
        self.fixed = {}
        self.variable = []
        self.always = []
        self.cache = {}

    def add(self, methods, kind, data):
        """Add a route and return its index (see the pure twin)."""
        index = len(self.entries)
        if kind == ROUTE_STATIC_:
            self.static.setdefault(data, []).append(index)
        elif kind == ROUTE_SEGMENTS_:
            fixed = True
            for item in data:
                if not isinstance(item, str) and item[0] == SEG_PATH_:
                    fixed = False
            if fixed:
                self.fixed.setdefault(len(data), []).append(index)
            else:
                self.variable.append((len(data), index))
        elif kind == ROUTE_CALLABLE_:
            self.always.append(index)
        else:
            raise ValueError('invalid route kind')
        self.entries.append((tuple(methods), kind, data))
        self.cache = {}
        return index

    cdef object _candidates(self, object path, Py_ssize_t nsegs):
        static = self.static.get(path)
        key = path if static else nsegs
        found = self.cache.get(key)
        if found is None:
            found = list(static or ()) + self.fixed.get(nsegs, []) + \
                self.always
            for minimum, index in self.variable:
                if minimum <= nsegs:
                    found.append(index)
            found = tuple(sorted(found))
            if static or nsegs <= CACHE_MAX_SEGMENTS:
                self.cache[key] = found
        return found

    cdef object _match(self, object index, object path, str work,
                       Py_ssize_t *starts, Py_ssize_t nsegs):
        _, kind, data = self.entries[index]
        if kind == ROUTE_STATIC_:
            return {}
        if kind == ROUTE_SEGMENTS_:
            return _match_offsets(data, work, starts, nsegs)
        return data(path)

    cdef object _search(self, object method, object path, list result):
        # lookup() when result is None, else matches() appending to result
        cdef Py_ssize_t stack[STACK_SEGS + 1]
        cdef Py_ssize_t *starts = stack
        cdef Py_ssize_t nsegs
        cdef str work
        last = -1
        if type(path) is str:
            if PyUnicode_GET_LENGTH(path) == 0 or \
                    PyUnicode_READ_CHAR(path, 0) != u'/':
                return _NOT_FOUND
            work = <str>path
            nsegs = _count_segments(work)
        elif path[_HEAD] == '/':
            # a str subclass or look-alike: match on its plain segments (the
            # slices are objects so that errors read as they do in _pure)
            segs = path[_TAIL].split('/')
            nsegs = len(segs)
            work = '/' + '/'.join(segs)
        else:
            return _NOT_FOUND
        found = self._candidates(path, nsegs)
        if not found:
            return _NOT_FOUND
        if nsegs > STACK_SEGS:
            starts = <Py_ssize_t *>PyMem_Malloc(
                (nsegs + 1) * sizeof(Py_ssize_t))
            if starts == NULL:
                raise MemoryError()
        try:
            _fill_starts(work, starts, nsegs)
            for index in found:
                args = self._match(index, path, work, starts, nsegs)
                if args is not None:
                    if result is not None:
                        result.append((index, args))
                        continue
                    last = index
                    if method in self.entries[index][0]:
                        return index, index, args
        finally:
            if starts != stack:
                PyMem_Free(starts)
        return -1, last, None

    def matches(self, path):
        """Return ``(index, args)`` for every route matching ``path``, in
        priority order."""
        cdef list result = []
        self._search(None, path, result)
        return result

    def lookup(self, method, path):
        """Find the route for a request: ``(index, last, args)`` (see the
        pure twin)."""
        return self._search(method, path, None)
