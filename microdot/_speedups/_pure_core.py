"""Pure-Python twins that ``import microdot`` needs: the case-insensitive
dictionary of headers, URL decoding and query-string parsing, and the codes
shared with the routing twins. See ``_pure.py``, which gives every pure twin.
"""

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
        lower = key.lower()
        name = self.keymap.get(lower)  # the form stored
        if name is None:
            if lower != key and super().get(lower, _MISSING) is _MISSING:
                self.keymap[lower] = key
                name = key
            else:
                name = lower
        super().__setitem__(name, value)

    def __getitem__(self, key):
        lower = key.lower()
        return super().__getitem__(self.keymap.get(lower, lower))

    def __delitem__(self, key):
        lower = key.lower()
        super().__delitem__(self.keymap.get(lower, lower))
        self.keymap.pop(lower, None)

    def __contains__(self, key):
        lower = key.lower()
        return super().get(self.keymap.get(lower, lower),
                           _MISSING) is not _MISSING

    def get(self, key, default=None):
        """Return the value of a key in any case, or ``default``."""
        lower = key.lower()
        return super().get(self.keymap.get(lower, lower), default)

    def pop(self, key, *default):
        """Remove a key in any case and return its value."""
        lower = key.lower()
        value = super().pop(self.keymap.get(lower, lower), *default)
        self.keymap.pop(lower, None)
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
    text = isinstance(data, str)
    pairs = []
    for pair in data.split('&' if text else b'&'):
        if pair:
            i = pair.find('=' if text else b'=')
            if i < 0:
                pairs.append((urldecode(pair), '' if text else b''))
            else:
                pairs.append((urldecode(pair[:i]), urldecode(pair[i + 1:])))
    return pairs
