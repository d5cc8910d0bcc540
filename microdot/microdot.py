"""
microdot
--------

The core of microdot: the application, request and response classes and URL
patterns. This module runs unchanged on CPython and MicroPython; its
byte-level hot paths live in ``microdot._speedups``, which picks compiled or
pure implementations.

Here is what defines an application. What runs when requests come has its
code in other modules, so that on MicroPython the heap pays for it only
once it is used: :mod:`microdot._dispatch` (routing, handlers, errors),
:mod:`microdot._wire` (the wire seam: a parsed head to a request, a
response to head bytes), :mod:`microdot._body` (request bodies read or
streamed, response bodies in chunks), :mod:`microdot._portable`
(the portable server, ``run`` and ``start_server``) and
:mod:`microdot._extra` (cookies, redirects, files, ``mount``,
``register_type``, bad requests, exception handlers). Their public
methods are stand-ins here that import the module at the first call; the
module then puts its real methods in the classes. The private methods of
the wire seam (``Request._new``, ``Request._load``, ``Response._wire``,
``Response._send``, ``Microdot._refuse``) exist once
:mod:`microdot._wire`, :mod:`microdot._body` and :mod:`microdot._portable`
are imported, which every transport does first. ``MultiDict``,
``AsyncBytesIO``, ``urlencode`` and ``mro`` are in :mod:`microdot._types`,
which this module's ``__getattr__`` loads at their first use.
CPython imports all of them with this module.
"""
import sys

from microdot import _jsoncodec
from microdot._speedups import urldecode, \
    NoCaseDict  # noqa: F401 (re-exported)

if sys.implementation.name == 'micropython':
    from sys import print_exception  # type: ignore[attr-defined]

    def iscoroutine(coro):
        """Tell whether an object is a coroutine (MicroPython version)."""
        return hasattr(coro, 'throw') and hasattr(coro, 'send')

    async def invoke_handler(handler, *args, **kwargs):
        """Call a handler, sync or async, and return what it returns.

        Without threads, plain functions run inline in the event loop, so
        they should be quick.
        """
        value = handler(*args, **kwargs)
        if iscoroutine(value):
            value = await value
        return value
else:
    # sync handlers in a thread pool
    from microdot._cpython import invoke_handler, iscoroutine, \
        print_exception, _coroutine_functions  # noqa: F401

#: ``errno`` values of socket errors that mean the client went away. They
#: are expected in a server's life and are not reported.
MUTED_SOCKET_ERRORS = [
    32,  # EPIPE: broken pipe
    54,  # ECONNRESET on BSD and macOS
    104,  # ECONNRESET on Linux
    128,  # ENOTCONN on some MicroPython ports
]


def __getattr__(name):
    # MultiDict, AsyncBytesIO, urlencode and mro are in microdot._types,
    # which puts them in this module when it loads: at their first use on
    # MicroPython, with this module on CPython
    if name in ('MultiDict', 'AsyncBytesIO', 'urlencode', 'mro'):
        from microdot import _types  # noqa: F401
        return globals()[name]
    raise AttributeError(name)


def _log(*args):
    # every line microdot prints goes through here (and every traceback
    # through print_exception), from whichever module
    print(*args)


def _is_muted(exc):
    return (exc.args and exc.args[0] in MUTED_SOCKET_ERRORS) or \
        getattr(exc, 'errno', None) in MUTED_SOCKET_ERRORS or \
        (exc.args and exc.args[0] == 'Connection lost')


