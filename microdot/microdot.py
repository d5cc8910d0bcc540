"""
microdot
--------

The core of microdot: the application, request and response classes, URL
routing and the portable asyncio server. This module runs unchanged on
CPython and MicroPython; its byte-level hot paths live in
``microdot._speedups``, which picks compiled or pure implementations.
"""
import asyncio
import io
import re
import sys
import time

from microdot import _jsoncodec
from microdot import _speedups
from microdot._speedups import parse_request_line, parse_header_line, \
    parse_urlencoded, urldecode, NoCaseDict  # noqa: F401 (re-exported)

try:
    from inspect import iscoroutinefunction, iscoroutine
    from functools import partial
    import concurrent.futures  # noqa: F401  (proves a thread pool exists)

    _coroutine_functions = {}  # type: dict

    async def invoke_handler(handler, *call_args, **call_kwargs):
        """Call a handler, sync or async, and return what it returns.

        Coroutine functions are awaited in the event loop. Plain functions
        run in the loop's default thread pool, so a slow sync handler does
        not stop the server from handling other requests.
        """
        # keyed by the code of functions: the closures that a request
        # creates (request.after_request handlers) share one entry, and the
        # cache does not keep them and what they hold alive
        key = getattr(handler, '__code__', handler)
        try:
            is_async = _coroutine_functions[key]
        except (KeyError, TypeError):  # new, or not hashable
            is_async = iscoroutinefunction(handler)
            if len(_coroutine_functions) < 10000:
                try:
                    _coroutine_functions[key] = is_async
                except TypeError:
                    pass
        if is_async:
            return await handler(*call_args, **call_kwargs)
        loop = asyncio.get_running_loop()
        ret = await loop.run_in_executor(
            None, partial(handler, *call_args, **call_kwargs))
        if iscoroutine(ret):
            # an awaitable returned by a callable object or a partial
            ret = await ret
        return ret
except ImportError:
    def iscoroutine(coro):  # type: ignore[misc]
        """Tell whether an object is a coroutine (MicroPython version)."""
        return hasattr(coro, 'throw') and hasattr(coro, 'send')

    async def invoke_handler(handler, *call_args, **call_kwargs):
        """Call a handler, sync or async, and return what it returns.

        Without threads, plain functions run inline in the event loop, so
        they should be quick.
        """
        ret = handler(*call_args, **call_kwargs)
        if iscoroutine(ret):
            ret = await ret
        return ret

try:
    from sys import print_exception  # type: ignore[attr-defined]
except ImportError:
    import traceback

    def print_exception(exc):
        """Print an exception with its traceback."""
        traceback.print_exception(type(exc), exc, exc.__traceback__)

#: ``errno`` values of socket errors that mean the client went away. They
#: are expected in a server's life and are not reported.
MUTED_SOCKET_ERRORS = [
    32,  # EPIPE: broken pipe
    54,  # ECONNRESET on BSD and macOS
    104,  # ECONNRESET on Linux
    128,  # ENOTCONN on some MicroPython ports
]


def _is_muted(exc):
    return (exc.args and exc.args[0] in MUTED_SOCKET_ERRORS) or \
        getattr(exc, 'errno', None) in MUTED_SOCKET_ERRORS or \
        (exc.args and exc.args[0] == 'Connection lost')


def urlencode(s):
    """URL-encode the characters of a string that would break a query string:
    ``%``, ``+``, ``?``, ``#``, ``&`` and ``=`` become ``%XX`` escapes and
    spaces become ``+``.

    ``urldecode(urlencode(s)) == s`` for any string.
    """
    # '%' goes first, so that the escapes added next are not encoded again
    return s.replace('%', '%25').replace('+', '%2B').replace(
        ' ', '+').replace('?', '%3F').replace('#', '%23').replace(
        '&', '%26').replace('=', '%3D')


_MISSING = object()


_JSON_CONTENT_TYPE = 'application/json; charset=UTF-8'
_EPOCH_DATE = 'Thu, 01 Jan 1970 00:00:01 GMT'


def mro(cls):
    """Return the method resolution order of a class, as a sequence that
    starts with the class itself.

    CPython classes have ``__mro__``. MicroPython classes do not, so there
    the hierarchy is walked depth first, keeping only the last occurrence of
    a class that is reached more than once.
    """
    if hasattr(cls, '__mro__'):
        return cls.__mro__
    order = []
    pending = [cls]
    while pending:
        c = pending.pop(0)
        order.append(c)
        pending[:0] = list(getattr(c, '__bases__', ()))
    result = []
    for i, c in enumerate(order):
        if c not in order[i + 1:]:
            result.append(c)
    return result


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

    async def readexactly(self, n):
        return self.stream.read(n)

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


def merge_vary(existing, names):
    """Return a ``Vary`` header value that adds header names to an
    existing one.

    :param existing: the current value (a comma-separated list), or
                     ``None``.
    :param names: the names to add: a comma-separated string or an iterable
                  of names. Names already present (in any case) are not
                  repeated, and ``*`` stays as it is.
    """
    if isinstance(names, str):
        names = names.split(',')
    else:
        names = sorted(names)
    merged = [n.strip() for n in (existing or '').split(',') if n.strip()]
    if '*' in merged:
        return existing
    seen = [n.lower() for n in merged]
    for name in names:
        name = name.strip()
        if name and name.lower() not in seen:
            merged.append(name)
            seen.append(name.lower())
    return ', '.join(merged)


def _parse_content_length(value):
    # only plain decimal digits: no sign, no spaces, no underscores
    if not value or not all(c in '0123456789' for c in value):
        raise ValueError('invalid Content-Length')
    return int(value)


# how much of a request body is read at a time: little on a board, more
# where memory is plentiful
_PIECE = 65536 if sys.implementation.name == 'cpython' else 1024


class _BadRequest(ValueError):
    # A request that cannot be served, with the status to answer it with.
    # A ValueError, as microdot has always raised for unparsable requests.
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def _wait(coro, timeout):
    # await with a timeout in seconds (None or 0: no limit)
    if timeout:
        return await asyncio.wait_for(coro, timeout)
    return await coro


def _hex_size(line):
    # the size of a chunk, from its size line (chunk extensions ignored)
    digits = line.split(b';', 1)[0].strip()
    if not digits or len(digits) > 15:
        raise _BadRequest(400, 'Invalid chunk size')
    for c in digits:
        if c not in b'0123456789abcdefABCDEF':
            raise _BadRequest(400, 'Invalid chunk size')
    return int(digits, 16)


