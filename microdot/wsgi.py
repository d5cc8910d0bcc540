"""
microdot.wsgi
-------------

Run a microdot application under a WSGI web server such as Gunicorn::

    from microdot.wsgi import Microdot

    app = Microdot()

    @app.route('/')
    async def index(request):
        return 'Hello, World!'

and then ``gunicorn module:app``. WSGI is synchronous, but handlers still run
in an asyncio event loop (one per server thread) and go through the same
``dispatch_request`` as with the embedded server. CPython only.
"""
import asyncio
# os and signal stay importable from here, where microdot has them (tests
# patch microdot.wsgi.os.kill); shutdown() is in microdot._external
import os  # noqa: F401
import signal  # noqa: F401
import socket
import threading
from urllib.parse import quote

from microdot import *  # noqa: F401, F403
from microdot.microdot import Request, Response, _is_muted
from microdot._cpython import _Writer
import microdot.microdot as _core
from microdot._external import ExternalServerMixin, _PATH_SAFE
# WebSocket routes under WSGI use the embedded server's implementation,
# over the raw socket that Gunicorn hands to the application
from microdot.websocket import WebSocket, with_websocket, \
    websocket_upgrade  # noqa: F401


class _WSGIBodyStream:
    """The ``wsgi.input`` file of a request, behind the asynchronous stream
    interface that microdot reads request bodies from."""
    def __init__(self, wsgi_input):
        self.wsgi_input = wsgi_input

    async def read(self, n=-1):
        """Read up to ``n`` bytes, or all that is left when ``n`` is
        negative."""
        if n is None or n < 0:
            return self.wsgi_input.read()
        return self.wsgi_input.read(n)

    async def readexactly(self, n):
        """Read ``n`` bytes, or what is left when the body is shorter."""
        data = b''
        while len(data) < n:
            chunk = self.wsgi_input.read(n - len(data))
            if not chunk:
                break
            data += chunk
        return data

    async def readline(self):
        """Read one line, with its ``\\n``."""
        return self.wsgi_input.readline()

    async def readuntil(self, separator=b'\n'):
        """Read up to and including ``separator``, or to the end of the
        body when it does not appear."""
        data = b''
        while not data.endswith(separator):
            c = self.wsgi_input.read(1)
            if not c:
                break
            data += c
        return data


class _SyncBody:
    """The chunks of a response body, pulled from its asynchronous iterator
    through the event loop, as the iterable that WSGI servers expect."""
    def __init__(self, body_iter, loop):
        self.body_iter = body_iter.__aiter__()
        self.loop = loop

    def __iter__(self):
        return self

    def __next__(self):
        try:
            chunk = self.loop.run_until_complete(self.body_iter.__anext__())
        except StopAsyncIteration:
            raise StopIteration
        return chunk.encode() if isinstance(chunk, str) else chunk

    def close(self):
        """Close the body; servers call it when the response is over or the
        client went away."""
        aclose = getattr(self.body_iter, 'aclose', None)
        if aclose is not None:
            # a task that closing cancels (an SSE event task) gets its turn
            # before the loop stops
            self.loop.run_until_complete(aclose())


#: The core application class that this module extends.
BaseMicrodot = _core.Microdot


