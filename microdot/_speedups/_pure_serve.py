"""Pure-Python twins that MicroPython's server needs at its first request:
request-line and header parsing, route matching. See ``_pure.py``, which
gives every pure twin, and ``microdot/_speedups/__init__.py``.
"""
from microdot._speedups._pure_core import SEG_INT, SEG_PATH, ROUTE_STATIC, \
    ROUTE_SEGMENTS, ROUTE_CALLABLE


def parse_request_line(line):
    """Split an HTTP request line into ``(method, url, http_version)``.

    :param line: the request line as bytes, with or without its line ending.

    The version is returned without its ``HTTP/`` prefix, for example
    ``'1.1'``. Raises ``ValueError`` when the line does not have exactly three
    fields, holds a NUL byte or the last field is not an HTTP version, and
    ``UnicodeDecodeError`` when a field is not valid UTF-8.
    """
    parts = line.split()
    if len(parts) != 3 or b'\x00' in line:
        raise ValueError('invalid request line')
    version = parts[2]
    if version[:5] != b'HTTP/' or len(version) == 5:
        raise ValueError('invalid HTTP version')
    return parts[0].decode(), parts[1].decode(), version[5:].decode()


def parse_header_line(line):
    """Split an HTTP header line into ``(name, value)``.

    :param line: the header line as bytes, with or without its line ending.

    White space around the value is removed. Raises ``ValueError`` when the
    line starts with white space (an obsolete folded continuation line),
    holds a NUL byte or a CR that does not end it, has no colon, or when the
    name is empty or contains white space; ``UnicodeDecodeError`` when the
    name or value are not valid UTF-8.
    """
    line = line.rstrip()
    if line[:1] == b' ' or line[:1] == b'\t':
        raise ValueError('obsolete line folding')
    if b'\r' in line or b'\x00' in line:
        raise ValueError('invalid character in header')
    i = line.find(b':')
    if i < 0:
        raise ValueError('invalid header line')
    name = line[:i]
    # empty, or with ASCII white space (what bytes.split() splits at)
    if name.split() != [name]:
        raise ValueError('invalid header name')
    return name.decode(), line[i + 1:].strip().decode()


def match_segments(spec, path):
    """Match a URL path against a compiled segment specification.

    :param spec: a tuple with one item per pattern segment: a ``str`` for a
                 literal segment, or a tuple ``(kind, name, parser)`` for a
                 dynamic one, where ``kind`` is :data:`SEG_STRING`,
                 :data:`SEG_INT` or :data:`SEG_PATH` and ``parser`` is a
                 callable or ``None``.
    :param path: the URL path, which must start with ``/`` to match.

    Returns a dictionary with the parsed dynamic values, or ``None`` when the
    path does not match or a parser returns ``None``. A ``path`` item takes
    as many segments as it can, the leftmost first. The cost is bounded by
    the number of segments times the number of items, whatever the spec.
    """
    if path[:1] != '/':
        return None
    return _match_split(spec, path[1:].split('/'))


