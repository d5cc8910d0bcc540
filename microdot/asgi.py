"""
microdot.asgi
-------------

Run a microdot application under an ASGI web server such as Uvicorn::

    from microdot.asgi import Microdot

    app = Microdot()

    @app.route('/')
    async def index(request):
        return 'Hello, World!'

and then ``uvicorn module:app``. Requests go through the same
``dispatch_request`` as with the embedded server, so an application behaves
the same way under both. CPython only.
"""
import asyncio
# os and signal stay importable from here, where microdot has them (tests
# patch microdot.asgi.os.kill); shutdown() is in microdot._external
import os  # noqa: F401
import signal  # noqa: F401
from urllib.parse import quote

from microdot import *  # noqa: F401, F403
from microdot.microdot import Request, Response, abort, invoke_handler, \
    print_exception
import microdot.microdot as _core
from microdot._external import ExternalServerMixin, _PATH_SAFE
from microdot.websocket import WebSocket as BaseWebSocket, WebSocketError, \
    websocket_wrapper, _upgrade, _CLOSED


# header names seen, in both directions: b'content-type' <-> 'Content-Type'
_NAMES_IN = {}  # type: dict
_NAMES_OUT = {}  # type: dict


def _name_in(raw):
    name = raw.decode('latin-1').title()
    if len(_NAMES_IN) < 1000:
        _NAMES_IN[raw] = name
    return name


def _name_out(name):
    raw = name.lower().encode()
    if len(_NAMES_OUT) < 1000:
        _NAMES_OUT[name] = raw
    return raw


class _ASGIBodyStream:
    """The body of an ASGI request, as the asynchronous stream interface that
    microdot reads request bodies from.

    Data is pulled from the ASGI ``receive`` callable only when a read needs
    it, so a large upload is never held in memory as a whole.
    """
    def __init__(self, receive):
        self.receive = receive
        self.buffer = b''
        self.more = True
        self.disconnected = False

    async def _fill(self):
        # one more message from the server; False when the body is over
        if not self.more:
            return False
        message = await self.receive()
        if message.get('type') != 'http.request':
            # http.disconnect: whatever was not received never will be
            self.more = False
            self.disconnected = True
            return False
        self.buffer += message.get('body', b'')
        self.more = message.get('more_body', False)
        return True

    def _take(self, n):
        data = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return data

    async def read(self, n=-1):
        """Read up to ``n`` bytes; all that is left when ``n`` is negative.
        Fewer than ``n`` bytes are returned only at the end of the body."""
        if n is None or n < 0:
            while await self._fill():
                pass
            return self._take(len(self.buffer))
        while len(self.buffer) < n and await self._fill():
            pass
        return self._take(n)

    async def readexactly(self, n):
        """Read ``n`` bytes, or what is left when the body is shorter."""
        return await self.read(n)

    async def readuntil(self, separator=b'\n'):
        """Read up to and including ``separator``, or to the end of the
        body when it does not appear."""
        start = 0
        while True:
            i = self.buffer.find(separator, start)
            if i >= 0:
                return self._take(i + len(separator))
            start = max(0, len(self.buffer) - len(separator) + 1)
            if not await self._fill():
                return self._take(len(self.buffer))

    async def readline(self):
        """Read one line, with its ``\\n``."""
        return await self.readuntil(b'\n')


#: The core application class that this module extends.
BaseMicrodot = _core.Microdot


