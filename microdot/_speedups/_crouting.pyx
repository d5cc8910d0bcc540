# cython: language_level=3, freethreading_compatible=True
# cython: embedsignature=True
"""Compiled twins of the route matching code of
:mod:`microdot._speedups._pure`: :func:`match_segments` and the search of
:class:`Router`.

The algorithms are the pure ones step by step (the same placement of items,
the same walk of the route tree, the same calls to segment parsers and
callable matchers, in the same order). What changes is that the path is never
split: segments are C offsets into it, literals are compared in place, and
strings are only made for tree lookups and the values handed back. The route
table itself (``Router.add`` and the tree it builds) is the pure one: the
compiled ``Router`` is a subclass that only replaces ``lookup`` and
``matches``.
"""
# Bounds checks stay on in this module: spec items and entries are indexed as
# Python objects, and a short tuple must raise IndexError as it does in _pure.
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.unicode cimport (PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR,
                              PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ,
                              PyUnicode_1BYTE_KIND)
from cpython.long cimport PyLong_FromLongLong
from libc.string cimport memcmp

from microdot._speedups import _pure as _py


cdef enum:
    SEG_STRING_ = 0
    SEG_INT_ = 1
    SEG_PATH_ = 2
    ROUTE_STATIC_ = 0
    ROUTE_SEGMENTS_ = 1
    ROUTE_CALLABLE_ = 2

# the codes are compared as C constants below; refuse to load (so that the
# selector falls back to the pure twins) if the two modules ever disagree
if (_py.SEG_STRING, _py.SEG_INT, _py.SEG_PATH, _py.ROUTE_STATIC,
        _py.ROUTE_SEGMENTS, _py.ROUTE_CALLABLE) != (
            SEG_STRING_, SEG_INT_, SEG_PATH_, ROUTE_STATIC_, ROUTE_SEGMENTS_,
            ROUTE_CALLABLE_) or not hasattr(_py.Router, '_found'):
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
    cdef const unsigned char *p
    cdef const void *data = PyUnicode_DATA(path)
    if kind == PyUnicode_1BYTE_KIND:
        # a plain loop: segments are short, a memchr call per slash costs
        # more than the bytes it skips
        p = <const unsigned char *>data
        for i in range(n):
            count += p[i] == 47
        return count
    for i in range(n):
        if PyUnicode_READ(kind, data, i) == u'/':
            count += 1
    return count


cdef void _fill_starts(str path, Py_ssize_t *starts, Py_ssize_t nsegs):
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(path), i, k = 1
    cdef int kind = PyUnicode_KIND(path)
    cdef const unsigned char *p
    cdef const void *data = PyUnicode_DATA(path)
    starts[0] = 1
    if kind == PyUnicode_1BYTE_KIND:
        p = <const unsigned char *>data
        for i in range(1, n):
            if p[i] == 47:
                starts[k] = i + 1
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


cdef object _small_int(str path, Py_ssize_t s, Py_ssize_t e):
    # int(path[s:e]) for an optional '-' and at most 18 ASCII digits
    cdef int kind = PyUnicode_KIND(path)
    cdef void *data = PyUnicode_DATA(path)
    cdef long long value = 0
    cdef bint negative = PyUnicode_READ(kind, data, s) == u'-'
    if negative:
        s += 1
    while s < e:
        value = value * 10 + (<long long>PyUnicode_READ(kind, data, s) - 48)
        s += 1
    return PyLong_FromLongLong(-value if negative else value)


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


cdef inline tuple _as_tuple(object spec):
    # specs are tuples (URLPattern makes them); another sequence is copied,
    # after len() so that what has none fails as in the pure twin
    if type(spec) is tuple:
        return <tuple>spec
    len(spec)
    return tuple(spec)


cdef inline object _at(object item, Py_ssize_t k):
    # item[k], without the generic item lookup for the usual tuple
    if type(item) is tuple:
        return (<tuple>item)[k]
    return item[k]