def merge_vary(existing, names):
    """Return a ``Vary`` header value that adds header names to an existing
    one (see :mod:`microdot._extra`)."""
    from microdot._extra import merge_vary as merge
    return merge(existing, names)


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
            # only plain decimal digits: no sign, no spaces, no underscores
            if not value or value.strip('0123456789'):
                raise ValueError('invalid Content-Length')
            self.content_length = int(value)
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
    def create(*args, **kwargs):
        """Read a request from a stream and return a :class:`Request`.

        The code is in :mod:`microdot._extra`.
        """
        from microdot._extra import create
        return create(*args, **kwargs)

    def _parse_urlencoded(self, text):
        # a query string or form body as a MultiDict; the code is in
        # microdot._types
        from microdot._types import _parse_urlencoded
        return _parse_urlencoded(self, text)

    @property
    def body(self):
        """The body of the request, as bytes."""
        return self._body

    @property
    def stream(self):
        """The body of the request, as an asynchronous stream. The code is
        in :mod:`microdot._types`."""
        from microdot._types import _stream
        return _stream(self)

    @property
    def json(self):
        """The body parsed as JSON, or ``None`` when the request is not
        ``application/json``.

        A body that is not valid UTF-8 or not valid JSON raises an
        :class:`HTTPException` for a 400 response, which is also a
        ``ValueError`` on CPython; one left in :attr:`stream` (larger than
        :attr:`max_body_length`) raises one for a 413."""
        if self._json is None:
            self._json = self._parse_body('application/json',
                                          _jsoncodec.loads, 'JSON body')
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
            self._form = self._parse_body('application/x-www-form-urlencoded',
                                          self._parse_urlencoded, 'form data')
        return self._form

    def _parse_body(self, content, parse, name):
        # The body parsed for request.json or request.form (None when the
        # content type is not ``content``), or the client's error: 400 for a
        # body that does not parse, 413 for one larger than max_body_length,
        # which is left in the stream and not read before the route runs
        # (parsing the empty self.body would be a wrong 400, or an empty
        # form).
        if (self.content_type or '').split(';')[0].strip().lower() != \
                content:
            return None
        if not self._body and self._stream is not None and \
                (self.content_length or self._chunked):
            raise _BadRequestBody(413, 'Payload too large')
        try:
            return parse(self._body)
        except UnicodeError:
            raise _BadRequestBody(400, 'Invalid UTF-8 in ' + name)
        except (ValueError, RuntimeError):
            # RuntimeError: RecursionError, nesting too deep to parse
            raise _BadRequestBody(400, 'Invalid ' + name)

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
            self.headers['Content-Type'] = 'application/json; charset=UTF-8'
        if isinstance(body, str):
            body = body.encode()
        self.body = body
        self.is_head = False

    def set_cookie(self, *args, **kwargs):
        """Add a ``Set-Cookie`` header to the response.

        The code is in :mod:`microdot._extra`.
        """
        from microdot._extra import set_cookie
        return set_cookie(self, *args, **kwargs)

    def delete_cookie(self, *args, **kwargs):
        """Ask the client to delete a cookie.

        The code is in :mod:`microdot._extra`.
        """
        from microdot._extra import delete_cookie
        return delete_cookie(self, *args, **kwargs)

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

    def write(self, *args, **kwargs):
        """Write the response to a stream.

        The code is in :mod:`microdot._extra`.
        """
        from microdot._extra import write
        return write(self, *args, **kwargs)

    def body_iter(self, *args, **kwargs):
        """Return an asynchronous iterator over the chunks of the body.

        The code is in :mod:`microdot._body`.
        """
        from microdot._body import body_iter
        return body_iter(self, *args, **kwargs)

    @classmethod
    def redirect(cls, *args, **kwargs):
        """Return a redirect response.

        The code is in :mod:`microdot._extra`.
        """
        from microdot._extra import redirect
        return redirect(cls, *args, **kwargs)

    @classmethod
    def send_file(cls, *args, **kwargs):
        """Return a response that streams the contents of a file.

        The code is in :mod:`microdot._extra`.
        """
        from microdot._extra import send_file
        return send_file(cls, *args, **kwargs)


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
    def register_type(cls, *args, **kwargs):
        """Add (or replace) a segment type.

        The code is in :mod:`microdot._extra`.
        """
        from microdot._extra import register_type
        return register_type(cls, *args, **kwargs)

    def __init__(self, url_pattern):
        self.url_pattern = url_pattern
        self.segments = []
        self.regex = None
        self._spec = None

    def compile(self):
        """Prepare the pattern for matching; called on first use.

        Raises ``ValueError`` for a malformed dynamic segment or an unknown
        segment type. Returns the compiled regular expression, or ``None``
        when the pattern is matched without one. The code is in
        :mod:`microdot._dispatch`.
        """
        from microdot._dispatch import compile
        return compile(self)

    def match(self, path):
        """Match a URL path against the pattern.

        Returns a dictionary with the values of the dynamic segments, or
        ``None`` when the path does not match. The code is in
        :mod:`microdot._extra`.
        """
        from microdot._extra import match
        return match(self, path)

    def __repr__(self):
        return 'URLPattern: ' + self.url_pattern


