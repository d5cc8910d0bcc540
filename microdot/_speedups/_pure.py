"""Pure-Python twins of microdot's hot paths.

Every function here has a compiled twin with the same name, the same results
and the same errors (see ``microdot/_speedups/__init__.py`` for the choice
between them). The code is written the way interpreted Python is fast
(``bytes.split``, ``bytes.find``, big-integer XOR) and stays within what
MicroPython supports, as this is the module that runs on microcontrollers.
"""

# ASCII whitespace, as stripped by bytes.strip() and split by bytes.split()
_WS = b' \t\n\r\x0b\x0c'
_HEX = b'0123456789abcdefABCDEF'

#: Codes of the dynamic segment kinds handled without regular expressions.
SEG_STRING = 0
SEG_INT = 1
SEG_PATH = 2

#: Kinds of entries in a :class:`Router`.
ROUTE_STATIC = 0
ROUTE_SEGMENTS = 1
ROUTE_CALLABLE = 2


_MISSING = object()


class NoCaseDict(dict):
    """A dictionary whose string keys are case-insensitive.

    :param initial_dict: an optional dictionary with the initial contents.

    Keys keep the case they were first stored with, and can be looked up,
    replaced or deleted with any case::

        >>> d = NoCaseDict()
        >>> d['Content-Type'] = 'text/html'
        >>> d['content-type']
        'text/html'
        >>> 'CONTENT-TYPE' in d
        True
        >>> del d['cOnTeNt-TyPe']
        >>> d
        {}
    """
    def __init__(self, initial_dict=None):
        super().__init__()
        #: lower-case form -> stored form, for keys that are not lower case
        self.keymap = {}
        if initial_dict:
            for key, value in initial_dict.items():
                self[key] = value

    def __setitem__(self, key, value):
        kl = key.lower()
        stored = self.keymap.get(kl)
        if stored is None:
            if kl != key and super().get(kl, _MISSING) is _MISSING:
                self.keymap[kl] = key
                stored = key
            else:
                stored = kl
        super().__setitem__(stored, value)

    def __getitem__(self, key):
        kl = key.lower()
        return super().__getitem__(self.keymap.get(kl, kl))

    def __delitem__(self, key):
        kl = key.lower()
        super().__delitem__(self.keymap.get(kl, kl))
        self.keymap.pop(kl, None)

    def __contains__(self, key):
        kl = key.lower()
        return super().get(self.keymap.get(kl, kl), _MISSING) is not _MISSING

    def get(self, key, default=None):
        """Return the value of a key in any case, or ``default``."""
        kl = key.lower()
        return super().get(self.keymap.get(kl, kl), default)

    def pop(self, key, *default):
        """Remove a key in any case and return its value."""
        kl = key.lower()
        value = super().pop(self.keymap.get(kl, kl), *default)
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
    if not name:
        raise ValueError('invalid header name')
    for c in name:
        if c in _WS:
            raise ValueError('invalid header name')
    return name.decode(), line[i + 1:].strip().decode()


def parse_head(data):
    """Parse a complete request head into ``(method, url, version, headers)``.

    :param data: the bytes of the request line and the header lines, each
                 ended by ``\\r\\n`` or ``\\n``. The blank line that ends the
                 head may be included.

    ``headers`` is a list of ``(name, value)`` tuples, in the order received.
    Errors are those of :func:`parse_request_line` and
    :func:`parse_header_line`.
    """
    lines = data.split(b'\n')
    method, url, version = parse_request_line(lines[0])
    headers = []
    for line in lines[1:]:
        if line == b'' or line == b'\r':
            break
        headers.append(parse_header_line(line))
    return method, url, version, headers


def head_end(data, pos=0):
    """Find the end of the request head that starts at ``data[pos]``.

    :param data: bytes holding the head, and possibly more after it.
    :param pos: where the head starts.

    Returns the index just past the empty line that ends the head (lines may
    end with ``\r\n`` or a bare ``\n``), or -1 when that line has not
    arrived yet. An empty line at ``pos`` itself does not count.
    """
    k = data.find(b'\n\r\n', pos)
    j = data.find(b'\n\n', pos, len(data) if k < 0 else k + 1)
    if j >= 0:
        return j + 2
    return k + 3 if k >= 0 else -1


def urldecode(s):
    """Decode a URL-encoded string given as ``str`` or ``bytes``.

    ``+`` becomes a space and ``%XX`` (two hex digits) becomes that byte. A
    ``%`` that is not followed by two hex digits is kept as it is. The decoded
    bytes are interpreted as UTF-8 (``UnicodeDecodeError`` if invalid).
    """
    if isinstance(s, str):
        if '%' not in s:
            return s.replace('+', ' ')
        s = s.encode()
    elif b'%' not in s:
        return s.replace(b'+', b' ').decode()
    parts = s.replace(b'+', b' ').split(b'%')
    out = [parts[0]]
    for part in parts[1:]:
        if len(part) >= 2 and part[0] in _HEX and part[1] in _HEX:
            out.append(bytes((int(part[:2], 16),)))
            out.append(part[2:])
        else:
            out.append(b'%')
            out.append(part)
    return b''.join(out).decode()