class Microdot(ExternalServerMixin,  # type: ignore[no-redef]
               BaseMicrodot):
    """A :class:`Microdot <microdot.Microdot>` application that is also a
    WSGI callable: pass the instance to a WSGI web server.

    The WSGI ``environ`` of each request is available to handlers as
    ``request.environ``. WebSocket routes work under Gunicorn, which gives
    the application its raw socket; use a worker class that does not time
    out long requests (``gthread``, for example) for long-lived connections.
    """
    def __init__(self):
        super().__init__()
        #: The event loop of the first thread that serves a request; other
        #: threads of a threaded server get loops of their own.
        self.loop = asyncio.new_event_loop()
        self._local = threading.local()
        self._loop_lock = threading.Lock()
        self._loop_taken = False

    def _get_loop(self):
        # an event loop can only run in one thread at a time
        loop = getattr(self._local, 'loop', None)
        if loop is None:
            with self._loop_lock:
                if self._loop_taken:
                    loop = asyncio.new_event_loop()
                else:
                    loop = self.loop
                    self._loop_taken = True
            self._local.loop = loop
        return loop

    def _make_request(self, environ, loop):
        # Build the Request of a WSGI environ. Raises ValueError (or
        # UnicodeError) for what the client sent and cannot be accepted.
        path = environ.get('PATH_INFO', '')
        if environ.get('SCRIPT_NAME'):
            path = environ['SCRIPT_NAME'] + path
        # WSGI gives the path decoded, as latin-1 text: quote it back to what
        # the client sent, which is what the embedded server sees
        path = quote(path.encode('latin-1'), safe=_PATH_SAFE) or '/'
        if environ.get('QUERY_STRING'):
            path += '?' + environ['QUERY_STRING'].encode(
                'latin-1').decode('utf-8')

        headers = []
        for key, value in environ.items():
            if key.startswith('HTTP_'):
                name = '-'.join(p.title() for p in key[5:].split('_'))
            elif key in ('CONTENT_TYPE', 'CONTENT_LENGTH'):
                if not value:
                    continue
                name = key.replace('_', '-').title()
            else:
                continue
            headers.append((name, value.encode('latin-1').decode('utf-8')))
        client_port = environ.get('REMOTE_PORT') or '0'
        # the protocol as the server gives it, 'HTTP/1.1', as microdot does
        protocol = environ.get('SERVER_PROTOCOL', 'HTTP/1.0')
        sock = (None, None)
        req = Request._new(self, (environ.get('REMOTE_ADDR', ''),
                                  int(client_port)),
                           (environ['REQUEST_METHOD'], path,
                            protocol[5:] or '1.0', headers),
                           sock, environ.get('wsgi.url_scheme') or 'http',
                           protocol)
        req.environ = environ
        wsgi_input = environ.get('wsgi.input')
        if wsgi_input is not None and (req.content_length or req._chunked):
            # the web server decoded the body; it ends where wsgi.input does
            loop.run_until_complete(req._load(_WSGIBodyStream(wsgi_input),
                                              expect=False, decoded=True))
        elif req.headers.get('Upgrade', '').lower() == 'websocket' and \
                'gunicorn.socket' in environ:
            req.sock = loop.run_until_complete(
                self._open_raw_socket(environ))
        return req

    @staticmethod
    async def _open_raw_socket(environ):
        # asyncio streams over a duplicate of Gunicorn's client socket, for
        # protocols such as WebSocket that take over the connection
        raw = environ['gunicorn.socket']
        environ['microdot.socket_timeout'] = raw.gettimeout()
        reader, writer = await asyncio.open_connection(sock=raw.dup())
        return reader, _Writer(writer)

    def _close_raw_socket(self, environ, req, res, loop):
        writer = req.sock[1]
        try:
            loop.run_until_complete(writer.aclose())
        except OSError as exc:  # pragma: no cover
            if not _is_muted(exc):
                raise
        raw = environ['gunicorn.socket']
        # the duplicate shared the blocking mode of the original: restore it
        raw.settimeout(environ.get('microdot.socket_timeout'))
        if res is Response.already_handled:
            # the connection was taken over; end it, so that the server has
            # nowhere to write a response of its own
            try:
                raw.shutdown(socket.SHUT_RDWR)
            except OSError:  # pragma: no cover
                pass

    def wsgi_app(self, environ, start_response):
        """The WSGI application callable.

        :param environ: the WSGI environment of the request.
        :param start_response: the server's ``start_response`` callable.
        """
        loop = self._get_loop()
        req = None
        try:
            req = self._make_request(environ, loop)
        except Exception as exc:
            res = loop.run_until_complete(self._refuse(exc))
            if res is None:
                res = loop.run_until_complete(self.dispatch_request(None))
        else:
            res = loop.run_until_complete(self.dispatch_request(req))
        if req is not None and req.sock[1] is not None:
            self._close_raw_socket(environ, req, res, loop)
        if res is Response.already_handled:
            start_response('200 OK', [])
            return []
        res.complete()

        reason = res.reason
        if reason is None:
            reason = 'OK' if res.status_code == 200 else 'N/A'
        # WSGI headers are text that holds bytes as latin-1; the bytes are
        # the UTF-8 that the other transports send
        header_list = []
        for name, value in res.headers.items():
            for v in (value if isinstance(value, list) else [value]):
                header_list.append(
                    (name, str(v).encode().decode('latin-1')))
        start_response('{} {}'.format(res.status_code, reason), header_list)

        if res.is_head:
            if not isinstance(res.body, bytes):
                loop.run_until_complete(res.body_iter().aclose())
            return []
        if isinstance(res.body, bytes):
            return [res.body]
        return _SyncBody(res.body_iter(), loop)

    def __call__(self, environ, start_response):
        # the WSGI entry point
        return self.wsgi_app(environ,
                             start_response)
