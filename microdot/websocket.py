"""
microdot.websocket
------------------

WebSocket (RFC 6455) support for the embedded server. A route decorated with
:func:`with_websocket` receives a :class:`WebSocket` to exchange messages
with the client.

Besides what microdot 2.x offers, this module reassembles fragmented
messages, answers PING frames, ends connections with a close frame that
carries a status code (1000 normal, 1001 timeout, 1002 protocol error, 1007
invalid text, 1009 message too big, 1011 server error), drops a client that
stops half-way through a frame (:attr:`WebSocket.frame_timeout`) and, when
configured, pings silent clients and closes idle connections
(:attr:`WebSocket.ping_interval`, :attr:`WebSocket.idle_timeout`).

The protocol itself (handshake, frames, messages, closing) is in
:mod:`microdot._websocket`, which MicroPython loads when the first
connection is upgraded.
"""
import sys

from microdot.microdot import Response, MUTED_SOCKET_ERRORS, \
    print_exception, _is_muted  # noqa: F401
from microdot.helpers import wraps

_CLOSED = 'Websocket connection closed'


class WebSocketError(Exception):
    """Error raised by a :class:`WebSocket` when the connection cannot be
    used any more: the client closed it, went away or broke the protocol."""
    pass


class WebSocket:
    """A WebSocket connection, as given to WebSocket route handlers.

    :param request: the request that was upgraded.
    """
    CONT = 0
    TEXT = 1
    BINARY = 2
    CLOSE = 8
    PING = 9
    PONG = 10

    #: Close status: normal closure.
    CLOSE_NORMAL = 1000
    #: Close status: the server leaves the connection (idle or stalled).
    CLOSE_GOING_AWAY = 1001
    #: Close status: the peer broke the protocol.
    CLOSE_PROTOCOL_ERROR = 1002
    #: Close status: a text message was not valid UTF-8.
    CLOSE_INVALID_DATA = 1007
    #: Close status: a message exceeded :attr:`max_message_length`.
    CLOSE_TOO_BIG = 1009
    #: Close status: the route handler failed.
    CLOSE_SERVER_ERROR = 1011

    #: The largest message :meth:`receive` accepts, in bytes, counting all
    #: the fragments of a fragmented message. A larger message closes the
    #: connection with status 1009. ``-1`` (the default) uses
    #: ``Request.max_body_length``; ``0`` removes the limit, which lets a
    #: client make the server buffer as much as it sends. Example::
    #:
    #:    WebSocket.max_message_length = 64 * 1024
    max_message_length = -1

    #: How long :meth:`close` waits for the client to answer a close frame,
    #: in seconds, before the connection is dropped.
    close_timeout = 2

    #: Seconds of silence from the client after which :meth:`receive`,
    #: while it waits, sends a PING frame (again after each such period).
    #: A live client answers with a PONG, which ends its silence; combined
    #: with :attr:`idle_timeout` this keeps live connections and drops dead
    #: ones. ``None`` (the default, as in microdot 2.x) sends no PING.
    ping_interval = None

    #: Seconds of silence from the client (no frame at all, PONGs
    #: included) after which :meth:`receive` closes the connection with
    #: status 1001 and raises :class:`WebSocketError`. ``None`` (the
    #: default, as in microdot 2.x) waits for ever. Silence is measured
    #: while :meth:`receive` waits. Example, to drop clients that are gone
    #: for a minute while keeping quiet ones that still answer::
    #:
    #:    WebSocket.ping_interval = 20
    #:    WebSocket.idle_timeout = 60
    #:
    #: Under ASGI the web server handles PING frames and keepalive (for
    #: uvicorn, ``--ws-ping-interval`` and ``--ws-ping-timeout``), and these
    #: two attributes are not used.
    idle_timeout = None

    #: Seconds within which the rest of a frame must arrive once its first
    #: byte has: the rest of the header, then every 64 KB of the payload.
    #: A client that stalls half-way through a frame (detected after one
    #: to two such periods) is sent a close frame (1001) and dropped.
    #: ``None`` waits for ever. No client has a reason to pause inside a
    #: frame, so this is on by default; it only applies while
    #: :meth:`receive` waits.
    frame_timeout = 30

    def __init__(self, request):
        #: The request of the connection.
        self.request = request
        #: ``True`` once the connection is closed, or closing.
        self.closed = False
        self._frag_opcode = None
        self._frag_parts = []
        self._frag_size = 0
        self._reading = False
        self._unread = 0  # payload bytes left unread by a refused frame
        self._peer_closed = False  # the client's close frame has arrived
        # the frame watchdog (see _watch): reads done inside frames, whether
        # one is half-read, the task in receive() and the watchdog's task
        self._progress = 0
        self._mid = False
        self._stalled = False
        self._task = None
        self._watcher = None

    def handshake(self, *args, **kwargs):
        """Validate the upgrade request and send the ``101`` response.

        The code is in :mod:`microdot._websocket`.
        """
        from microdot._websocket import handshake
        return handshake(self, *args, **kwargs)

    def receive(self, *args, **kwargs):
        """Wait for the next message from the client and return it, as a
        ``str`` for text messages and ``bytes`` for binary ones.

        The code is in :mod:`microdot._websocket`.
        """
        from microdot._websocket import receive
        return receive(self, *args, **kwargs)

    def send(self, *args, **kwargs):
        """Send a message to the client (``str`` as text, bytes as binary).

        The code is in :mod:`microdot._websocket`.
        """
        from microdot._websocket import send
        return send(self, *args, **kwargs)

    def close(self, *args, **kwargs):
        """Close the connection: send a close frame and wait for the
        client's answer.

        The code is in :mod:`microdot._websocket`.
        """
        from microdot._websocket import close
        return close(self, *args, **kwargs)

    def _handshake_response(self, *args, **kwargs):
        # the code is in microdot._websocket
        from microdot._websocket import _handshake_response
        return _handshake_response(self, *args, **kwargs)

    @classmethod
    def _parse_frame_header(cls, *args, **kwargs):
        # the code is in microdot._websocket
        from microdot._websocket import _parse_frame_header
        return _parse_frame_header(cls, *args, **kwargs)

    @staticmethod
    def _encode_websocket_frame(*args, **kwargs):
        # the code is in microdot._websocket
        from microdot._websocket import _encode_websocket_frame
        return _encode_websocket_frame(*args, **kwargs)

    def _process_websocket_frame(self, *args, **kwargs):
        # the code is in microdot._websocket
        from microdot._websocket import _process_websocket_frame
        return _process_websocket_frame(self, *args, **kwargs)