class Microdot(ExternalServerMixin,  # type: ignore[no-redef]
               BaseMicrodot):
    """A :class:`Microdot <microdot.Microdot>` application that is also an
    ASGI application: pass the instance to an ASGI web server.

    :param lifespan_startup: an optional function (preferably a coroutine)
                             called with the ASGI scope when the server
                             sends the ``lifespan.startup`` event.
    :param lifespan_shutdown: an optional function (preferably a coroutine)
                              called with the ASGI scope when the server
                              sends the ``lifespan.shutdown`` event.

    An exception raised by either function is reported to the server as a
    failure of that phase, with the ``repr()`` of the exception as message.
    The ASGI scope of each request is available to handlers as
    ``request.asgi_scope``.
    """
    def __init__(self, lifespan_startup=None, lifespan_shutdown=None):
        super().__init__()
        self.lifespan_startup = lifespan_startup
        self.lifespan_shutdown = lifespan_shutdown

    async def handle_lifespan(self, scope, receive, send):
        """Answer the ASGI lifespan events of the web server.

        :param scope: the ``lifespan`` scope.
        :param receive: the ASGI receive callable.
        :param send: the ASGI send callable.
        """
        phases = {
            'lifespan.startup': ('startup', self.lifespan_startup),
            'lifespan.shutdown': ('shutdown', self.lifespan_shutdown),
        }
        while True:
            message = await receive()
            phase = phases.get(message.get('type'))
            if phase is None:  # pragma: no cover
                continue
            name, handler = phase
            try:
                if handler is not None:
                    await invoke_handler(handler, scope)
            except Exception as exc:
                # after a failed startup the server may still send the
                # shutdown event, which gets its own answer
                await send({'type': 'lifespan.{}.failed'.format(name),
                            'message': repr(exc)})
            else:
                await send({'type': 'lifespan.{}.complete'.format(name)})
            if name == 'shutdown':
                return

    async def _make_request(self, scope, receive, send):
        # Build the Request of an http or websocket scope through the wire
        # seam. Raises ValueError (or UnicodeError) for what the client sent
        # and cannot be accepted.
        raw_path = scope.get('raw_path')
        if raw_path:
            # the path as the client sent it, as the embedded server sees it
            path = raw_path.decode('utf-8')
        else:
            path = quote(scope.get('path', '/'), safe=_PATH_SAFE)
        query_string = scope.get('query_string')
        if query_string:
            path += '?' + query_string.decode('utf-8')
        names = _NAMES_IN
        headers = [(names.get(name) or _name_in(name), value.decode())
                   for name, value in scope.get('headers', ())]
        version = scope.get('http_version', '1.1')
        client = scope.get('client') or ('', 0)
        scheme = scope.get('scheme') or 'http'
        if scheme in ('ws', 'wss'):
            scheme = 'http' + scheme[2:]
        req = Request._new(self, (client[0], client[1]),
                           (scope.get('method', 'GET'), path, version,
                            headers),
                           (receive, send), scheme, 'HTTP/' + version)
        req.asgi_scope = scope
        if scope['type'] == 'http' and req.method not in ('GET', 'HEAD'):
            if version[:1] == '2' and 'Content-Length' not in req.headers:
                req._chunked = True  # HTTP/2 bodies need no length
            # the web server decoded the body; it ends where receive() says
            await req._load(_ASGIBodyStream(receive), expect=False,
                            decoded=True)
        return req

    async def asgi_app(self, scope, receive,
                       send):
        """The ASGI application: serve one ``http``, ``websocket`` or
        ``lifespan`` scope.

        :param scope: the ASGI scope.
        :param receive: the ASGI receive callable.
        :param send: the ASGI send callable.
        """
        kind = scope.get('type')
        if kind == 'lifespan':
            return await self.handle_lifespan(scope, receive, send)
        if kind not in ('http', 'websocket'):  # pragma: no cover
            return

        try:
            req = await self._make_request(scope, receive, send)
        except Exception as exc:
            res = await self._refuse(exc)
            if res is None:
                return  # the client went away
        else:
            res = await self.dispatch_request(req)
        if kind == 'websocket':
            return await self._refuse_websocket(scope, res, receive, send)
        if res is Response.already_handled:  # pragma: no cover
            return
        res.complete()
        await send({'type': 'http.response.start',
                    'status': res.status_code,
                    'headers': self._header_list(res)})
        await self._send_body(res, receive, send)

    @staticmethod
    def _header_list(res):
        header_list = []
        names = _NAMES_OUT
        for name, value in res.headers.items():
            name = names.get(name) or _name_out(name)
            if isinstance(value, list):
                for v in value:
                    header_list.append((name, str(v).encode()))
            else:
                header_list.append((name, str(value).encode()))
        return header_list

    async def _refuse_websocket(self, scope, res, receive, send):
        # The route of a websocket scope did not accept the connection (an
        # error, or a handler that returned a response): send that response
        # when the server supports it, else refuse the connection.
        if res is Response.already_handled:
            return
        message = await receive()
        if message.get('type') != 'websocket.connect':  # pragma: no cover
            return
        if 'websocket.http.response' in (scope.get('extensions') or {}):
            res.complete()
            await send({'type': 'websocket.http.response.start',
                        'status': res.status_code,
                        'headers': self._header_list(res)})
            body = b''
            if not res.is_head:
                async for chunk in res.body_iter():
                    body += chunk.encode() if isinstance(chunk, str) \
                        else chunk
            await send({'type': 'websocket.http.response.body',
                        'body': body})
            return
        await send({'type': 'websocket.close', 'code': 1008,
                    'reason': str(res.status_code)})

    async def _send_body(self, res, receive, send):
        if isinstance(res.body, bytes) or res.is_head:
            await send({'type': 'http.response.body',
                        'body': b'' if res.is_head else res.body,
                        'more_body': False})
            if not isinstance(res.body, bytes):
                await res.body_iter().aclose()
            return

        # A streamed body. A watcher task waits for the client to go away
        # and then cancels this task, so that a stream that is waiting for
        # its next chunk (an idle event stream, for example) ends at once.
        task = asyncio.current_task()
        state = {'streaming': True, 'gone': False}

        async def watch():
            while True:
                message = await receive()
                if message is None or message.get('type') == \
                        'http.disconnect':
                    break
            if state['streaming']:
                state['gone'] = True
                task.cancel()

        watcher = asyncio.ensure_future(watch())
        chunks = res.body_iter()
        try:
            async for chunk in chunks:
                if isinstance(chunk, str):
                    chunk = chunk.encode()
                if chunk:
                    await send({'type': 'http.response.body',
                                'body': bytes(chunk), 'more_body': True})
            state['streaming'] = False
            await send({'type': 'http.response.body', 'body': b'',
                        'more_body': False})
        except asyncio.CancelledError:
            if not state['gone']:
                raise
            # the cancellation was ours: the client disconnected
            if hasattr(task, 'uncancel'):
                task.uncancel()
        except OSError:
            # the server could not write: the client is gone
            pass
        except Exception as exc:
            # the head is already out: all that can be done is to log the
            # error and leave the response incomplete
            print_exception(exc)
        finally:
            state['streaming'] = False
            watcher.cancel()
            if hasattr(chunks, 'aclose'):
                await chunks.aclose()

    async def __call__(self, scope, receive,
                       send):
        # the ASGI entry point
        await self.asgi_app(scope, receive,
                            send)