cdef inline bint _run_fits(tuple spec, Py_ssize_t i, Py_ssize_t r,
                           str path, Py_ssize_t *starts,
                           Py_ssize_t e) except -1:
    # the one-segment items spec[i:i + r] match the segments from e on
    cdef Py_ssize_t t, s, end
    cdef object item
    for t in range(r):
        item = spec[i + t]
        s = starts[e + t]
        end = starts[e + t + 1] - 1
        if isinstance(item, str):
            if _literal_differs(path, s, end, item):
                return False
        elif s == end or (_at(item, 0) == SEG_INT_ and
                          not _is_int(path, s, end)):
            return False
    return True


cdef bint _place(tuple spec, Py_ssize_t m, str path, Py_ssize_t *starts,
                 Py_ssize_t n, Py_ssize_t *where) except -1:
    # the placement of _pure._match_split: where[k] is the first segment of
    # item k, where[m] = n. Runs of one-segment items are placed from the
    # right, each as far right as the path item after it allows; no
    # backtracking, no recursion.
    cdef Py_ssize_t i, j = m, r, e, stop, t, top = n
    cdef bint exact = True
    cdef object item
    if n < m:
        return False
    while True:
        i = j
        while i:
            item = spec[i - 1]
            if not isinstance(item, str) and _at(item, 0) == SEG_PATH_:
                break
            i -= 1
        r = j - i
        e = top - r
        stop = e if exact else i
        if not i:
            if e < 0 or stop > 0:
                return False
            e = 0
        while e >= stop:
            if _run_fits(spec, i, r, path, starts, e):
                break
            e -= 1
        else:
            return False
        for t in range(r + 1):
            where[i + t] = e + t
        if not i:
            return True
        # segment e - 1 is empty when its start and end offsets meet
        top = e - 1 if starts[e] - starts[e - 1] > 1 else e - 2
        exact = False
        j = i - 1


cdef object _match_offsets(tuple spec, str path, Py_ssize_t *starts,
                           Py_ssize_t nsegs):
    # the arguments dictionary of a match, or None
    cdef Py_ssize_t stack[STACK_SEGS + 1]
    cdef Py_ssize_t *where = stack
    cdef Py_ssize_t nspec = len(spec)
    cdef Py_ssize_t k = 0, s, e
    cdef dict args
    if nspec > STACK_SEGS:
        where = <Py_ssize_t *>PyMem_Malloc((nspec + 1) * sizeof(Py_ssize_t))
        if where == NULL:
            raise MemoryError()
    try:
        if not _place(spec, nspec, path, starts, nsegs, where):
            return None
        args = {}
        for item in spec:
            if not isinstance(item, str):
                s = starts[where[k]]
                e = starts[where[k + 1]] - 1
                parser = _at(item, 2)
                if parser is int and e - s <= 18 and \
                        _at(item, 0) == SEG_INT_:
                    # an int segment, already checked to be -?[0-9]+ by
                    # _run_fits: short ones need no string
                    args[_at(item, 1)] = _small_int(path, s, e)
                    k += 1
                    continue
                value = PyUnicode_Substring(path, s, e)
                if parser is int:
                    value = int(value)  # no call through the object
                elif parser is not None:
                    value = parser(value)
                    if value is None:
                        return None
                args[_at(item, 1)] = value
            k += 1
        return args
    finally:
        if where != stack:
            PyMem_Free(where)


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
        return _match_offsets(_as_tuple(spec), path, starts, nsegs)
    finally:
        if starts != stack:
            PyMem_Free(starts)


cdef inline str _segment(str path, Py_ssize_t *starts, Py_ssize_t k):
    return PyUnicode_Substring(path, starts[k], starts[k + 1] - 1)


cdef list _walk(list found, list nodes, Py_ssize_t d, str path,
                Py_ssize_t *starts, Py_ssize_t nsegs):
    # the tree walk of _pure.Router._found from depth d on
    cdef list after
    cdef dict node
    cdef object seg, last = None, value
    while d < nsegs:
        seg = _segment(path, starts, d)
        after = []
        for node in nodes:
            value = node.get(2)
            if value is not None:
                found += (<dict?>value).get(None, ())
                if last is None:
                    last = _segment(path, starts, nsegs - 1)
                found += (<dict>value).get(last, ())
            value = node.get(seg)
            if value is not None:
                after.append(value)
            if starts[d + 1] - starts[d] > 1:
                value = node.get(0)
                if value is not None:
                    after.append(value)
        if not after:
            return found
        nodes = after
        d += 1
    for node in nodes:
        found += node.get(1, ())
    return found