async def websocket_upgrade(request):
    """Turn the connection of a request into a WebSocket, and return the
    :class:`WebSocket`.

    :param request: the request to upgrade.

    For routes that do more than :func:`with_websocket`, such as checking
    credentials before accepting the connection::

        @app.route('/ws')
        async def ws_route(request):
            if not is_allowed(request):
                abort(403)
            ws = await websocket_upgrade(request)
            message = await ws.receive()
            await ws.send(message)
            await ws.close()
    """
    return await _upgrade(request, WebSocket)


async def _upgrade(request, websocket_class):
    # the handshake, for every transport: the connection then speaks
    # WebSocket, and no HTTP response follows
    ws = websocket_class(request)
    await ws.handshake()

    @request.after_request
    async def after_request(request, response):
        return Response.already_handled

    return ws


def websocket_wrapper(f, upgrade_function):
    """Wrap a WebSocket handler ``f(request, ws, ...)`` into a route
    handler that upgrades the connection with ``upgrade_function``, runs
    ``f`` and closes the connection when it ends.

    Disconnections end the handler quietly; other exceptions are printed
    and the connection is closed with status 1011.
    """
    @wraps(f)
    async def wrapper(request, *args, **kwargs):
        ws = await upgrade_function(request)
        code = 1000
        try:
            await f(request, ws, *args, **kwargs)
        except WebSocketError:
            pass
        except OSError as exc:
            if not _is_muted(exc):
                print_exception(exc)
                code = 1011
        except Exception as exc:
            print_exception(exc)
            code = 1011
        finally:
            try:
                if code == 1000:
                    await ws.close()
                else:
                    try:
                        await ws.close(code)
                    except TypeError:  # a subclass with microdot 2.x close()
                        await ws.close()
            except Exception:  # pragma: no cover
                pass
        return Response.already_handled
    return wrapper


def with_websocket(f):
    """Decorator that makes a route a WebSocket endpoint. The handler
    receives the :class:`WebSocket` after the request::

        @app.route('/echo')
        @with_websocket
        async def echo(request, ws):
            while True:
                message = await ws.receive()
                await ws.send(message)

    The handler can return to close the connection. When the client closes
    it, :meth:`WebSocket.receive` raises :class:`WebSocketError`, which ends
    the handler.
    """
    return websocket_wrapper(f, upgrade_function=websocket_upgrade)


if sys.implementation.name == 'cpython':
    # the real methods in place now (see microdot.microdot)
    import microdot._websocket  # noqa: F401
