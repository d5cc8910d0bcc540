"""
microdot._extra
---------------

The parts of microdot's API that most requests never use: cookies, redirects,
files, mounted applications, custom URL segment types, the merging of
``Vary`` headers, ``Request.create`` and ``Response.write`` (microdot's
stream API, which the servers do not use), the answers to requests that
cannot be read, exception handlers, ``OPTIONS`` answers and the matching of
regular-expression patterns.

The stand-ins in :mod:`microdot.microdot` import this module at the first
call of one of them, and it puts the real methods in the classes; CPython
imports it with :mod:`microdot.microdot`.
"""
import asyncio
import time

from microdot import microdot as core
from microdot import _speedups
from microdot.microdot import Request, Response, URLPattern, Microdot, \
    HTTPException, invoke_handler

_EPOCH_DATE = 'Thu, 01 Jan 1970 00:00:01 GMT'


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


def redirect(cls, location, status_code=302):
    """Return a redirect response.

    :param location: the URL to redirect to; it cannot contain line
                     breaks.
    :param status_code: the 3xx status code, 302 by default.
    """
    if '\r' in location or '\n' in location:
        raise ValueError('invalid redirect URL')
    return cls(b'', status_code, {'Location': location})


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
    left short). The file name is trusted: for names that come from a
    client use :func:`microdot.static.send_from_directory`.
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
    # the length goes out on HTTP/1.1 connections (Response._wire), not in
    # res.headers: microdot 2.7's own tests pin what write() sends
    res._size = size
    return res


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
    from microdot._portable import _read_head
    head = await _read_head(client_reader)
    if head is None:
        return None
    req = Request._new(app, client_addr, head,
                       (client_reader, client_writer), scheme)
    if req.content_length or req._chunked:
        import microdot._body  # noqa: F401  (Request._load)
        await req._load(client_reader)
    return req


async def write(self, stream):
    """Write the response to a stream, through its ``awrite()``
    coroutine only. The status line says ``HTTP/1.0`` and the body ends
    where the connection does."""
    import microdot._portable  # noqa: F401  (Response._send)
    self.complete()
    await self._send(stream)


async def refuse(app, exc):
    # Microdot._refuse for anything but out of memory (which
    # microdot._portable answers itself): the response to a request that
    # could not be read, or None when the client is gone. Logged in one
    # line.
    from microdot._wire import _BadRequest
    status = 400
    reason = 'Bad request'
    if isinstance(exc, asyncio.TimeoutError):
        status, reason = 408, 'Request timeout'
    elif isinstance(exc, OSError):
        return None
    elif isinstance(exc, _BadRequest):
        status, reason = exc.status, exc.reason
    elif isinstance(exc, HTTPException):
        status, reason = exc.status_code, exc.reason
    core._log('Bad request: {} {}'.format(status, exc))
    res = await app.error_response(None, status, reason)
    return await app._finish(None, res, False)


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


def _exception_handler(self, req, exc):
    # the handler for an exception: the sub-application's first, then the
    # application's, for the exception's class or the nearest base (mro
    # is in microdot._types, which the rest of this module does not need)
    from microdot._types import mro
    local = req.subapp.error_handlers if req.subapp else {}
    for cls in mro(exc.__class__):
        if cls in local:
            return local[cls]
        if cls in self.error_handlers:
            return self.error_handlers[cls]
    return None


async def handle_exception(self, req, exc):
    # the response to an exception raised while handling a request: what
    # the error handler registered for its class (or a base) returns,
    # else a 500
    core.print_exception(exc)
    res = None
    handler = _exception_handler(self, req, exc)
    if handler:
        try:
            res = await invoke_handler(handler, req, exc)
        except Exception as handler_exc:
            core.print_exception(handler_exc)
            res = None
    if res is None:
        res = await self.error_response(req, 500,
                                        'Internal server error')
    return res


# the real methods, in place of the stand-ins of microdot.microdot
setattr(Response, 'set_cookie', set_cookie)
setattr(Response, 'delete_cookie', delete_cookie)
setattr(Response, 'redirect', classmethod(redirect))
setattr(Response, 'send_file', classmethod(send_file))
setattr(URLPattern, 'register_type', classmethod(register_type))
setattr(URLPattern, 'match', match)
setattr(Microdot, 'mount', mount)
setattr(Request, 'create', staticmethod(create))
setattr(Response, 'write', write)