class _Body:
    """The body of a request as a stream, following the reader contract of
    :attr:`Request.stream` (``read``, ``readexactly``, ``readline``,
    ``readuntil``). It never reads past the body, so the next request on a
    persistent connection stays intact.

    :param reader: the connection, or the body as the web server gives it.
    :param size: the ``Content-Length``; ``None`` for a chunked body, which is
                 decoded (trailers are dropped); ``-1`` for a body that ends
                 where ``reader`` ends.
    :param limit: the largest body accepted; a larger one raises a 413 error.
    :param expect: a writer to send ``100 Continue`` to before the first
                   read, for a client that asked for it.
    :param timeout: seconds to wait for each read of ``reader``.
    """
    def __init__(self, reader, size, limit, expect=None, timeout=None):
        self.reader = reader
        self.left = size  # in the body, or in the current chunk
        self.chunked = size is None
        self.limit = limit
        self.expect = expect
        self.timeout = timeout
        self.total = 0
        self.buf = b''
        self.done = size == 0

    async def _line(self):
        line = await _wait(self.reader.readline(), self.timeout)
        if len(line) > Request.max_readline:
            raise _BadRequest(400, 'Chunk line too long')
        if not line.endswith(b'\n'):
            # cut off: unlike a short fixed-size body, the handler could not
            # tell, so this is an error
            raise HTTPException(400, 'Incomplete chunked body')
        return line

    async def _more(self):
        # the next piece of the body, or b'' at its end
        if self.done:
            return b''
        if self.expect is not None:
            writer, self.expect = self.expect, None
            await writer.awrite(b'HTTP/1.1 100 Continue\r\n\r\n')
        if self.chunked:
            if not self.left:
                if self.left == 0 and (await self._line()).strip():
                    raise _BadRequest(400, 'Invalid chunk end')
                size = _hex_size(await self._line())
                if size == 0:
                    count = 0
                    while (await self._line()).strip():  # trailers
                        count += 1
                        if count > Request.max_headers:
                            raise _BadRequest(431, 'Too many trailers')
                    self.done = True
                    return b''
                self.total += size
                if self.total > self.limit:
                    raise HTTPException(413, 'Payload too large')
                self.left = size
        elif self.left < 0:
            data = await _wait(self.reader.read(_PIECE), self.timeout)
            self.total += len(data)
            if self.total > self.limit:
                raise HTTPException(413, 'Payload too large')
            self.done = not data
            return data
        data = await _wait(self.reader.read(min(self.left, _PIECE)),
                           self.timeout)
        if not data:
            if self.chunked:
                raise HTTPException(400, 'Incomplete chunked body')
            self.done = True  # cut off: the reader gets less than announced
            return b''
        self.left -= len(data)
        if not self.left and not self.chunked:
            self.done = True
        return data

    async def read(self, n=-1):
        """Read up to ``n`` bytes (all that is left when ``n`` is negative);
        ``b''`` at the end of the body."""
        if n is None or n < 0:
            parts = [self.buf]
            self.buf = b''
            while True:
                data = await self._more()
                if not data:
                    return b''.join(parts)
                parts.append(data)
        if not self.buf:
            self.buf = await self._more()
        data = self.buf[:n]
        self.buf = self.buf[n:]
        return data

    async def readexactly(self, n):
        """Read ``n`` bytes, or what is left when the body is shorter."""
        while len(self.buf) < n:
            data = await self._more()
            if not data:
                break
            self.buf += data
        data = self.buf[:n]
        self.buf = self.buf[n:]
        return data

    async def readuntil(self, separator=b'\n'):
        """Read up to and including ``separator``, or to the end of the
        body when it does not come."""
        start = 0
        while True:
            i = self.buf.find(separator, start)
            if i >= 0:
                i += len(separator)
                data = self.buf[:i]
                self.buf = self.buf[i:]
                return data
            start = max(0, len(self.buf) - len(separator) + 1)
            data = await self._more()
            if not data:
                data, self.buf = self.buf, b''
                return data
            self.buf += data

    async def readline(self):
        """Read one line, with its ``\\n``."""
        return await self.readuntil(b'\n')


async def _read_head(reader, line=None):
    # The head of a request from a stream, as (method, url, version,
    # headers), within the limits of Request. None when the client closed
    # the connection before sending anything.
    if line is None:
        line = await reader.readline()
    while line == b'\r\n' or line == b'\n':
        # empty lines before a request line are ignored (RFC 9112, 2.2)
        line = await reader.readline()
    if not line:
        return None
    if len(line) > Request.max_readline:
        raise _BadRequest(414, 'URI too long')
    method, url, version = parse_request_line(line)
    size = len(line)
    headers = []
    while True:
        line = await reader.readline()
        if not line:
            raise EOFError('connection closed in the request head')
        if len(line) > Request.max_readline:
            raise _BadRequest(431, 'Request header fields too large')
        size += len(line)
        if size > Request.max_head_length:  # the blank line counts too
            raise _BadRequest(431, 'Request header fields too large')
        if line == b'\r\n' or line == b'\n':
            break
        if len(headers) >= Request.max_headers:
            raise _BadRequest(431, 'Request header fields too large')
        headers.append(parse_header_line(line))
    return method, url, version, headers


_SINGLE_HEADERS = ('content-length', 'transfer-encoding', 'host')


