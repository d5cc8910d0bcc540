"""
microdot.server
---------------

The HTTP/1.1 server that :meth:`Microdot.run() <microdot.Microdot.run>` and
:meth:`Microdot.start_server() <microdot.Microdot.start_server>` use on
CPython (MicroPython uses the portable server in :mod:`microdot.microdot`).

Each connection is an ``asyncio.Protocol`` (on uvloop when it is installed)
that parses request heads with the compiled ``parse_head`` twin and hands
them to the application through the same wire seam as every other
transport. It keeps connections alive, answers pipelined requests in order,
decodes chunked request bodies, streams responses chunked with write flow
control, refuses ambiguous framing, times out slow and idle clients, drains
gracefully on shutdown and can run several worker processes.

A request whose handler never suspends is served without creating a task:
its coroutine is driven by hand (on Python 3.12 and later by an eager task,
which also makes ``asyncio.current_task()`` available from the start). On
older Pythons ``asyncio.current_task()`` is ``None`` in a handler until its
first suspension; each request still runs in a context of its own.
"""
import asyncio
import contextvars
import os
import signal
import socket
import sys
import time
from email.utils import formatdate

from microdot._speedups import parse_head, parse_request_line, head_end
from microdot.microdot import Request, Response, HTTPException, \
    print_exception
from microdot._wire import _BadRequest, _consumed
from microdot._cpython import _event_loop_name

# unread input at which the server stops reading from a connection
_HIGH_WATER = 256 * 1024
# a close frame with status 1001 (going away), sent to WebSocket clients
# when the server shuts down
_WS_GOING_AWAY = b'\x88\x02\x03\xe9'
_EAGER = sys.version_info >= (3, 12)

_date = [0, b'']


def _date_line():
    # the Date header, formatted at most once a second
    now = int(time.time())
    if now != _date[0]:
        _date[0] = now
        _date[1] = 'Date: ' + formatdate(now, usegmt=True) + '\r\n'
    return _date[1]


async def _continue(coro, first):
    # finish, in a task, a request coroutine that suspended while it was
    # being driven by hand
    return await _Resume(coro, first)


class _Resume:
    __slots__ = ('coro', 'first')

    def __init__(self, coro, first):
        self.coro = coro
        self.first = first

    def __await__(self):
        coro = self.coro
        value = self.first
        while True:
            try:
                yield value
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                try:
                    value = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    value = coro.send(None)
                except StopIteration as stop:
                    return stop.value