cdef list _candidates(object router, str path, Py_ssize_t *starts,
                      Py_ssize_t nsegs):
    # the candidates of _pure.Router._found, on offsets. The walk follows
    # one node while only one branch goes on (most paths), and hands over to
    # _walk when a literal and a dynamic branch both do.
    cdef list found
    cdef dict node = router.tree
    cdef dict static = router.static
    cdef Py_ssize_t d = 0
    cdef object child, dynamic, paths
    hit = static.get(path)
    found = [] if hit is None else list(hit)
    while d < nsegs:
        paths = node.get(2)
        if paths is not None:
            found += (<dict?>paths).get(None, ())
            found += (<dict>paths).get(_segment(path, starts, nsegs - 1), ())
        dynamic = node.get(0)
        # the integer keys are the only ones when the node has no literal
        # children: then no string is made for the segment
        if len(node) > (paths is not None) + (dynamic is not None) + \
                (node.get(1) is not None):
            child = node.get(_segment(path, starts, d))
        else:
            child = None
        if starts[d + 1] - starts[d] <= 1:
            dynamic = None
        if child is None:
            if dynamic is None:
                break
            node = dynamic
        elif dynamic is None:
            node = child
        else:
            found = _walk(found, [child, dynamic], d + 1, path, starts, nsegs)
            break
        d += 1
    else:
        found += node.get(1, ())
    found += router.always
    if len(found) > 1:
        found.sort()
    return found


cdef object _search(object router, object method, str path, list result):
    # lookup() when result is None, else matches() appending to result
    cdef Py_ssize_t stack[STACK_SEGS + 1]
    cdef Py_ssize_t *starts = stack
    cdef Py_ssize_t nsegs
    cdef list entries
    last = -1
    if PyUnicode_GET_LENGTH(path) == 0 or PyUnicode_READ_CHAR(path, 0) != u'/':
        return _NOT_FOUND
    nsegs = _count_segments(path)
    if nsegs > STACK_SEGS:
        starts = <Py_ssize_t *>PyMem_Malloc((nsegs + 1) * sizeof(Py_ssize_t))
        if starts == NULL:
            raise MemoryError()
    try:
        _fill_starts(path, starts, nsegs)
        entries = router.entries
        for index in _candidates(router, path, starts, nsegs):
            methods, kind, data = entries[index]
            if kind == ROUTE_STATIC_:
                args = {}
            elif kind == ROUTE_SEGMENTS_:
                args = _match_offsets(_as_tuple(data), path, starts, nsegs)
            else:
                args = data(path)
            if args is not None:
                if result is not None:
                    result.append((index, args))
                    continue
                last = index
                if method in methods:
                    return index, index, args
    finally:
        if starts != stack:
            PyMem_Free(starts)
    return -1, last, None


_NOT_FOUND = (-1, -1, None)


class Router(_py.Router):
    """A route table that finds the routes matching a URL path without
    trying every route in turn.

    Compiled twin of :class:`microdot._speedups._pure.Router`: the same
    class, whose :meth:`lookup` and :meth:`matches` walk the route tree and
    match the routes on the path in place. Paths that are not exactly
    ``str`` go to the pure methods.
    """

    def matches(self, path):
        """Return ``(index, args)`` for every route matching ``path``, in
        priority order."""
        cdef list result = []
        if type(path) is not str:
            return _py.Router.matches(self, path)
        _search(self, None, path, result)
        return result

    def lookup(self, method, path):
        """Find the route for a request: ``(index, last, args)`` (see the
        pure twin)."""
        if type(path) is not str:
            return _py.Router.lookup(self, method, path)
        return _search(self, method, path, None)