class Request:
    """An HTTP request, as given to route handlers."""

    #: The largest request body accepted, in bytes. Larger requests get a
    #: 413 response. Read each time a request arrives, so applications can
    #: change it at any time::
    #:
    #:    Request.max_content_length = 1024 * 1024  # accept up to 1 MB
    max_content_length = 16 * 1024

    #: The largest body that is read into :attr:`body`. Bodies above this
    #: size (and within ``max_content_length``) are left in :attr:`stream`
    #: for the handler to read. Set to 0 to always use the stream.
    max_body_length = 16 * 1024

    #: The longest line accepted in the request line and headers, in bytes.
    #: A longer request line gets a 414 response, a longer header line 431.
    max_readline = 2 * 1024

    #: The most header lines a request may have; more get a 431 response.
    max_headers = 100

    #: The largest request head (request line and headers), in bytes; a
    #: larger one gets a 431 response.
    max_head_length = 16 * 1024

    class G:
        """A namespace for the application's per-request data."""
        pass

    def __init__(self, app, client_addr, method, url, http_version,
                 headers, body=None, stream=None, sock=None,
                 url_prefix='', subapp=None, scheme=None, route=None):
        #: The application that received the request.
        self.app = app
        #: The client's address, as a ``(host, port)`` tuple.
        self.client_addr = client_addr
        #: The HTTP method, such as ``'GET'``.
        self.method = method
        #: The URL of the request, with its query string.
        self.url = url
        #: The URL prefix of the mounted sub-application that holds the
        #: route, or ``''``.
        self.url_prefix = url_prefix
        #: The mounted sub-application that holds the route, or ``None``.
        self.subapp = subapp
        #: The URL scheme, ``'http'`` or ``'https'``.
        self.scheme = scheme or 'http'
        #: The route handler that the request was dispatched to, set before
        #: the before-request handlers run (``None`` when no route matched).
        self.route = route
        #: The path part of the URL.
        self.path = url
        #: The query string of the URL, or ``None``.
        self.query_string = None
        #: The query string arguments, as a :class:`MultiDict`.
        self.args = {}
        #: The headers, as a :class:`NoCaseDict`.
        self.headers = headers
        #: The cookies sent by the client, as a dictionary.
        self.cookies = {}
        #: The value of the ``Content-Length`` header, or 0.
        self.content_length = 0
        #: The value of the ``Content-Type`` header, or ``None``.
        self.content_type = None
        #: A place where the application can keep data for the length of
        #: the request.
        self.g = Request.G()
        #: The HTTP version, such as ``'1.1'``.
        self.http_version = http_version
        #: The arguments taken from the dynamic parts of the URL.
        self.url_args = None

        if '?' in url:
            self.path, query = url.split('?', 1)
            self.query_string = query
            self.args = self._parse_urlencoded(query)

        value = headers.get('Content-Length')
        if value is not None:
            self.content_length = _parse_content_length(value)
        self.content_type = headers.get('Content-Type')
        value = headers.get('Cookie')
        if value is not None:
            # as microdot 2.7 (whose suite checks it): every ';'-separated
            # piece is a cookie, so an empty piece gives a '' cookie
            for cookie in value.split(';'):
                pair = cookie.strip().split('=', 1)
                self.cookies[pair[0]] = pair[1] if len(pair) == 2 else ''

        self._body = body
        self.body_used = False
        self._stream = stream
        # set by the wire seam (Request._new): the HTTP version as '1.0' or
        # '1.1', a chunked body, and whether the client keeps the
        # connection open
        self._version = '1.0'
        self._chunked = False
        self._keep = False
        #: The ``(reader, writer)`` streams of the connection, the same on
        #: every transport: the reader has the ``read(n=-1)``,
        #: ``readexactly(n)``, ``readline()`` and ``readuntil(separator)``
        #: coroutines, the writer ``awrite(data)`` and ``aclose()``. Under
        #: ASGI it is the ``(receive, send)`` pair instead.
        self.sock = sock
        self._json = None
        self._form = None
        self._files = None
        #: The request-specific after-request handlers.
        self.after_request_handlers = []

    @staticmethod
    async def create(app, client_reader, client_writer, client_addr,
                     scheme=None):
        """Read a request from a stream and return a :class:`Request`.

        :param app: the application.
        :param client_reader: the stream the request is read from, with the
                              ``readline()``, ``read()`` and
                              ``readexactly()`` coroutines.
        :param client_writer: the stream responses are written to.
        :param client_addr: the client's address.
        :param scheme: the URL scheme, ``'http'`` by default.

        Returns ``None`` when the client closed the connection without
        sending anything. Raises ``ValueError`` (or ``EOFError`` when the
        connection closes in the middle of the request) for requests that
        cannot be parsed or are over the limits of this class.
        """
        head = await _read_head(client_reader)
        if head is None:
            return None
        req = Request._new(app, client_addr, head,
                           (client_reader, client_writer), scheme)
        await req._load(client_reader)
        return req

    @staticmethod
    def _new(app, client_addr, head, sock=None, scheme=None,
             http_version=None):
        # The wire seam, request side: every transport turns a parsed head,
        # (method, url, version, headers), into a Request here. ``version``
        # is '1.0' or '1.1'; ``http_version`` is what the transport shows
        # in request.http_version, the same by default. Framing that could
        # be read two ways is refused (no request smuggling).
        method, url, version, headers = head
        if isinstance(headers, list):
            pairs = headers
            headers = NoCaseDict()
            for name, value in pairs:
                headers[name] = value
            if len(headers) < len(pairs):
                seen = []
                for name, _ in pairs:
                    name = name.lower()
                    if name in seen and name in _SINGLE_HEADERS:
                        raise _BadRequest(400, 'Duplicate ' + name)
                    seen.append(name)
        req = Request(app, client_addr, method, url, http_version or version,
                      headers, body=b'', sock=sock, scheme=scheme)
        req._version = version
        coding = headers.get('Transfer-Encoding')
        if coding is not None:
            if 'Content-Length' in headers:
                raise _BadRequest(400, 'Content-Length with '
                                  'Transfer-Encoding')
            if coding.strip().lower() != 'chunked':
                raise _BadRequest(400, 'Unsupported Transfer-Encoding')
            req._chunked = True
        value = headers.get('Connection')
        keep = version == '1.1'
        if value:
            value = value.lower()
            if 'close' in value:
                keep = False
            elif 'keep-alive' in value:
                keep = True
        req._keep = keep
        return req

    async def _load(self, reader, timeout=None, expect=None, decoded=False):
        # The body decision, made once for every transport: a body within
        # max_body_length is read into req.body; a larger one (or one of
        # unknown size that turns out larger) is left in req.stream for the
        # handler; one over max_content_length is not read at all (413).
        # ``decoded``: a web server (ASGI, WSGI) decoded a chunked body, or
        # one of unknown size, which ends where ``reader`` ends.
        n = self.content_length
        limit = self.max_content_length
        if n:
            if n > limit:
                return
            size = n
        elif self._chunked:
            size = -1 if decoded else None
        else:
            return
        if expect is None and self._version == '1.1' and \
                self.headers.get('Expect', '').lower() == '100-continue':
            expect = self.sock[1]
        want = self.max_body_length
        if size and size > want and not self._keep:
            # as microdot always did: the connection is the stream (it is
            # not used for another request)
            self._stream = reader
            return
        if size and 0 < size <= want:
            # a small body of known size: straight from the reader
            if expect:
                await expect.awrite(b'HTTP/1.1 100 Continue\r\n\r\n')
            self._body = await _wait(reader.readexactly(n), timeout)
            if len(self._body) < n:
                raise EOFError('connection closed in the request body')
            return
        stream = _Body(reader, size, limit, expect or None, timeout)
        if size is None or size < 0:
            data = await stream.readexactly(want + 1)
            if len(data) <= want:
                self._body = data
                self.content_length = len(data)
                return
            stream.buf = data + stream.buf  # put it back for the handler
        self._stream = stream

    def _parse_urlencoded(self, urlencoded):
        data = MultiDict()
        if urlencoded:
            for key, value in parse_urlencoded(urlencoded):
                data[key] = value
        return data

    @property
    def body(self):
        """The body of the request, as bytes."""
        return self._body

    @property
    def stream(self):
        """The body of the request, as an asynchronous stream."""
        if self._stream is None:
            self._stream = AsyncBytesIO(self._body)
        return self._stream

    def _mime_type(self):
        if self.content_type is None:
            return None
        return self.content_type.split(';')[0].strip().lower()

    @property
    def json(self):
        """The body parsed as JSON, or ``None`` when the request is not
        ``application/json``.

        A body that is not valid UTF-8 or not valid JSON raises an
        :class:`HTTPException` for a 400 response, which is also a
        ``ValueError`` on CPython; one left in :attr:`stream` (larger than
        :attr:`max_body_length`) raises one for a 413."""
        if self._json is None:
            if self._mime_type() != 'application/json':
                return None
            self._json = self._parse_body(_jsoncodec.loads, 'JSON body')
        return self._json

    @property
    def form(self):
        """The fields of a URL-encoded form submission, as a
        :class:`MultiDict`, or ``None`` for other requests.

        Multipart forms are parsed only for routes decorated with
        :func:`microdot.multipart.with_form_data`. Fields that are not valid
        UTF-8, and bodies left in :attr:`stream`, raise an
        :class:`HTTPException` for a 400 or a 413, as :attr:`json` does.
        """
        if self._form is None:
            if self._mime_type() != 'application/x-www-form-urlencoded':
                return None
            self._form = self._parse_body(self._parse_urlencoded, 'form data')
        return self._form

    def _parse_body(self, parse, what):
        # The body parsed for request.json or request.form, or the client's
        # error: 400 for a body that does not parse, 413 for one larger than
        # max_body_length, which is left in the stream and not read before
        # the route runs (parsing the empty self.body would be a wrong 400,
        # or an empty form).
        if not self._body and self._stream is not None and \
                (self.content_length or self._chunked):
            raise _BadRequestBody(413, 'Payload too large')
        try:
            return parse(self._body)
        except UnicodeError:
            raise _BadRequestBody(400, 'Invalid UTF-8 in ' + what)
        except (ValueError, RuntimeError):
            # RuntimeError: RecursionError, nesting too deep to parse
            raise _BadRequestBody(400, 'Invalid ' + what)

    @property
    def files(self):
        """The files uploaded with a multipart form, or ``None``. Set only
        for routes decorated with :func:`microdot.multipart.with_form_data`.
        """
        return self._files

    def after_request(self, f):
        """Register a function to run after this request only, once the
        application's own after-request handlers ran.

        The function takes the request and the response, and returns the
        response to send (or ``None`` to keep it). It is not called when the
        request ends in an error. Example::

            @app.get('/')
            def index(request):
                @request.after_request
                def add_header(request, response):
                    response.headers['X-Extra'] = 'yes'
                    return response
                return 'Hello'
        """
        self.after_request_handlers.append(f)
        return f


