"""
microdot._body
--------------

Bodies that are not simply bytes in memory: ``Request._load``, the body
decision of the wire seam (:mod:`microdot._wire`), which reads a request
body into ``request.body`` or leaves it in ``request.stream`` (decoding a
chunked one), and ``Response.body_iter``, which gives the chunks of a file,
generator or async generator body.

The code lives here so that a MicroPython board loads it only for the first
request or response that has such a body (the transports import this module
before they call ``Request._load``); it puts the real methods in the classes.
CPython imports it with :mod:`microdot.microdot`.
"""
import sys

from microdot.microdot import Request, Response, HTTPException, iscoroutine
from microdot._wire import _BadRequest, _wait

# how much of a request body is read at a time: little on a board, more
# where memory is plentiful
_PIECE = 65536 if sys.implementation.name == 'cpython' else 1024


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


def body_iter(self):
    """Return an asynchronous iterator over the chunks of the body."""
    if hasattr(self.body, '__anext__'):
        return self.body
    return _BodyIter(self)


async def _stream_body(res, stream):
    # The body of a response that is not bytes, sent chunk by chunk
    # through the stream's awrite() after its head (Response._send),
    # chunked when the wire seam chose so.
    chunked = res._chunked
    chunks = res.body_iter()
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


# the real methods, in place of the stand-ins of microdot.microdot
setattr(Request, '_load', _load)
setattr(Response, 'body_iter', body_iter)