def parse_urlencoded(data):
    """Parse a query string or form body into a list of ``(key, value)``.

    :param data: a ``str`` or ``bytes`` with ``&``-separated ``key=value``
                 pairs. Empty pairs are skipped. Keys and values are decoded
                 with :func:`urldecode`. A key without ``=`` gets the value
                 ``''`` for ``str`` input and ``b''`` for ``bytes`` input, as
                 microdot has always done.
    """
    if isinstance(data, str):
        amp = '&'
        eq = '='
        missing = ''
    else:
        amp = b'&'
        eq = b'='
        missing = b''
    pairs = []
    for pair in data.split(amp):
        if pair:
            i = pair.find(eq)
            if i < 0:
                pairs.append((urldecode(pair), missing))
            else:
                pairs.append((urldecode(pair[:i]), urldecode(pair[i + 1:])))
    return pairs


def mask(key, data):
    """Apply a WebSocket masking key to a payload (masking and unmasking are
    the same operation).

    :param key: the 4-byte masking key.
    :param data: the payload, as bytes, bytearray or memoryview.
    """
    if len(key) != 4:
        raise ValueError('masking key must be 4 bytes long')
    n = len(data)
    if n == 0:
        return b''
    keys = bytes(key) * ((n + 3) // 4)
    if len(keys) != n:
        keys = keys[:n]
    # a single XOR of two big integers is much faster than a loop over bytes
    value = int.from_bytes(bytes(data), 'big') ^ int.from_bytes(keys, 'big')
    return value.to_bytes(n, 'big')


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


def _match_split(spec, segs):
    # Every item takes one segment, except path items, which take one or
    # more: as many as they can, the leftmost first (as the regular
    # expression '.+' would). The runs of one-segment items between path
    # items are placed from the right: the last run ends with the path, and
    # each other run as far right as it fits before the path item after it,
    # whose end is known by then. That is the greedy answer, found without
    # backtracking in O(len(segs) * len(spec)) steps at worst.
    n = len(segs)
    m = j = len(spec)
    if n < m:
        return None
    ends = []
    top = n
    while True:
        # spec[i:j] is a run of one-segment items, to start at e: exactly at
        # top - r for the last run, at 0 for the first, else at least i
        i = j
        while i and (isinstance(spec[i - 1], str) or
                     spec[i - 1][0] != SEG_PATH):
            i -= 1
        r = j - i
        e = top - r
        stop = e if j == m else i
        if not i:
            if e < 0 or stop > 0:
                return None
            e = 0
        while e >= stop:
            t = 0
            while t < r:
                item = spec[i + t]
                seg = segs[e + t]
                if isinstance(item, str):
                    if seg != item:
                        break
                elif not seg:
                    break
                elif item[0] == SEG_INT:
                    # an optional '-', then one or more ASCII digits
                    seg = seg[1:] if seg[0] == '-' else seg
                    if not seg or seg.strip('0123456789'):
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
        top = e - 1 if segs[e - 1] else e - 2
        j = i - 1
    args = {}
    for item in spec:
        if isinstance(item, str):
            e += 1
            continue
        if item[0] == SEG_PATH:
            value = '/'.join(segs[e:ends[-1]])
            e = ends.pop()
        else:
            value = segs[e]
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

    def _candidates(self, path, segs):
        # the routes that can match, in priority order: the tree is walked
        # one segment at a time, along the literal and the dynamic branches
        found = list(self.static.get(path, ()))
        nodes = [self.tree]
        for seg in segs:
            if not nodes:
                break
            after = []
            for node in nodes:
                if 2 in node:
                    found += node[2].get(None, ())
                    found += node[2].get(segs[-1], ())
                if seg in node:
                    after.append(node[seg])
                if seg and 0 in node:
                    after.append(node[0])
            nodes = after
        for node in nodes:
            found += node.get(1, ())
        found += self.always
        found.sort()
        return found

    def _found(self, path):
        # (index, args) of each route matching path, in priority order
        if path[:1] == '/':
            segs = path[1:].split('/')
            for index in self._candidates(path, segs):
                _, kind, data = self.entries[index]
                if kind == ROUTE_STATIC:
                    args = {}
                elif kind == ROUTE_SEGMENTS:
                    args = _match_split(data, segs)
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