class _BodyIter:
    # Iterates the chunks of a response body that is not an async generator.
    NO_BODY = 0
    BYTES = 1
    SYNC_GEN = 2
    FILE = 3

    def __init__(self, response):
        self.response = response
        body = response.body
        if not body:
            self.kind = self.NO_BODY
        elif hasattr(body, 'read'):
            self.kind = self.FILE
            # a file sent with a length is cut to it, and must fill it
            size = response.headers.get('Content-Length')
            self.left = int(size) if size is not None else \
                getattr(response, '_size', None) or -1
        elif hasattr(body, '__next__'):
            self.kind = self.SYNC_GEN
        else:
            self.kind = self.BYTES

    def __aiter__(self):
        return self

    async def __anext__(self):
        kind = self.kind
        body = self.response.body
        if kind == self.NO_BODY:
            await self.aclose()
            raise StopAsyncIteration
        if kind == self.BYTES:
            self.kind = self.NO_BODY
            return body
        if kind == self.SYNC_GEN:
            try:
                return next(body)
            except StopIteration:
                await self.aclose()
                raise StopAsyncIteration
        size = self.response.send_file_buffer_size
        left = self.left
        if 0 <= left <= size:
            size = left
            self.kind = self.NO_BODY
        buf = body.read(size)
        if iscoroutine(buf):
            buf = await buf
        if len(buf) < size:
            if left >= 0:
                # the file shrank: end the connection, not the body
                raise RuntimeError('file shrank')
            self.kind = self.NO_BODY
        self.left = left - len(buf)
        return buf

    async def aclose(self):
        close = getattr(self.response.body, 'close', None)
        if close is not None:
            result = close()
            if iscoroutine(result):
                await result


class Response:
    """An HTTP response.

    :param body: the body. A ``dict`` or ``list`` is sent as JSON, a ``str``
                 is encoded as UTF-8, ``bytes`` are sent as they are, and a
                 file-like object, a generator or an async generator is
                 streamed.
    :param status_code: the HTTP status code, 200 by default.
    :param headers: a dictionary with the response headers.
    :param reason: the reason phrase of the status line. The default is
                   ``'OK'`` for 200 and ``'N/A'`` for other codes.
    """
    #: File extensions and their content types, used by :meth:`send_file`.
    types_map = {
        'css': 'text/css',
        'gif': 'image/gif',
        'html': 'text/html',
        'jpg': 'image/jpeg',
        'js': 'application/javascript',
        'json': 'application/json',
        'png': 'image/png',
        'txt': 'text/plain',
        'svg': 'image/svg+xml',
    }

    #: The size of the chunks in which file bodies are read and sent.
    send_file_buffer_size = 1024

    #: The content type of responses that do not set one.
    default_content_type = 'text/plain'

    #: The ``Cache-Control`` max age that :meth:`send_file` uses when none is
    #: given; ``None`` sends no ``Cache-Control`` header.
    default_send_file_max_age = None

    #: A response that handlers return when they already wrote to the
    #: connection themselves (a WebSocket route, for example), so that
    #: nothing more is sent.
    already_handled = None

    def __init__(self, body=b'', status_code=200, headers=None, reason=None):
        if body is None and status_code == 200:
            body = b''
            status_code = 204
        self.status_code = status_code
        self.headers = NoCaseDict(headers) if headers else NoCaseDict()
        self.reason = reason
        if isinstance(body, (dict, list)):
            body = _jsoncodec.dumpb(body)
            self.headers['Content-Type'] = _JSON_CONTENT_TYPE
        if isinstance(body, str):
            body = body.encode()
        self.body = body
        self.is_head = False

    def set_cookie(self, cookie, value, path=None, domain=None,
                   expires=None, max_age=None, secure=False,
                   http_only=False, partitioned=False):
        """Add a ``Set-Cookie`` header to the response.

        :param cookie: the cookie name.
        :param value: the cookie value; it cannot contain ``;``.
        :param path: the ``Path`` attribute.
        :param domain: the ``Domain`` attribute.
        :param expires: the ``Expires`` attribute, as a string in HTTP date
                        format or a ``datetime``.
        :param max_age: the ``Max-Age`` attribute, in seconds.
        :param secure: add the ``Secure`` flag.
        :param http_only: add the ``HttpOnly`` flag.
        :param partitioned: add the ``Partitioned`` flag.

        Raises ``ValueError`` for a value with ``;`` and for a cookie that
        would contain a line break.
        """
        if ';' in str(value):
            raise ValueError('invalid cookie value')
        parts = ['{}={}'.format(cookie, value)]
        if path:
            parts.append('Path=' + path)
        if domain:
            parts.append('Domain=' + domain)
        if expires:
            if not isinstance(expires, str):
                expires = time.strftime('%a, %d %b %Y %H:%M:%S GMT',
                                        expires.timetuple())
            parts.append('Expires=' + expires)
        if max_age is not None:
            parts.append('Max-Age=' + str(max_age))
        if secure:
            parts.append('Secure')
        if http_only:
            parts.append('HttpOnly')
        if partitioned:
            parts.append('Partitioned')
        http_cookie = '; '.join(parts)
        if '\r' in http_cookie or '\n' in http_cookie:
            raise ValueError('invalid cookie')
        cookies = self.headers.get('Set-Cookie')
        if cookies is None:
            self.headers['Set-Cookie'] = [http_cookie]
        else:
            cookies.append(http_cookie)

    def delete_cookie(self, cookie, **kwargs):
        """Ask the client to delete a cookie.

        :param cookie: the cookie name.
        :param kwargs: other attributes accepted by :meth:`set_cookie`, such
                       as ``path``; ``expires`` and ``max_age`` are ignored.
        """
        kwargs.pop('expires', None)
        kwargs.pop('max_age', None)
        self.set_cookie(cookie, '', expires=_EPOCH_DATE, max_age=0,
                        **kwargs)

    def complete(self):
        """Add the ``Content-Length`` and ``Content-Type`` headers when they
        are missing."""
        body = self.body
        if isinstance(body, bytes) and 'Content-Length' not in self.headers:
            self.headers['Content-Length'] = str(len(body))
        if 'Content-Type' not in self.headers:
            content_type = self.default_content_type
            if 'charset=' not in content_type:
                content_type += '; charset=UTF-8'
            self.headers['Content-Type'] = content_type

    def _wire(self, version='1.0', keep=False, extra=''):
        # The wire seam, response side: the embedded servers serialize every
        # response here. Returns (head, payload, keep): ``payload`` is the
        # body to send after the head as bytes (b'' for none), or None when
        # the body streams, chunked when self._chunked is set; ``keep`` says
        # whether the connection can carry another request afterwards.
        # ``extra`` is header lines the server adds (Date).
        status = self.status_code
        body = self.body
        headers = self.headers
        sized = isinstance(body, bytes)
        bare = status in (204, 304) or status < 200
        has_length = bool(headers) and 'Content-Length' in headers
        payload = body
        chunked = False
        length = None
        if not sized and not has_length and version == '1.1':
            length = getattr(self, '_size', None)  # from send_file
            has_length = length is not None
        if bare or self.is_head:
            payload = b''
        elif not sized:
            payload = None
            if not has_length:
                if keep and version == '1.1':
                    chunked = True
                else:
                    keep = False
        self._chunked = chunked
        reason = self.reason
        if reason is None:
            reason = 'OK' if status == 200 else 'N/A'
        head = 'HTTP/' + version + ' ' + str(status) + ' ' + reason + '\r\n'
        connection = None
        ctype = True
        if headers:
            lines = [head]
            for name, value in headers.items():
                if isinstance(value, list):
                    for v in value:
                        lines.append('{}: {}\r\n'.format(name, v))
                elif not bare or version == '1.0' or \
                        name.lower() != 'content-length':
                    lines.append('{}: {}\r\n'.format(name, value))
            head = ''.join(lines)
            ctype = 'Content-Type' not in headers
            connection = headers.get('Connection')
        # what complete() would add, without touching self.headers
        if sized and not has_length and (not bare or version == '1.0'):
            head += 'Content-Length: ' + str(len(body)) + '\r\n'
        elif length is not None and not bare:
            head += 'Content-Length: ' + str(length) + '\r\n'
        if ctype:
            ctype = self.default_content_type
            if 'charset=' not in ctype:
                ctype += '; charset=UTF-8'
            head += 'Content-Type: ' + ctype + '\r\n'
        if connection is None:
            if chunked:
                head += 'Transfer-Encoding: chunked\r\n'
            if not keep and version == '1.1':
                head += 'Connection: close\r\n'
            elif keep and version == '1.0':
                head += 'Connection: keep-alive\r\n'
        elif 'close' in connection.lower():
            keep = False
        return (head + extra + '\r\n').encode(), payload, keep

    async def write(self, stream):
        """Write the response to a stream, through its ``awrite()``
        coroutine only. The status line says ``HTTP/1.0`` and the body ends
        where the connection does."""
        self.complete()
        await self._send(stream)

    async def _send(self, stream, version='1.0', keep=False):
        # Send the response; return whether the connection can be kept.
        head, payload, keep = self._wire(version, keep)
        try:
            if payload is not None:
                if len(payload) < 16384:
                    await stream.awrite(head + payload)
                else:
                    await stream.awrite(head)
                    await stream.awrite(payload)
                if not isinstance(self.body, bytes):
                    await self.body_iter().aclose()
                return keep
            await stream.awrite(head)
            chunked = self._chunked
            chunks = self.body_iter()
            try:
                async for chunk in chunks:
                    if isinstance(chunk, str):
                        chunk = chunk.encode()
                    if chunked:
                        if not chunk:
                            continue
                        chunk = b'%x\r\n' % len(chunk) + chunk + b'\r\n'
                    await stream.awrite(chunk)
                if chunked:
                    await stream.awrite(b'0\r\n\r\n')
            finally:
                if hasattr(chunks, 'aclose'):
                    await chunks.aclose()
        except OSError as exc:
            if not _is_muted(exc):
                raise
            keep = False
        return keep

    def body_iter(self):
        """Return an asynchronous iterator over the chunks of the body."""
        if hasattr(self.body, '__anext__'):
            return self.body
        return _BodyIter(self)

    @classmethod
    def redirect(cls, location, status_code=302):
        """Return a redirect response.

        :param location: the URL to redirect to; it cannot contain line
                         breaks.
        :param status_code: the 3xx status code, 302 by default.
        """
        if '\r' in location or '\n' in location:
            raise ValueError('invalid redirect URL')
        return cls(b'', status_code, {'Location': location})

    @classmethod
    def send_file(cls, filename, status_code=200,
                  content_type=None, stream=None, max_age=None,
                  compressed=False, file_extension=''):
        """Return a response that streams the contents of a file.

        :param filename: the file to send.
        :param status_code: the status code, 200 by default.
        :param content_type: the ``Content-Type``; by default it comes from
                             the file extension through :attr:`types_map`,
                             or is ``application/octet-stream``.
        :param stream: an open file-like object to send instead of opening
                       ``filename`` (which then only gives the content type).
        :param max_age: the ``Cache-Control`` max age in seconds; by default
                        :attr:`default_send_file_max_age`.
        :param compressed: ``True`` sets ``Content-Encoding: gzip`` (and the
                           type of ``name.ext.gz`` is taken from ``ext``); a
                           string sets that encoding. The file must already
                           be compressed.
        :param file_extension: a suffix added to ``filename`` when opening
                               it, such as ``'.gz'``; it does not affect the
                               content type.

        A file opened here is sent with its ``Content-Length`` on HTTP/1.1
        connections (if it shrinks meanwhile the connection is closed, never
        left short). The
        file name is trusted: for names that come from a client use
        :func:`microdot.static.send_from_directory`.
        """
        if content_type is None:
            name = filename
            if compressed and name.endswith('.gz'):
                name = name[:-3]
            content_type = cls.types_map.get(name.split('.')[-1],
                                             'application/octet-stream')
        headers = {'Content-Type': content_type}
        if max_age is None:
            max_age = cls.default_send_file_max_age
        if max_age is not None:
            headers['Cache-Control'] = 'max-age=' + str(max_age)
        if compressed:
            headers['Content-Encoding'] = compressed \
                if isinstance(compressed, str) else 'gzip'
        size = None
        if not stream:
            stream = open(filename + file_extension, 'rb')
            try:
                size = stream.seek(0, 2)
                stream.seek(0)
            except OSError:  # not seekable: sent as a stream
                pass
        res = cls(stream, status_code, headers)
        # the length goes out on HTTP/1.1 connections (Response._wire), not
        # in res.headers: microdot 2.7's own tests pin what write() sends
        res._size = size
        return res