class HTTPConnection(asyncio.Protocol):
    """One client connection.

    It is also the ``(reader, writer)`` pair of the requests it carries
    (``request.sock``): the reader methods read what follows the request
    head (the body, or the frames of an upgraded WebSocket connection) and
    the writer methods write to the client with flow control.
    """
    # states
    IDLE = 0  # waiting for a request
    HEAD = 1  # part of a head received
    BUSY = 2  # a request is being served

    def __init__(self, server):
        self.server = server
        self.app = server.app
        self.loop = server.loop
        self.transport = None
        self.peer = None
        self.buf = b''
        self.pos = 0
        self.state = self.IDLE
        self.eof = False
        self.closed = False
        self.waiter = None
        self.deadline = None
        self.timer = None
        self.timeout = None
        self.read_paused = False
        self.write_paused = False
        self.drain_waiter = None
        self.task = None
        self.streaming = False
        self.upgraded = False
        self.going_away = False
        self.line_checked = False

    # -- asyncio.Protocol --

    def connection_made(self, transport):
        self.transport = transport
        self.peer = transport.get_extra_info('peername')
        self.server.conns.add(self)
        if self.server.closing:
            transport.close()
            return
        # the first request's head is due head_timeout after connecting
        self.state = self.HEAD
        self._expire_in(self.app.head_timeout)

    def data_received(self, data):
        if self.pos < len(self.buf):
            self.buf = self.buf[self.pos:] + data
        else:
            self.buf = data
        self.pos = 0
        if self.waiter is not None:
            self._wake()
        if self.state == self.BUSY:
            if len(self.buf) > _HIGH_WATER and not self.read_paused:
                self.read_paused = True
                self.transport.pause_reading()
            return
        self._process()

    def eof_received(self):
        self.eof = True
        if self.waiter is not None:
            self._wake()
        if self.state == self.HEAD and self.pos < len(self.buf):
            # half a request: answer it (400) if the client still listens
            self._refuse(EOFError('connection closed in the request head'))
            return True
        # keep the transport open for the response of a request in progress
        return self.state == self.BUSY

    def connection_lost(self, exc):
        self.closed = self.eof = True
        if self.timer is not None:
            # the timer holds the connection: free it now, not at the
            # deadline (up to head_timeout later)
            self.timer.cancel()
            self.timer = None
        self.server._lost(self)
        if self.waiter is not None:
            self._wake()
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self.streaming:
            # nobody reads the stream any more (an SSE client went away)
            self._cancel()

    def pause_writing(self):
        self.write_paused = True

    def resume_writing(self):
        self.write_paused = False
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- requests --

    def _process(self):
        # Serve the complete requests in the buffer, in order. Each one is
        # served synchronously when its handler does not suspend; otherwise
        # the rest waits for its task.
        app = self.app
        while not self.closed:
            buf = self.buf
            pos = self.pos
            if pos >= len(buf):
                return
            if self.state == self.IDLE:
                self.state = self.HEAD
                self._expire_in(app.head_timeout)
            if buf[pos] in (10, 13) and not self.line_checked:
                # empty lines before a request line are ignored (RFC 9112,
                # 2.2), within the head timeout
                while buf.startswith(b'\n', pos) or \
                        buf.startswith(b'\r\n', pos):
                    pos += 1 if buf[pos] == 10 else 2
                self.pos = pos
                if pos >= len(buf):
                    return
            end = head_end(buf, pos)
            if end < 0:
                line_end = buf.find(b'\n', pos)
                if line_end >= 0 and not self.line_checked:
                    # a bad request line is refused without waiting for
                    # the rest of the head
                    self.line_checked = True
                    try:
                        parse_request_line(buf[pos:line_end])
                    except ValueError as exc:
                        self._refuse(exc)
                        return
                if len(buf) - pos > Request.max_head_length:
                    self._refuse(_BadRequest(431, 'Request header fields '
                                             'too large'))
                elif line_end < 0 and len(buf) - pos > Request.max_readline:
                    self._refuse(_BadRequest(414, 'URI too long'))
                elif line_end >= 0 and len(buf) - buf.rfind(b'\n') - 1 > \
                        Request.max_readline:
                    # a header line that cannot end in time
                    self._refuse(_BadRequest(431, 'Request header fields '
                                             'too large'))
                return
            self.pos = end
            self.state = self.BUSY
            self.deadline = None
            self.line_checked = False
            try:
                req = self._request(buf[pos:end])
            except Exception as exc:
                self._refuse(exc)
                return
            keep = self._drive(self._serve(req))
            if keep is None:
                return  # the request went on in a task
            if not self._next(keep):
                return

    def _request(self, head):
        # a Request from the bytes of a head, within the limits
        size = len(head)
        if size > Request.max_head_length:
            raise _BadRequest(431, 'Request header fields too large')
        limit = Request.max_readline
        if head.find(b'\n') >= limit:
            raise _BadRequest(414, 'URI too long')
        if size > limit:
            for line in head.split(b'\n'):
                if len(line) >= limit:
                    raise _BadRequest(431, 'Request header fields too large')
        parsed = parse_head(head)
        if len(parsed[3]) > Request.max_headers:
            raise _BadRequest(431, 'Request header fields too large')
        version = parsed[2]
        if version != '1.1' and version != '1.0':
            raise _BadRequest(505, 'HTTP version not supported')
        req = Request._new(self.app, self.peer, parsed, (self, self),
                           'https' if self.app.ssl else None)
        if req._chunked and version == '1.0':
            raise _BadRequest(400, 'Transfer-Encoding in an HTTP/1.0 '
                              'request')
        return req

    def _drive(self, coro):
        # Run a request coroutine; return its result when it completes
        # without suspending, or None when it goes on in a task.
        try:
            if _EAGER:
                task = asyncio.eager_task_factory(self.loop, coro)
                if task.done():
                    return task.result()
            else:
                ctx = contextvars.copy_context()
                try:
                    first = ctx.run(coro.send, None)
                except StopIteration as stop:
                    return stop.value
                task = ctx.run(self.loop.create_task,
                               _continue(coro, first))
        except Exception as exc:  # a bug: log it, drop the connection
            print_exception(exc)
            return False
        self.task = task
        task.add_done_callback(self._resumed)
        return None

    def _resumed(self, task):
        self.task = None
        try:
            keep = task.result()
        except BaseException:  # cancelled, with the client gone
            keep = False
        if self._next(keep):
            self._process()

    def _next(self, keep):
        # After a response: get ready for the next request (True), or close
        # the connection (False).
        self.streaming = False
        if not keep or self.closed or self.going_away:
            self._close()
            return False
        self.state = self.IDLE
        self.timeout = None
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        if self.pos >= len(self.buf):
            if self.eof:
                self._close()
                return False
            self._expire_in(self.app.keep_alive_timeout)
        return True

    async def _serve(self, req):
        # Serve one request; return whether the connection stays open.
        app = self.app
        body = req.content_length or req._chunked
        if body:
            try:
                self.timeout = app.body_timeout
                await req._load(self)
            except Exception as exc:
                res = await app._refuse(exc)
                if res is not None:
                    await self._respond(res, req._version, False)
                return False
        res = await app.dispatch_request(req)
        if res is Response.already_handled:
            return False  # the connection was taken over (WebSocket)
        keep = req._keep and not self.going_away and \
            app.keep_alive_timeout > 0
        if keep and body and not _consumed(req):
            keep = self._skip_body(req)
        if isinstance(res.body, bytes):
            keep = self._send(res, req._version, keep)
        else:
            keep = await self._respond(res, req._version, keep)
        if app.debug:
            print(req.method, req.path, res.status_code)
        return keep

    def _skip_body(self, req):
        # Skip the part of a body that the handler did not read when it is
        # already here; a body still on its way closes the connection.
        stream = req._stream
        left = getattr(stream, 'left', None)
        if stream is None or stream.chunked or left is None or \
                len(self.buf) - self.pos < left:
            return False
        self.pos += left
        stream.left = 0
        stream.done = True
        stream.buf = b''
        return True

    def _send(self, res, version, keep):
        # Write a response with a body of bytes, head and body together
        # when small; return whether the connection can be kept.
        head, payload, keep = res._wire(version, keep, _date_line())
        if not self.closed:
            if len(payload) < 65536:
                self.transport.write(head + payload)
            else:
                self.transport.write(head)
                self.transport.write(payload)
        return keep and not self.closed

    async def _respond(self, res, version, keep):
        # Write any response; return whether the connection can be kept.
        if isinstance(res.body, bytes):
            return self._send(res, version, keep)
        self.streaming = True
        try:
            keep = await res._send(self, version, keep, _date_line())
        except asyncio.CancelledError:
            if not self.closed and not self.going_away:
                raise
            keep = False  # the client went away, or the server is closing
            if res._chunked and not self.closed:
                self.transport.write(b'0\r\n\r\n')  # a clean end
        except Exception as exc:
            # the head is out: log the error, end the connection
            print_exception(exc)
            keep = False
        finally:
            self.streaming = False
        return keep and not self.closed

    def _refuse(self, exc):
        # answer a request that cannot be served, then close
        self.state = self.BUSY
        self.deadline = None
        self.pos = len(self.buf)
        if self._drive(self._refused(exc)) is not None:
            self._close()

    async def _refused(self, exc):
        res = await self.app._refuse(exc)
        if res is not None:
            await self._respond(res, '1.0', False)
        return False

    # -- timeouts --

    def _expire_in(self, seconds):
        # A deadline for the current state; one timer per connection is
        # re-armed lazily, so moving the deadline costs almost nothing.
        if not seconds:
            self.deadline = None
            return
        self.deadline = deadline = self.loop.time() + seconds
        if self.timer is None:
            self.timer = self.loop.call_at(deadline, self._expired)

    def _expired(self):
        self.timer = None
        deadline = self.deadline
        if deadline is None or self.closed:
            return
        if self.loop.time() < deadline:
            self.timer = self.loop.call_at(deadline, self._expired)
            return
        self.deadline = None
        if self.state == self.HEAD and self.pos < len(self.buf):
            self._refuse(asyncio.TimeoutError('head timeout'))
        elif self.state != self.BUSY:
            self._close()

    # -- the reader contract (request bodies, upgraded connections) --

    def _wake(self):
        waiter = self.waiter
        self.waiter = None
        if not waiter.done():
            waiter.set_result(None)

    async def _fill(self):
        # wait for more input; False at the end of the stream
        if self.eof:
            return False
        if self.read_paused:  # someone wants more: read again
            self.read_paused = False
            self.transport.resume_reading()
        self.waiter = waiter = self.loop.create_future()
        timer = None
        if self.timeout:
            timer = self.loop.call_later(self.timeout, self._read_timeout,
                                         waiter)
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
        return True

    def _read_timeout(self, waiter):
        if not waiter.done():
            waiter.set_exception(HTTPException(408, 'Request timeout'))
        if self.waiter is waiter:
            self.waiter = None

    async def read(self, n=-1):
        """Read up to ``n`` bytes (until the connection ends when ``n`` is
        negative); ``b''`` at the end."""
        if n is None or n < 0:
            while await self._fill():
                pass
            data = self.buf[self.pos:]
            self.pos = len(self.buf)
            return data
        while self.pos >= len(self.buf):
            if not await self._fill():
                return b''
        pos = self.pos
        self.pos = end = min(pos + n, len(self.buf))
        return self.buf[pos:end]

    async def readexactly(self, n):
        """Read ``n`` bytes, or fewer when the connection ends first."""
        while len(self.buf) - self.pos < n:
            if not await self._fill():
                break
        return await self.read(n)

    async def readuntil(self, separator=b'\n'):
        """Read up to and including ``separator``, or to the end of the
        connection. A line longer than ``Request.max_readline`` is returned
        without its end, for the caller to refuse."""
        scanned = 0  # bytes after self.pos known not to start a match
        while True:
            i = self.buf.find(separator, self.pos + scanned)
            if i >= 0:
                return await self.read(i + len(separator) - self.pos)
            if len(self.buf) - self.pos > Request.max_readline:
                return await self.read(Request.max_readline + 1)
            # new data may move the buffer: keep an offset, not an index
            scanned = max(0, len(self.buf) - self.pos - len(separator) + 1)
            if not await self._fill():
                return await self.read(len(self.buf) - self.pos)

    async def readline(self):
        """Read one line, with its ``\\n``."""
        return await self.readuntil(b'\n')

    # -- the writer contract --

    async def awrite(self, data):
        """Write to the client, waiting while its buffer is full. Raises
        ``ConnectionResetError`` once the client is gone."""
        if self.closed or self.going_away and self.upgraded or \
                self.transport.is_closing():
            # (a transport whose write failed is closing before
            # connection_lost() is called: a body that never waits for
            # the client would be written into it to its end)
            raise ConnectionResetError(104, 'Connection lost')
        if not self.upgraded and data[:13] == b'HTTP/1.1 101 ':
            self.upgraded = True  # a WebSocket handshake
            self.timeout = None
        self.transport.write(data)
        if self.write_paused:
            await self.drain()

    async def drain(self):
        """Wait until the client accepted enough of what was written; the
        connection is dropped when it makes no progress for
        ``body_timeout`` seconds."""
        while self.write_paused and not self.closed:
            self.drain_waiter = waiter = self.loop.create_future()
            try:
                await asyncio.wait_for(waiter, self.app.body_timeout or None)
            except asyncio.TimeoutError:
                self.transport.abort()
                raise ConnectionResetError(104, 'Client too slow')
            finally:
                self.drain_waiter = None
        if self.closed:
            raise ConnectionResetError(104, 'Connection lost')

    async def aclose(self):
        """Close the connection."""
        self._close()

    def get_extra_info(self, name, default=None):
        """Information about the connection, as ``asyncio`` transports
        give it (``'peername'``, ``'sslcontext'``...)."""
        return self.transport.get_extra_info(name, default)

    # -- closing --

    def _close(self):
        if not self.transport.is_closing():
            self.transport.close()
        self.deadline = None

    def _going_away(self):
        # the server shuts down: idle connections close now, the others
        # after their response; WebSocket clients are told
        self.going_away = True
        if self.state != self.BUSY:
            self._close()
        elif self.upgraded and not self.closed:
            self.transport.write(_WS_GOING_AWAY)
            self.eof = True
            if self.waiter is not None:
                self._wake()
        elif self.streaming:
            self._cancel()

    def _cancel(self):
        # Cancel the request's task. Not right away: a task that has not
        # taken its first step yet would be cancelled before it hands the
        # cancellation to the request's coroutine, which must see it (to
        # end its stream and close its body).
        if self.task is not None:
            self.loop.call_soon(self.task.cancel)