class HTTPException(Exception):
    """An exception that ends a request with an HTTP error response.

    :param status_code: the status code of the response.
    :param reason: the text of the response; ``'<code> error'`` by default.

    A ``headers`` attribute (a dictionary) set on the exception before it is
    raised adds those headers to the error response, whichever handler made
    it (an addition to microdot 2.7).
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

    def mount(self, *args, **kwargs):
        """Add the routes of another application under a URL prefix.

        The code is in :mod:`microdot._extra`.
        """
        from microdot._extra import mount
        return mount(self, *args, **kwargs)

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

    def start_server(self, *args, **kwargs):
        """Start the web server, as a coroutine that returns when the server
        is shut down with :meth:`shutdown`.

        The code is in :mod:`microdot._portable`.
        """
        from microdot._portable import start_server
        return start_server(self, *args, **kwargs)

    def _serve_portable(self, *args, **kwargs):
        # the code is in microdot._portable
        from microdot._portable import _serve_portable
        return _serve_portable(self, *args, **kwargs)

    def run(self, *args, **kwargs):
        """Run the web server until :meth:`shutdown` is called.

        The code is in :mod:`microdot._portable`.
        """
        from microdot._portable import run
        return run(self, *args, **kwargs)

    def shutdown(self, *args, **kwargs):
        """Stop the server.

        The code is in :mod:`microdot._portable`.
        """
        from microdot._portable import shutdown
        return shutdown(self, *args, **kwargs)

    def find_route(self, req):
        """Find the handler for a request.

        Returns ``(handler, url_prefix, subapp)``; see
        :mod:`microdot._dispatch`, where the code is.
        """
        from microdot._dispatch import find_route
        return find_route(self, req)

    def default_options_handler(self, req):
        """Answer an ``OPTIONS`` request with an ``Allow`` header listing the
        methods of every route that matches the path. The code is in
        :mod:`microdot._extra`.
        """
        # never replaced, so that ``app.options_handler`` (this method,
        # bound when the application was made) stays equal to it
        from microdot._extra import default_options_handler
        return default_options_handler(self, req)

    def handle_request(self, *args, **kwargs):
        """Serve the requests of one connection of the portable server.

        The code is in :mod:`microdot._portable`.
        """
        from microdot._portable import handle_request
        return handle_request(self, *args, **kwargs)

    def get_request_handlers(self, req, attr, local_first=True):
        """Return the handlers of a kind that apply to a request. The code
        is in :mod:`microdot._dispatch`."""
        from microdot._dispatch import get_request_handlers
        return get_request_handlers(self, req, attr, local_first)

    def error_response(self, req, status_code, reason=None):
        """Return the response for an HTTP error (a coroutine). The code is
        in :mod:`microdot._dispatch`."""
        from microdot._dispatch import error_response
        return error_response(self, req, status_code, reason)

    def dispatch_request(self, req):
        """Run a parsed request through the application and return its
        :class:`Response` (a coroutine). Every transport ends here; the code
        is in :mod:`microdot._dispatch`."""
        from microdot._dispatch import dispatch_request
        return dispatch_request(self, req)


Response.already_handled = Response()  # type: ignore[assignment]

if sys.implementation.name == 'cpython':
    # Memory is plentiful: the real methods go in place now, so that no
    # stand-in is on any path and introspection sees them.
    from microdot._extra import merge_vary  # noqa: F401, F811
    import microdot._dispatch  # noqa: F401
    import microdot._wire  # noqa: F401
    import microdot._body  # noqa: F401
    import microdot._portable  # noqa: F401
    import microdot._types  # noqa: F401

abort = Microdot.abort
redirect = Response.redirect
send_file = Response.send_file
