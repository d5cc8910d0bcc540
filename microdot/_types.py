"""
microdot._types
---------------

Helpers of microdot's API that a request needs only once it has a query
string, a form or a body stream (:class:`MultiDict`, :class:`AsyncBytesIO`),
or that only some extensions use (:func:`urlencode`, :func:`mro`). They are
names of :mod:`microdot` and :mod:`microdot.microdot` like the rest; on
MicroPython this module loads at the first use of one of them, so that
``import microdot`` does not pay for it. CPython imports it with
:mod:`microdot.microdot`.
"""
import io

from microdot import microdot as core
from microdot.microdot import Request
from microdot._speedups import parse_urlencoded


def urlencode(s):
    """URL-encode the characters of a string that would break a query string:
    ``%``, ``+``, ``?``, ``#``, ``&`` and ``=`` become ``%XX`` escapes and
    spaces become ``+``.

    ``urldecode(urlencode(s)) == s`` for any string.
    """
    # '%' goes first, so that the escapes added next are not encoded again,
    # and ' ' last, once '+' is encoded
    for c in '%+?#&=':
        s = s.replace(c, '%{:02X}'.format(ord(c)))
    return s.replace(' ', '+')


def mro(cls):
    """Return the method resolution order of a class, as a sequence that
    starts with the class itself.

    CPython classes have ``__mro__``. MicroPython classes do not, so there
    the hierarchy is walked depth first, keeping only the last occurrence of
    a class that is reached more than once.
    """
    if hasattr(cls, '__mro__'):
        return cls.__mro__
    found = []
    todo = [cls]
    while todo:
        c = todo.pop(0)
        if c in found:
            found.remove(c)
        found.append(c)
        todo[:0] = getattr(c, '__bases__', ())
    return found


class MultiDict(dict):
    """A dictionary that can hold several values per key, as query strings
    and forms do.

    :param initial_dict: an optional dictionary with the initial contents.

    Indexing gives the first value of a key; :meth:`getlist` gives them all::

        >>> d = MultiDict()
        >>> d['sort'] = 'name'
        >>> d['sort'] = 'email'
        >>> d['sort']
        'name'
        >>> d.getlist('sort')
        ['name', 'email']
    """
    def __init__(self, initial_dict=None):
        super().__init__()
        if initial_dict:
            for key, value in initial_dict.items():
                self[key] = value

    def __setitem__(self, key, value):
        if key in self:
            super().__getitem__(key).append(value)
        else:
            super().__setitem__(key, [value])

    def __getitem__(self, key):
        return super().__getitem__(key)[0]

    def get(self, key, default=None, type=None):
        """Return the first value of a key.

        :param key: the key to look up.
        :param default: what to return when the key is missing.
        :param type: an optional callable that converts the value, such as
                     ``int``.
        """
        if key not in self:
            return default
        value = self[key]
        if type is not None:
            value = type(value)
        return value

    def getlist(self, key, type=None):
        """Return the list of values of a key (empty when it is missing).

        :param key: the key to look up.
        :param type: an optional callable that converts each value.
        """
        if key not in self:
            return []
        values = super().__getitem__(key)
        if type is not None:
            return [type(value) for value in values]
        return list(values)


class AsyncBytesIO:
    """A bytes buffer with the asynchronous stream interface that microdot
    uses for requests (``read``, ``readline``, ``readexactly``,
    ``readuntil``, ``awrite``, ``aclose``).

    :param data: the initial contents of the buffer.
    """
    def __init__(self, data):
        self.stream = io.BytesIO(data)

    async def read(self, n=-1):
        return self.stream.read(n)

    async def readline(self):
        return self.stream.readline()

    readexactly = read

    async def readuntil(self, separator=b'\n'):
        data = b''
        while not data.endswith(separator):
            c = self.stream.read(1)
            if not c:
                break
            data += c
        return data

    async def awrite(self, data):
        return self.stream.write(data)

    async def aclose(self):
        pass


def _parse_urlencoded(self, text):
    # Request._parse_urlencoded: a query string or form body as a MultiDict
    data = MultiDict()
    if text:
        for key, value in parse_urlencoded(text):
            data[key] = value
    return data


def _stream(self):
    """The body of the request, as an asynchronous stream."""
    if self._stream is None:
        self._stream = AsyncBytesIO(self._body)
    return self._stream


# the names of this module in microdot.microdot (whose __getattr__ loads
# it), and the real methods in place of the stand-ins there
core.urlencode = urlencode
core.mro = mro
core.MultiDict = MultiDict
core.AsyncBytesIO = AsyncBytesIO
setattr(Request, '_parse_urlencoded', _parse_urlencoded)
setattr(Request, 'stream', property(_stream))