class WebSocket(BaseWebSocket):
    """A WebSocket connection carried by ASGI ``websocket`` messages.

    The web server does the framing; this class keeps the interface and the
    behaviour of :class:`microdot.websocket.WebSocket`, including
    :attr:`max_message_length` (a larger message closes the connection with
    status 1009).
    """
    async def handshake(self):
        receive, send = self.request.sock
        message = await receive()
        if message.get('type') != 'websocket.connect':
            abort(400, 'Expected a websocket.connect message')
        await send({'type': 'websocket.accept'})

    async def receive(self):
        """Wait for the next message and return it, as a ``str`` for text
        messages and ``bytes`` for binary ones.

        Raises :class:`WebSocketError <microdot.websocket.WebSocketError>`
        when the connection is closed or the message is too large.
        """
        if self.closed:
            raise WebSocketError(_CLOSED)
        message = await self.request.sock[0]()
        kind = message.get('type')
        if kind != 'websocket.receive':
            # websocket.disconnect, or a message this class cannot handle
            self.closed = True
            raise WebSocketError(_CLOSED)
        data = message.get('bytes')
        if data is None:
            data = message.get('text') or ''
        limit = self._limit()
        if limit and len(data) > limit:
            await self.close(self.CLOSE_TOO_BIG, 'Message too large')
            raise WebSocketError('Message too large')
        return data

    async def send(self, data, opcode=None):
        """Send a message: text for ``str`` and binary for bytes.

        :param data: the message.
        :param opcode: ``WebSocket.TEXT`` or ``WebSocket.BINARY`` to choose
                       the kind of message; by default it follows the type
                       of ``data``.
        """
        if not isinstance(data, (str, bytes, bytearray, memoryview)):
            raise TypeError('WebSocket messages must be str or bytes, not ' +
                            type(data).__name__)
        if self.closed:
            raise WebSocketError(_CLOSED)
        if opcode is None:
            opcode = self.TEXT if isinstance(data, str) else self.BINARY
        if opcode == self.TEXT:
            if not isinstance(data, str):
                data = bytes(data).decode()
            message = {'type': 'websocket.send', 'text': data}
        elif opcode == self.BINARY:
            if isinstance(data, str):
                data = data.encode()
            message = {'type': 'websocket.send', 'bytes': bytes(data)}
        else:
            # control frames belong to the web server under ASGI
            raise ValueError('only TEXT and BINARY messages can be sent '
                             'under ASGI')
        try:
            await self.request.sock[1](message)
        except OSError:
            self.closed = True
            raise WebSocketError(_CLOSED)

    async def close(self, code=1000, reason=''):
        """Close the connection, if it is still open.

        :param code: the close status code, 1000 (normal) by default.
        :param reason: a short text explaining why.
        """
        if self.closed:
            return
        self.closed = True
        try:
            await self.request.sock[1]({'type': 'websocket.close',
                                        'code': code, 'reason': reason})
        except Exception:  # the connection is already gone
            pass


async def websocket_upgrade(request):
    """Accept the WebSocket connection of a request and return the
    :class:`WebSocket` object, from inside a route handler. This allows a
    route to check the client first::

        @app.route('/echo')
        async def echo(request):
            if not await authenticate_user(request):
                abort(401)
            ws = await websocket_upgrade(request)
            while True:
                message = await ws.receive()
                await ws.send(message)

    The route's response is then ignored: the connection belongs to the
    WebSocket.
    """
    return await _upgrade(request, BaseWebSocket
                          if request.app.embedded_server else WebSocket)


def with_websocket(f):
    """Decorator that makes a route a WebSocket endpoint. The route receives
    the :class:`WebSocket` object as its second argument::

        @app.route('/echo')
        @with_websocket
        async def echo(request, ws):
            while True:
                message = await ws.receive()
                await ws.send(message)
    """
    return websocket_wrapper(f, upgrade_function=websocket_upgrade)