class Server:
    """The listening side: accepts connections for an application and shuts
    them down gracefully. :attr:`Microdot.server
    <microdot.Microdot.server>` holds it while the server runs. It offers
    the methods of an ``asyncio.Server`` that microdot applications use
    (``sockets``, ``is_serving()``, ``start_serving()``,
    ``serve_forever()``, ``close()``, ``wait_closed()``, ``get_loop()``).
    """
    def __init__(self, app):
        self.app = app
        self.loop = None
        self.server = None
        self.conns = set()
        self.closing = False
        self.done = None
        self.force_timer = None

    async def listen(self, host, port, ssl=None, start_serving=True,
                     reuse_port=False):
        """Listen on ``host``:``port``."""
        self.loop = asyncio.get_running_loop()
        self.done = self.loop.create_future()
        kwargs = {'reuse_port': True} if reuse_port else {}
        self.server = await self.loop.create_server(
            lambda: HTTPConnection(self), host, port, ssl=ssl or None,
            start_serving=start_serving, backlog=1024, **kwargs)

    @property
    def sockets(self):
        """The listening sockets."""
        return self.server.sockets

    def get_loop(self):
        """The event loop the server runs in."""
        return self.loop

    def is_serving(self):
        """Whether the server accepts connections."""
        return self.server.is_serving()

    async def start_serving(self):
        """Start accepting connections."""
        await self.server.start_serving()

    async def serve_forever(self):
        """Accept connections until the server is shut down."""
        if not self.server.is_serving():
            await self.server.start_serving()
        await self.wait_closed()

    async def wait_closed(self):
        """Wait until the server is shut down and every connection is
        closed. When the waiting task is cancelled, the server closes at
        once."""
        try:
            await asyncio.shield(self.done)
        except asyncio.CancelledError:
            self._shutdown()
            self._force()
            raise

    def close(self):
        """Shut the server down (see :meth:`shutdown`)."""
        self.shutdown()

    def shutdown(self):
        """Stop accepting connections, close the idle ones and give the
        others ``app.shutdown_timeout`` seconds to finish. Safe to call from
        any thread; a second call closes everything at once."""
        loop = self.loop
        try:
            in_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            in_loop = False
        if in_loop:
            self._shutdown()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self._shutdown)

    def _shutdown(self):
        if self.closing:
            self._force()
            return
        self.closing = True
        self.server.close()
        for conn in list(self.conns):
            conn._going_away()
        self.force_timer = self.loop.call_later(
            self.app.shutdown_timeout or 0, self._force)
        self._check_done()

    def _force(self):
        # the grace period is over: close what is left
        for conn in list(self.conns):
            conn._cancel()
            conn.transport.abort()
        self.conns.clear()
        self._check_done()

    def _lost(self, conn):
        self.conns.discard(conn)
        if self.closing:
            self._check_done()

    def _check_done(self):
        if self.closing and not self.conns and not self.done.done():
            if self.force_timer is not None:
                self.force_timer.cancel()
            self.done.set_result(None)