_BUILTIN_SEGMENTS = {
    'string': _speedups.SEG_STRING,
    'int': _speedups.SEG_INT,
    'path': _speedups.SEG_PATH,
}


class URLPattern():
    """The URL pattern of a route.

    :param url_pattern: the pattern. Dynamic segments are written as
                        ``<name>`` or ``<type:name>``, with the types
                        ``string`` (the default, one path segment), ``int``,
                        ``path`` (one or more segments), ``re:<regex>`` and
                        any type added with :meth:`register_type`.

    Static patterns and patterns made of ``string``, ``int`` and ``path``
    segments are matched segment by segment; a regular expression is only
    compiled for patterns with ``re:`` or custom segments.
    """
    #: The regular expression of each segment type.
    segment_patterns = {
        'string': '/([^/]+)',
        'int': '/(-?\\d+)',
        'path': '/(.+)',
    }
    #: The parser of each segment type that converts its value.
    segment_parsers = {
        'int': lambda value: int(value),
    }

    _default_patterns = dict(segment_patterns)

    @classmethod
    def register_type(cls, type_name, pattern='[^/]+', parser=None):
        """Add (or replace) a segment type.

        :param type_name: the name used in patterns, as in
                          ``<type_name:arg>``.
        :param pattern: the regular expression a segment of this type must
                        match; one path segment by default.
        :param parser: an optional callable that converts the matched text.
                       When it returns ``None`` the pattern does not match.
        """
        cls.segment_patterns[type_name] = '/(' + pattern + ')'
        cls.segment_parsers[type_name] = parser

    def __init__(self, url_pattern):
        self.url_pattern = url_pattern
        self.segments = []
        self.regex = None
        self._spec = None

    def compile(self):
        """Prepare the pattern for matching; called on first use.

        Raises ``ValueError`` for a malformed dynamic segment or an unknown
        segment type. Returns the compiled regular expression, or ``None``
        when the pattern is matched without one.
        """
        segments = []
        spec = []
        regex = ''
        use_regex = False
        parts = self.url_pattern.lstrip('/').split('/')
        for segment in parts:
            if segment and segment[0] == '<':
                if segment[-1] != '>':
                    raise ValueError('invalid URL pattern: ' +
                                     self.url_pattern)
                segment = segment[1:-1]
                if ':' in segment:
                    type_, name = segment.rsplit(':', 1)
                else:
                    type_, name = 'string', segment
                parser = None
                if type_.startswith('re:'):
                    regex += '/({})'.format(type_[3:])
                    use_regex = True
                else:
                    if type_ not in self.segment_patterns:
                        raise ValueError('invalid URL segment type: ' +
                                         type_)
                    regex += self.segment_patterns[type_]
                    parser = self.segment_parsers.get(type_)
                    if type_ not in _BUILTIN_SEGMENTS or \
                            self.segment_patterns[type_] != \
                            self._default_patterns[type_]:
                        use_regex = True
                    else:
                        spec.append((_BUILTIN_SEGMENTS[type_], name, parser))
                segments.append({'parser': parser, 'name': name,
                                 'type': type_})
            else:
                regex += '/' + segment
                spec.append(segment)
                segments.append({'parser': None})
        self.segments = segments
        if use_regex:
            self.regex = re.compile('^' + regex + '$')
            self._spec = None
        else:
            self._spec = tuple(spec)
        return self.regex

    def _route(self):
        # how the router should match this pattern: (kind, data)
        if self._spec is None and self.regex is None:
            self.compile()
        if self.regex is not None:
            return _speedups.ROUTE_CALLABLE, self.match
        for item in self._spec:
            if not isinstance(item, str):
                return _speedups.ROUTE_SEGMENTS, self._spec
        return _speedups.ROUTE_STATIC, '/' + '/'.join(self._spec)

    def match(self, path):
        """Match a URL path against the pattern.

        Returns a dictionary with the values of the dynamic segments, or
        ``None`` when the path does not match.
        """
        if self._spec is None and self.regex is None:
            self.compile()
        if self.regex is None:
            return _speedups.match_segments(self._spec, path)
        try:
            g = self.regex.match(path)
        except RuntimeError:
            # MicroPython's regex engine recurses, and gives up on very long
            # segments; such a path does not match
            return None
        if not g:
            return None
        args = {}
        i = 1
        for segment in self.segments:
            if 'name' not in segment:
                continue
            arg = g.group(i)
            i += 1
            if segment['parser']:
                arg = segment['parser'](arg)
                if arg is None:
                    return None
            args[segment['name']] = arg
        return args

    def __repr__(self):
        return 'URLPattern: ' + self.url_pattern