def _match_split(spec, parts):
    # Every item takes one segment, except path items, which take one or
    # more: as many as they can, the leftmost first (as the regular
    # expression '.+' would). The runs of one-segment items between path
    # items are placed from the right: the last run ends with the path, and
    # each other run as far right as it fits before the path item after it,
    # whose end is known by then. That is the greedy answer, found without
    # backtracking in O(len(parts) * len(spec)) steps at worst.
    n = len(parts)
    m = j = len(spec)
    if n < m:
        return None
    ends = []
    end = n
    while True:
        # spec[i:j] is a run of one-segment items, to start at e: exactly at
        # end - r for the last run, at 0 for the first, else at least i
        i = j
        while i and (isinstance(spec[i - 1], str) or
                     spec[i - 1][0] != SEG_PATH):
            i -= 1
        r = j - i
        e = end - r
        stop = e if j == m else i
        if not i:
            if e < 0 or stop > 0:
                return None
            e = 0
        while e >= stop:
            t = 0
            while t < r:
                item = spec[i + t]
                part = parts[e + t]
                if isinstance(item, str):
                    if part != item:
                        break
                elif not part:
                    break
                elif item[0] == SEG_INT:
                    # an optional '-', then one or more ASCII digits
                    part = part[1:] if part[0] == '-' else part
                    if not part or part.strip('0123456789'):
                        break
                t += 1
            if t == r:
                break
            e -= 1
        else:
            return None
        if not i:
            break
        # spec[i - 1] is a path item ending at e; its last segment must not
        # be empty if it is its only one
        ends.append(e)
        end = e - 1 if parts[e - 1] else e - 2
        j = i - 1
    args = {}
    for item in spec:
        if isinstance(item, str):
            e += 1
            continue
        if item[0] == SEG_PATH:
            value = '/'.join(parts[e:ends[-1]])
            e = ends.pop()
        else:
            value = parts[e]
            e += 1
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
    found with one dictionary lookup and segment routes through a tree keyed
    by their literal segments, so the cost of a lookup does not grow with the
    number of routes; only routes that need a callable matcher (regular
    expressions) are tried for every path.

    A tree node is a dict: a literal segment leads to the next node, ``0``
    to the node after a one-segment dynamic item, ``1`` to the indexes of the
    routes whose spec ends there, and ``2`` to the routes whose first
    ``path`` item comes next, in a dict keyed by the last item of their spec
    when it is a literal (else ``None``).
    """

    def __init__(self):
        self.entries = []
        self.static = {}
        self.tree = {}
        self.always = []

    def add(self, methods, kind, data):
        """Add a route and return its index.

        :param methods: the HTTP methods the route accepts (upper case).
        :param kind: :data:`ROUTE_STATIC` with ``data`` the exact path,
                     :data:`ROUTE_SEGMENTS` with ``data`` a segment spec (see
                     :func:`match_segments`), or :data:`ROUTE_CALLABLE` with
                     ``data`` a callable that takes the path and returns the
                     arguments dictionary or ``None``.
        """
        methods = tuple(methods)
        index = len(self.entries)
        # route lists are tuples: smaller than lists on MicroPython
        if kind == ROUTE_STATIC:
            self.static[data] = self.static.get(data, ()) + (index,)
        elif kind == ROUTE_SEGMENTS:
            node = self.tree
            key = 1
            for item in data:
                if not isinstance(item, str):
                    if item[0] == SEG_PATH:
                        node = node.setdefault(2, {})
                        key = data[-1] if isinstance(data[-1], str) else None
                        break
                    item = 0
                node = node.setdefault(item, {})
            node[key] = node.get(key, ()) + (index,)
        elif kind == ROUTE_CALLABLE:
            self.always.append(index)
        else:
            raise ValueError('invalid route kind')
        self.entries.append((methods, kind, data))
        return index

    def _found(self, path):
        # (index, args) of each route matching path, in priority order
        if path[:1] != '/':
            return
        parts = path[1:].split('/')
        # the routes that can match, in priority order: the tree is walked
        # one segment at a time, along the literal and the dynamic branches
        found = list(self.static.get(path, ()))
        nodes = [self.tree]
        for part in parts:
            if not nodes:
                break
            after = []
            for node in nodes:
                if 2 in node:
                    found += node[2].get(None, ())
                    found += node[2].get(parts[-1], ())
                if part in node:
                    after.append(node[part])
                if part and 0 in node:
                    after.append(node[0])
            nodes = after
        for node in nodes:
            found += node.get(1, ())
        found += self.always
        found.sort()
        for index in found:
            _, kind, data = self.entries[index]
            if kind == ROUTE_STATIC:
                args = {}
            elif kind == ROUTE_SEGMENTS:
                args = _match_split(data, parts)
            else:
                args = data(path)
            if args is not None:
                yield index, args

    def matches(self, path):
        """Return ``(index, args)`` for every route matching ``path``, in
        priority order."""
        return list(self._found(path))

    def lookup(self, method, path):
        """Find the route for a request.

        Returns ``(index, last, args)``: ``index`` is the first route that
        matches the path and accepts ``method`` (or -1), ``last`` the last
        route that matched the path while looking for it (or -1, meaning
        "not found"; when ``index`` is -1 and ``last`` is not, the method is
        not allowed), and ``args`` the arguments of route ``index``.
        """
        last = -1
        for index, args in self._found(path):
            last = index
            if method in self.entries[index][0]:
                return index, index, args
        return -1, last, None
