"""
microdot._portable
------------------

The portable web server, on asyncio streams: what MicroPython runs, and what
``Microdot.start_server`` and ``Microdot.run`` choose between it and
:mod:`microdot.server` on CPython, and ``Response._send``, which both
servers write responses through. What a request seldom needs (streamed
bodies, the answers to unreadable requests) loads from :mod:`microdot._body`
and :mod:`microdot._extra` at its first use.

The stand-ins in :mod:`microdot.microdot` import this module when the server
starts, and it puts the real methods in the classes; CPython imports it with
:mod:`microdot.microdot`.
"""
import asyncio
import gc
import sys

# _dispatch first: from .py files, compiling it before the rest needs a
# smaller heap (benchmarks/mpy_heap.py); _refuse uses its self._finish
import microdot._dispatch  # noqa: F401
from microdot import _speedups
from microdot import microdot as core
from microdot.microdot import Request, Response, Microdot, _is_muted
from microdot._wire import _BadRequest, _wait, _consumed

# The answer when the heap runs out before any of a response is sent: bytes
# as they are, because building a response needs memory that may not be
# there. HTTP/1.0: the connection is closed after it.
_OOM_HEAD = b'HTTP/1.0 503 N/A\r\n' \
    b'Content-Type: text/plain; charset=UTF-8\r\nContent-Length: 13\r\n\r\n'
_OOM_BODY = b'Out of memory'


async def _answer_oom(stream, head=False):
    # head: a HEAD request, which gets no body
    gc.collect()
    await stream.awrite(_OOM_HEAD)
    if not head:
        await stream.awrite(_OOM_BODY)


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
    method, url, version = _speedups.parse_request_line(line)
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
        headers.append(_speedups.parse_header_line(line))
    return method, url, version, headers


async def _send(self, stream, version='1.0', keep=False, extra=''):
    # Send the response through the stream's awrite() (both servers stream
    # bodies here); return whether the connection can be kept. ``extra``
    # is header lines to add (the Date of microdot.server). Out of memory
    # before anything is sent, the stream gets a 503 and the MemoryError
    # goes on to the caller.
    try:
        head, payload, keep = self._wire(version, keep, extra)
    except MemoryError:
        await _answer_oom(stream, self.is_head)
        raise
    try:
        if payload is not None:
            data = None
            if len(payload) < 16384:
                try:
                    data = head + payload  # one write: one packet
                except MemoryError:
                    pass  # two writes then
            if data is not None:
                await stream.awrite(data)
            else:
                await stream.awrite(head)
                await stream.awrite(payload)
            if not isinstance(self.body, bytes):
                await self.body_iter().aclose()
            return keep
        await stream.awrite(head)
        from microdot._body import _stream_body
        await _stream_body(self, stream)
    except OSError as exc:
        if not _is_muted(exc):
            raise
        keep = False
    return keep


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
        core._log('microdot: serving on {}:{} ({} twins)'.format(
            host, port, _speedups.IMPLEMENTATION))
    if sys.implementation.name == 'cpython':
        from microdot._cpython import start_server
        return await start_server(self, host, port, ssl, start_serving)
    if not start_serving:
        raise ValueError('start_serving must be True')
    await self._serve_portable(host, port, ssl)


async def _serve_portable(self, host, port, ssl=None):
    # the portable server: asyncio streams, one task per connection
    self._closing = False

    async def handler(reader, writer):
        if not hasattr(writer, 'awrite'):  # CPython streams
            from microdot._cpython import _Writer
            writer = _Writer(writer)
        await self.handle_request(reader, writer)

    kwargs = {'ssl': ssl} if ssl else {}
    self.server = await asyncio.start_server(handler, host, port,
                                             **kwargs)
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
        return run(self, host, port, debug, ssl, workers)
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
            if req.content_length or req._chunked:
                import microdot._body  # noqa: F401  (Request._load)
                await req._load(reader, self.body_timeout)
        except Exception as exc:
            res = await self._refuse(exc)
            if res is None:
                break
            req = None
        if res is None:
            try:
                res = await self.dispatch_request(req)
            except MemoryError as exc:
                # dispatch answers every other error, and this one too
                # when it has the memory left to do so
                core.print_exception(exc)
                try:
                    await _answer_oom(writer, req.method == 'HEAD')
                except Exception:  # the client is gone too
                    pass
                break
        if res is Response.already_handled:
            break  # the connection was taken over (a WebSocket)
        keep = req is not None and req._keep and _consumed(req) and \
            not self._closing and self.keep_alive_timeout > 0
        try:
            keep = await res._send(writer, req._version if req else '1.0',
                                   keep)
        except Exception as exc:
            # the head is out (or, out of memory, a 503 in its place): all
            # that can be done is to close
            if not isinstance(exc, OSError) or not _is_muted(exc):
                core.print_exception(exc)
            keep = False
        if self.debug and req:
            core._log(req.method, req.path, res.status_code)
        if not keep:
            break
        wait = self.keep_alive_timeout
    try:
        await writer.aclose()
    except OSError as exc:
        if not _is_muted(exc):
            core.print_exception(exc)


async def _refuse(self, exc):
    # The response to a request that could not be read, or None when
    # the client is gone or was only idle. Out of memory is answered
    # here; the rest in microdot._extra, loaded at the first bad request.
    if isinstance(exc, MemoryError):
        # not the client's fault: say so, and let the board recover
        gc.collect()
        core.print_exception(exc)
        res = await self.error_response(None, 503, 'Out of memory')
        return await self._finish(None, res, False)
    from microdot._extra import refuse
    return await refuse(self, exc)


# the real methods, in place of the stand-ins of microdot.microdot
setattr(Response, '_send', _send)
setattr(Microdot, 'start_server', start_server)
setattr(Microdot, '_serve_portable', _serve_portable)
setattr(Microdot, 'run', run)
setattr(Microdot, 'shutdown', shutdown)
setattr(Microdot, 'handle_request', handle_request)
setattr(Microdot, '_refuse', _refuse)