class HTTPException(Exception):
    """An exception that ends a request with an HTTP error response.

    :param status_code: the status code of the response.
    :param reason: the text of the response; ``'<code> error'`` by default.
    """
    def __init__(self, status_code, reason=None):
        super().__init__(status_code, reason)
        self.status_code = status_code
        if not reason:
            reason = '{} error'.format(status_code)
        self.reason = reason

    def __repr__(self):
        return 'HTTPException: ' + str(self.status_code)


try:
    class _BadRequestBody(HTTPException, ValueError):
        # A body request.json or request.form cannot parse: a 400 for the
        # client, and still the ValueError that upstream's parsers raised
        # for code that catches it.
        pass
except TypeError:  # pragma: no cover
    # MicroPython cannot derive from both
    _BadRequestBody = HTTPException  # type: ignore[assignment,misc]


class _Writer:
    # Gives a CPython StreamWriter the awrite()/aclose() coroutines that
    # microdot writes through, as MicroPython streams have them.
    __slots__ = ('writer', 'write', 'get_extra_info')

    def __init__(self, writer):
        self.writer = writer
        self.write = writer.write
        self.get_extra_info = writer.get_extra_info

    async def awrite(self, data):
        if self.writer.is_closing():
            # the client went away (uvloop would raise a RuntimeError)
            raise ConnectionResetError(104, 'Connection lost')
        self.writer.write(data)
        await self.writer.drain()

    async def aclose(self):
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass

    async def drain(self):
        await self.writer.drain()

    def close(self):
        self.writer.close()

    async def wait_closed(self):
        await self.writer.wait_closed()


def _consumed(req):
    # whether the whole body of a request was read, so that the next
    # request on the connection starts where it ended
    stream = req._stream
    if isinstance(stream, _Body):
        return stream.done and not stream.buf
    return req.content_length <= req.max_content_length


def _event_loop_name():
    """Name the event loop that :meth:`Microdot.run` uses."""
    try:
        import uvloop  # noqa: F401
        return 'uvloop'
    except ImportError:
        return 'asyncio'