def _run_loop(main):
    # run a coroutine on uvloop when it is installed
    if _event_loop_name() == 'uvloop':
        import uvloop
        return uvloop.run(main)
    return asyncio.run(main)


def _serve(app, host, port, debug, ssl, reuse_port):
    # serve in this process until shutdown or SIGINT/SIGTERM
    async def main():
        loop = asyncio.get_running_loop()
        app.debug = debug
        app.ssl = ssl or False
        app.server = server = Server(app)
        await server.listen(host, port, ssl, True, reuse_port)
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, server.shutdown)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or not a Unix system
        if debug:
            print('microdot: serving on {}:{}'.format(host, port))
        await server.wait_closed()

    try:
        _run_loop(main())
    except KeyboardInterrupt:
        pass


def run(app, host='0.0.0.0', port=5000, debug=False, ssl=None, workers=1):
    """Serve ``app`` until it is shut down, in this process or in
    ``workers`` processes that share the port (``SO_REUSEPORT``). A worker
    that dies is replaced; ``SIGINT`` or ``SIGTERM`` stops them all."""
    if not isinstance(workers, int) or isinstance(workers, bool) or \
            workers < 1:
        raise ValueError('workers must be a positive integer')
    if workers == 1:
        _serve(app, host, port, debug, ssl, False)
        return
    if not hasattr(os, 'fork') or not hasattr(socket, 'SO_REUSEPORT'):
        raise ValueError('workers > 1 needs fork() and SO_REUSEPORT')
    # hold the port (a free one for port 0) without listening on it, so
    # that every worker binds the same one
    family, kind, proto, _, addr = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    holder = socket.socket(family, kind, proto)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind(addr)
    port = holder.getsockname()[1]
    children = {}
    stopping = []

    def spawn():
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                holder.close()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(sig, signal.SIG_DFL)
                _serve(app, host, port, debug, ssl, True)
            except BaseException as exc:
                print_exception(exc)
                code = 1
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum, frame):
        stopping.append(signum)
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass

    previous = [signal.signal(sig, stop)
                for sig in (signal.SIGINT, signal.SIGTERM)]
    try:
        for _ in range(workers):
            spawn()
        if debug:
            print('microdot: {} workers on {}:{}'.format(workers, host, port))
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            started = children.pop(pid, None)
            if started is None or stopping:
                continue
            print('microdot: worker {} ended (status {}); starting '
                  'another'.format(pid, status))
            if time.monotonic() - started < 1:
                time.sleep(1)  # a worker that cannot start: do not spin
            if not stopping:
                spawn()
    finally:
        for sig, handler in zip((signal.SIGINT, signal.SIGTERM), previous):
            signal.signal(sig, handler)
        holder.close()
