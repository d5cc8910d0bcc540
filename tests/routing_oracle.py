"""The route matching of microdot before the bounded router, kept as a test
oracle: the new twins must give exactly its results on every spec it can
handle in reasonable time.

This is a verbatim copy of the code that ``microdot/_speedups/_pure.py`` had
until the matcher was rewritten (recursive backtracking, candidate lists by
segment count). It is not used by the package, and it can recurse deeply and
take exponential time: give it moderate inputs only. CPython-only helper
(not a test module: the MicroPython runner only runs test_*.py files).
"""
from microdot._speedups._pure import (
    SEG_INT, SEG_PATH, ROUTE_STATIC, ROUTE_SEGMENTS, ROUTE_CALLABLE)

_CACHE_MAX_SEGMENTS = 32


def _is_int(value):
    i = 1 if value[0] == '-' else 0
    if i == len(value):
        return False
    for c in value[i:]:
        if c not in '0123456789':
            return False
    return True


def _match_from(spec, segs, si, pi, values):
    # Match spec[si:] against segs[pi:], appending raw values. Every item of
    # a spec consumes one segment, except path items, which take one or more
    # (as many as possible first, like the greedy regular expression '.+').
    nspec = len(spec)
    nsegs = len(segs)
    while si < nspec:
        if pi >= nsegs:
            return False
        item = spec[si]
        if isinstance(item, str):
            if segs[pi] != item:
                return False
        elif item[0] == SEG_PATH:
            mark = len(values)
            end = nsegs - (nspec - si - 1)
            while end > pi:
                value = '/'.join(segs[pi:end])
                if value:
                    values.append(value)
                    if _match_from(spec, segs, si + 1, end, values):
                        return True
                    del values[mark:]
                end -= 1
            return False
        else:
            value = segs[pi]
            if not value or (item[0] == SEG_INT and not _is_int(value)):
                return False
            values.append(value)
        si += 1
        pi += 1
    return pi == nsegs


def match_segments(spec, path):
    """Match a URL path against a compiled segment specification.

    :param spec: a tuple with one item per pattern segment: a ``str`` for a
                 literal segment, or a tuple ``(kind, name, parser)`` for a
                 dynamic one, where ``kind`` is :data:`SEG_STRING`,
                 :data:`SEG_INT` or :data:`SEG_PATH` and ``parser`` is a
                 callable or ``None``.
    :param path: the URL path, which must start with ``/`` to match.

    Returns a dictionary with the parsed dynamic values, or ``None`` when the
    path does not match or a parser returns ``None``.
    """
    if path[:1] != '/':
        return None
    return _match_split(spec, path[1:].split('/'))


def _match_split(spec, segs):
    values = []
    if not _match_from(spec, segs, 0, 0, values):
        return None
    args = {}
    i = 0
    for item in spec:
        if not isinstance(item, str):
            value = values[i]
            i += 1
            if item[2] is not None:
                value = item[2](value)
                if value is None:
                    return None
            args[item[1]] = value
    return args


class Router:
    """A route table that finds the routes matching a URL path without
    trying every route in turn.

    Routes are added in priority order with :meth:`add`. Static routes are
    found with one dictionary lookup, segment routes are grouped by their
    number of segments, and only routes that need a callable matcher (regular
    expressions) are tried for every path.
    """

    def __init__(self):
        self.entries = []
        self.static = {}
        self.fixed = {}
        self.variable = []
        self.always = []
        self.cache = {}

    def add(self, methods, kind, data):
        """Add a route and return its index.

        :param methods: the HTTP methods the route accepts (upper case).
        :param kind: :data:`ROUTE_STATIC` with ``data`` the exact path,
                     :data:`ROUTE_SEGMENTS` with ``data`` a segment spec (see
                     :func:`match_segments`), or :data:`ROUTE_CALLABLE` with
                     ``data`` a callable that takes the path and returns the
                     arguments dictionary or ``None``.
        """
        index = len(self.entries)
        if kind == ROUTE_STATIC:
            self.static.setdefault(data, []).append(index)
        elif kind == ROUTE_SEGMENTS:
            fixed = True
            for item in data:
                if not isinstance(item, str) and item[0] == SEG_PATH:
                    fixed = False
            if fixed:
                self.fixed.setdefault(len(data), []).append(index)
            else:
                self.variable.append((len(data), index))
        elif kind == ROUTE_CALLABLE:
            self.always.append(index)
        else:
            raise ValueError('invalid route kind')
        self.entries.append((tuple(methods), kind, data))
        self.cache = {}
        return index

    def _candidates(self, path, nsegs):
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
            if static or nsegs <= _CACHE_MAX_SEGMENTS:
                self.cache[key] = found
        return found

    def matches(self, path):
        """Return ``(index, args)`` for every route matching ``path``, in
        priority order."""
        result = []
        if path[:1] == '/':
            segs = path[1:].split('/')
            for index in self._candidates(path, len(segs)):
                args = self._match(index, path, segs)
                if args is not None:
                    result.append((index, args))
        return result

    def lookup(self, method, path):
        """Find the route for a request.

        Returns ``(index, last, args)``: ``index`` is the first route that
        matches the path and accepts ``method`` (or -1), ``last`` the last
        route that matched the path while looking for it (or -1, meaning
        "not found"; when ``index`` is -1 and ``last`` is not, the method is
        not allowed), and ``args`` the arguments of route ``index``.
        """
        last = -1
        if path[:1] == '/':
            segs = path[1:].split('/')
            for index in self._candidates(path, len(segs)):
                args = self._match(index, path, segs)
                if args is not None:
                    last = index
                    if method in self.entries[index][0]:
                        return index, index, args
        return -1, last, None

    def _match(self, index, path, segs):
        _, kind, data = self.entries[index]
        if kind == ROUTE_STATIC:
            return {}
        if kind == ROUTE_SEGMENTS:
            return _match_split(data, segs)
        return data(path)