class Microdot:
    """A web application.

    Routes and handlers are registered with the decorators of this class,
    much as with Flask::

        from microdot import Microdot

        app = Microdot()

        @app.route('/')
        async def index(request):
            return 'Hello, world!'

        app.run()
    """

    #: Seconds a client has to send a complete request head: from the
    #: moment it connects for its first request, and from the first byte of
    #: each following one. A client that is too slow gets a 408 response
    #: (when it sent part of a head) and the connection is closed.
    head_timeout = 10

    #: Seconds an idle persistent (keep-alive) connection is kept open
    #: waiting for the next request. 0 closes every connection after one
    #: response.
    keep_alive_timeout = 5

    #: Seconds the server waits for each new piece of a request body (and
    #: for a slow client to accept more of a response) before giving up.
    body_timeout = 30

    #: Seconds :meth:`shutdown` gives the requests in progress to finish
    #: before their connections are closed.
    shutdown_timeout = 10

    def __init__(self):
        #: The routes, as ``(methods, URLPattern, handler, url_prefix,
        #: subapp)`` tuples, in the order they were added.
        self.url_map = []
        self.before_request_handlers = []
        self.after_request_handlers = []
        self.after_error_request_handlers = []
        self.error_handlers = {}
        #: The function that answers ``OPTIONS`` requests; set to ``None``
        #: to route them like any other method.
        self.options_handler = self.default_options_handler
        #: Whether the server prints each request and extra diagnostics.
        self.debug = False
        #: The ``SSLContext`` of the running server, or ``False``.
        self.ssl = False
        #: The server object while the server runs.
        self.server = None
        self._closing = False
        self._router = None
        self._router_size = -1

    def route(self, url_pattern, methods=None):
        """Decorator that registers a function as the handler of a URL.

        :param url_pattern: the URL pattern (see :class:`URLPattern`), such as
                            ``'/users/<int:id>'``.
        :param methods: the HTTP methods handled, ``['GET']`` by default.

        The handler receives the request, and the dynamic segments as keyword
        arguments. It returns a :class:`Response`, or what the constructor of
        :class:`Response` takes: a body, or a tuple ``(body, status_code)``,
        ``(body, headers)`` or ``(body, status_code, headers)``, or just a
        status code. Example::

            @app.route('/users/<int:id>', methods=['GET', 'PUT'])
            async def user(request, id):
                return {'id': id}
        """
        def decorated(f):
            self.url_map.append(
                ([m.upper() for m in (methods or ['GET'])],
                 URLPattern(url_pattern), f, '', None))
            self._router = None
            return f
        return decorated

    def get(self, url_pattern):
        """Shortcut for :meth:`route` with ``methods=['GET']``."""
        return self.route(url_pattern, ['GET'])

    def post(self, url_pattern):
        """Shortcut for :meth:`route` with ``methods=['POST']``."""
        return self.route(url_pattern, ['POST'])

    def put(self, url_pattern):
        """Shortcut for :meth:`route` with ``methods=['PUT']``."""
        return self.route(url_pattern, ['PUT'])

    def patch(self, url_pattern):
        """Shortcut for :meth:`route` with ``methods=['PATCH']``."""
        return self.route(url_pattern, ['PATCH'])

    def delete(self, url_pattern):
        """Shortcut for :meth:`route` with ``methods=['DELETE']``."""
        return self.route(url_pattern, ['DELETE'])

    def query(self, url_pattern):
        """Shortcut for :meth:`route` with ``methods=['QUERY']``, the safe
        HTTP method that carries a query in its body."""
        return self.route(url_pattern, ['QUERY'])

    def before_request(self, f):
        """Decorator that registers a function to run before each request.

        The function takes the request. If it returns a response, that
        response is sent and the route handler is not called.
        """
        self.before_request_handlers.append(f)
        return f

    def after_request(self, f):
        """Decorator that registers a function to run after each request
        that did not end in an error.

        The function takes the request and the response, and returns the
        response to send (``None`` keeps the one given).
        """
        self.after_request_handlers.append(f)
        return f

    def after_error_request(self, f):
        """Decorator that registers a function to run after each error
        response, whether generated by microdot or by an error handler.

        The function takes the request (which may be ``None`` when it could
        not be parsed) and the response, and returns the response to send.
        """
        self.after_error_request_handlers.append(f)
        return f

    def errorhandler(self, status_code_or_exception_class):
        """Decorator that registers an error handler.

        :param status_code_or_exception_class: an HTTP status code, whose
            handler takes the request, or an exception class, whose handler
            takes the request and the exception. A handler for a class also
            handles its subclasses, unless they have their own.

        Example::

            @app.errorhandler(404)
            def not_found(request):
                return {'error': 'not found'}, 404
        """
        key = status_code_or_exception_class

        def decorated(f):
            self.error_handlers[key] = f
            return f
        return decorated

    def mount(self, subapp, url_prefix='', local=False):
        """Add the routes of another application under a URL prefix.

        :param subapp: the application to mount.
        :param url_prefix: the prefix of its URLs, such as ``'/api'``.
        :param local: when ``True`` the sub-application's before, after and
                      error handlers apply only to its own routes; when
                      ``False`` (the default) they move to this application
                      and apply to every route.
        """
        for methods, pattern, handler, prefix, owner in subapp.url_map:
            mounted = URLPattern(url_prefix + pattern.url_pattern)
            self.url_map.append((methods, mounted, handler,
                                 url_prefix + prefix, owner or subapp))
        self._router = None
        if not local:
            self.before_request_handlers += subapp.before_request_handlers
            subapp.before_request_handlers = []
            self.after_request_handlers += subapp.after_request_handlers
            subapp.after_request_handlers = []
            self.after_error_request_handlers += \
                subapp.after_error_request_handlers
            subapp.after_error_request_handlers = []
            for key, handler in subapp.error_handlers.items():
                self.error_handlers[key] = handler
            subapp.error_handlers = {}

    @staticmethod
    def abort(status_code, reason=None):
        """End the current request with an error response.

        :param status_code: the HTTP status code.
        :param reason: the text of the response.

        Raises :class:`HTTPException`, so it can be called from any depth of
        a handler::

            @app.get('/users/<int:id>')
            def get_user(request, id):
                user = find_user(id)
                if user is None:
                    abort(404)
                return user
        """
        raise HTTPException(status_code, reason)

    async def start_server(self, host='0.0.0.0', port=5000,
                           debug=False, ssl=None, start_serving=True):
        """Start the web server, as a coroutine that returns when the server
        is shut down with :meth:`shutdown`.

        :param host: the address to listen on; ``'0.0.0.0'`` (the default)
                     means every interface, ``'127.0.0.1'`` this machine only.
        :param port: the port to listen on, 5000 by default.
        :param debug: print each request and diagnostics.
        :param ssl: an ``SSLContext`` to serve HTTPS, or ``None``.
        :param start_serving: when ``False``, return the listening server
                              object right away instead of serving; the caller
                              then runs it (``await server.serve_forever()``
                              on CPython). Only ``True`` is possible on
                              MicroPython.

        On CPython the server is :mod:`microdot.server` (HTTP/1.1 on an
        ``asyncio.Protocol``); elsewhere it is the portable server of this
        module, built on asyncio streams. Both keep connections alive.
        Example::

            async def main():
                await app.start_server(port=8000, debug=True)

            asyncio.run(main())
        """
        self.debug = debug
        self.ssl = ssl or False
        if self.debug:
            print('microdot: serving on {}:{} ({} twins)'.format(
                host, port, _speedups.IMPLEMENTATION))
        if sys.implementation.name == 'cpython':
            from microdot.server import Server
            server = Server(self)
            await server.listen(host, port, ssl, start_serving)
            self.server = server
            if not start_serving:
                return server
            await server.wait_closed()
            return
        if not start_serving:
            raise ValueError('start_serving must be True')
        await self._serve_portable(host, port, ssl)

    async def _serve_portable(self, host, port, ssl=None):
        # the portable server: asyncio streams, one task per connection
        self._closing = False
        wrap = None

        async def serve(reader, writer):
            nonlocal wrap
            if wrap is None:
                wrap = not hasattr(writer, 'awrite')  # CPython streams
            await self.handle_request(reader, _Writer(writer) if wrap
                                      else writer)

        kwargs = {'ssl': ssl} if ssl else {}
        self.server = await asyncio.start_server(serve, host, port, **kwargs)
        try:
            await self.server.wait_closed()
        except asyncio.CancelledError:
            self.server.close()
            await self.server.wait_closed()
            raise

    def run(self, host='0.0.0.0', port=5000, debug=False, ssl=None,
            workers=1):
        """Run the web server until :meth:`shutdown` is called (or Ctrl-C,
        or ``SIGTERM``).

        Takes the arguments of :meth:`start_server`, and:

        :param workers: on CPython, the number of server processes, which
                        share the port (``SO_REUSEPORT``); a worker that dies
                        is started again. 1 (the default) serves in this
                        process.

        On CPython the server runs on uvloop when it is installed. Example::

            app.run(port=8000, debug=True)
        """
        if sys.implementation.name == 'cpython':
            from microdot.server import run
            run(self, host, port, debug, ssl, workers)
            return
        try:
            asyncio.run(self.start_server(host=host, port=port, debug=debug,
                                          ssl=ssl))
        except KeyboardInterrupt:
            pass

    def shutdown(self):
        """Stop the server: stop accepting connections, close idle ones and
        let the requests in progress finish (within
        :attr:`shutdown_timeout` seconds on CPython), then return from
        :meth:`run`. Safe to call from a route handler, sync or async: the
        request being handled still gets its response.

        Example::

            @app.get('/shutdown')
            def shutdown(request):
                request.app.shutdown()
                return 'The server is shutting down...'
        """
        server = self.server
        if hasattr(server, 'shutdown'):
            server.shutdown()
            return
        self._closing = True
        server.close()

    def _get_router(self):
        router = self._router
        if router is None or self._router_size != len(self.url_map):
            router = _speedups.Router()
            for methods, pattern, _, _, _ in self.url_map:
                kind, data = pattern._route()
                router.add(methods, kind, data)
            self._router = router
            self._router_size = len(self.url_map)
        return router

    def find_route(self, req):
        """Find the handler for a request.

        Returns ``(handler, url_prefix, subapp)``, where ``handler`` is the
        route function, 404 or 405 when there is none, or the headers
        returned by :attr:`options_handler` for ``OPTIONS`` requests. Sets
        ``req.url_args`` to the arguments taken from the URL.
        """
        method = req.method.upper()
        if self.options_handler and method == 'OPTIONS':
            return self.options_handler(req), '', None
        if method == 'HEAD':
            method = 'GET'
        index, last, args = self._get_router().lookup(method, req.path)
        req.url_args = args
        if index >= 0:
            _, _, handler, prefix, subapp = self.url_map[index]
            return handler, prefix, subapp
        if last >= 0:
            _, _, _, prefix, subapp = self.url_map[last]
            return 405, prefix, subapp
        return 404, '', None

    def default_options_handler(self, req):
        """Answer an ``OPTIONS`` request with an ``Allow`` header listing the
        methods of every route that matches the path."""
        allow = []
        for index, _ in self._get_router().matches(req.path):
            for method in self.url_map[index][0]:
                if method not in allow:
                    allow.append(method)
        if 'GET' in allow and 'HEAD' not in allow:
            allow.append('HEAD')
        if 'OPTIONS' not in allow:
            allow.append('OPTIONS')
        return {'Allow': ', '.join(allow)}

    async def handle_request(self, reader, writer):
        """Serve the requests of one connection of the portable server, one
        after the other while the client keeps it open (HTTP/1.1
        persistent connections), then close it.

        :param reader: the connection's stream reader.
        :param writer: the connection's stream writer (with ``awrite()``
                       and ``aclose()``).
        """
        addr = writer.get_extra_info('peername')
        scheme = 'https' if self.ssl else None
        wait = self.head_timeout
        while True:
            req = res = None
            try:
                line = await _wait(reader.readline(), wait)
            except Exception:  # idle too long, or the client went away
                break
            try:
                head = await _wait(_read_head(reader, line),
                                   self.head_timeout)
                if head is None:
                    break
                if head[2] not in ('1.0', '1.1'):
                    raise _BadRequest(505, 'HTTP version not supported')
                req = Request._new(self, addr, head, (reader, writer),
                                   scheme)
                if req._chunked and head[2] == '1.0':
                    raise _BadRequest(400, 'Transfer-Encoding in an '
                                      'HTTP/1.0 request')
                await req._load(reader, self.body_timeout)
            except Exception as exc:
                res = await self._refuse(exc)
                if res is None:
                    break
                req = None
            if res is None:
                res = await self.dispatch_request(req)
            if res is Response.already_handled:
                break  # the connection was taken over (a WebSocket)
            keep = req is not None and req._keep and _consumed(req) and \
                not self._closing and self.keep_alive_timeout > 0
            try:
                keep = await res._send(writer, req._version if req else '1.0',
                                       keep)
            except Exception as exc:
                # the head is out: all that can be done is to close
                if not isinstance(exc, OSError) or not _is_muted(exc):
                    print_exception(exc)
                keep = False
            if self.debug and req:
                print(req.method, req.path, res.status_code)
            if not keep:
                break
            wait = self.keep_alive_timeout
        try:
            await writer.aclose()
        except OSError as exc:
            if not _is_muted(exc):
                print_exception(exc)

    async def _refuse(self, exc):
        # The response to a request that could not be read, or None when
        # the client is gone or was only idle. Logged in one line.
        status = 400
        reason = 'Bad request'
        if isinstance(exc, MemoryError):
            # not the client's fault: say so, and let the board recover
            import gc
            gc.collect()
            print_exception(exc)
            res = await self.error_response(None, 503, 'Out of memory')
            return await self._finish(None, res, False)
        if isinstance(exc, asyncio.TimeoutError):
            status, reason = 408, 'Request timeout'
        elif isinstance(exc, OSError):
            return None
        elif isinstance(exc, _BadRequest):
            status, reason = exc.status, exc.reason
        elif isinstance(exc, HTTPException):
            status, reason = exc.status_code, exc.reason
        print('Bad request: {} {}'.format(status, exc))
        res = await self.error_response(None, status, reason)
        return await self._finish(None, res, False)

    def get_request_handlers(self, req, attr, local_first=True):
        """Return the ``before_request``, ``after_request`` or
        ``after_error_request`` handlers that apply to a request, the
        sub-application's and the application's."""
        name = attr + '_handlers'
        own = getattr(self, name)
        if not req or not req.subapp:
            return own
        local = getattr(req.subapp, name)
        return local + own if local_first else own + local

    async def error_response(self, req, status_code, reason=None):
        """Return the response for an HTTP error: what the error handler for
        the status code returns, or a plain text response."""
        handler = None
        if req and req.subapp:
            handler = req.subapp.error_handlers.get(status_code)
        if handler is None:
            handler = self.error_handlers.get(status_code)
        if handler is not None:
            try:
                return await invoke_handler(handler, req)
            except Exception as exc:
                # a failing error handler must not leave the client without
                # an answer: the built-in 500 takes its place
                print_exception(exc)
                return 'Internal server error', 500
        return reason or 'N/A', status_code

    def _exception_handler(self, req, exc):
        local = req.subapp.error_handlers if req.subapp else {}
        for cls in mro(exc.__class__):
            if cls in local:
                return local[cls]
            if cls in self.error_handlers:
                return self.error_handlers[cls]
        return None

    @staticmethod
    def _make_response(res):
        if isinstance(res, int):
            res = b'', res
        if isinstance(res, tuple):
            if isinstance(res[0], int):
                # (status_code,) or (status_code, headers)
                res = (b'', res[0], res[1] if len(res) > 1 else {})
            if isinstance(res[1], int):
                return Response(res[0], res[1],
                                res[2] if len(res) > 2 else {})
            return Response(res[0], 200, res[1])
        if isinstance(res, Response):
            return res
        return Response(res)

    async def _run_route(self, req):
        # The route handler with its before and after handlers. Returns the
        # response and whether it completed normally (no error response).
        handler, req.url_prefix, req.subapp = self.find_route(req)
        if isinstance(handler, dict):
            return Response(headers=handler), False
        if handler == 405:
            # the text stays microdot's 'Not found' (its own tests pin it);
            # the Allow header that RFC 9110 asks for is added
            res = self._make_response(await self.error_response(
                req, 405, 'Not found'))
            if self.options_handler and 'Allow' not in res.headers:
                res.headers['Allow'] = \
                    self.default_options_handler(req)['Allow']
            return res, False
        if not callable(handler):
            return await self.error_response(req, handler, 'Not found'), \
                False
        req.route = handler
        res = None
        subapp = req.subapp
        if self.before_request_handlers or subapp:
            for before in self.get_request_handlers(req, 'before_request',
                                                    False):
                res = await invoke_handler(before, req)
                if res:
                    break
        if res is None:
            res = await invoke_handler(handler, req, **req.url_args)
            if type(res) not in _RESULT_TYPES and not _valid_result(res):
                raise TypeError('{} returned {}, which is not a valid '
                                'response'.format(
                                    getattr(handler, '__name__', handler),
                                    type(res).__name__))
        if type(res) is not Response:
            res = self._make_response(res)
        if self.after_request_handlers or subapp or \
                req.after_request_handlers:
            for after in self.get_request_handlers(req, 'after_request') + \
                    req.after_request_handlers:
                res = await invoke_handler(after, req, res) or res
        return res, True

    async def _handle_exception(self, req, exc):
        print_exception(exc)
        res = None
        handler = self._exception_handler(req, exc)
        if handler:
            try:
                res = await invoke_handler(handler, req, exc)
            except Exception as handler_exc:
                print_exception(handler_exc)
                res = None
        if res is None:
            res = await self.error_response(req, 500,
                                            'Internal server error')
        return res

    async def dispatch_request(self, req):
        """Run a parsed request through the application and return its
        :class:`Response`, always a complete one. Every transport ends here.

        :param req: the :class:`Request`, or ``None`` when the request could
                    not be parsed (the response is then a 400 error).
        """
        completed = False
        if not req:
            res = await self.error_response(req, 400, 'Bad request')
        elif req.content_length > req.max_content_length:
            res = await self.error_response(req, 413, 'Payload too large')
        else:
            try:
                res, completed = await self._run_route(req)
            except HTTPException as exc:
                res = await self.error_response(req, exc.status_code,
                                                exc.reason)
            except Exception as exc:
                res = await self._handle_exception(req, exc)
            if completed and not hasattr(req.g, '_vary'):
                # the common case, without another coroutine
                res.is_head = req.method == 'HEAD'
                return res
        return await self._finish(req, res, completed)

    async def _finish(self, req, res, completed):
        # the last steps of every response: a Response object, the
        # after-error handlers, HEAD, and the Vary names noted in request.g
        if not isinstance(res, Response):
            if not _valid_result(res):
                print('Invalid error response: {}'.format(
                    type(res).__name__))
                res = 'Internal server error', 500
            res = self._make_response(res)
        if not completed:
            for handler in self.get_request_handlers(
                    req, 'after_error_request'):
                try:
                    res = await invoke_handler(handler, req, res) or res
                except Exception as exc:
                    print_exception(exc)
        res.is_head = bool(req and req.method == 'HEAD')
        vary = getattr(req.g, '_vary', None) if req else None
        if vary:
            res.headers['Vary'] = merge_vary(res.headers.get('Vary'), vary)
        return res


# what handlers return most often, known to be valid
_RESULT_TYPES = (str, bytes, dict, list)


def _valid_result(res):
    # what a handler may return: a response, a body, a status code, or a
    # tuple with one of these first
    if isinstance(res, tuple):
        if not res:
            return False
        res = res[0]
    return res is None or isinstance(res, (Response, str, bytes, dict, list,
                                           int, bytearray)) or \
        hasattr(res, 'read') or hasattr(res, '__next__') or \
        hasattr(res, '__anext__')


Response.already_handled = Response()  # type: ignore[assignment]

abort = Microdot.abort
redirect = Response.redirect
send_file = Response.send_file
