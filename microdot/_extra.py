"""
microdot._extra
---------------

The parts of microdot's API that most requests never use: cookies, redirects,
files, mounted applications, custom URL segment types and the merging of
``Vary`` headers.

The stand-ins in :mod:`microdot.microdot` import this module at the first
call of one of them, and it puts the real methods in the classes; CPython
imports it with :mod:`microdot.microdot`.
"""
import time

from microdot.microdot import Response, URLPattern, Microdot

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


# the real methods, in place of the stand-ins of microdot.microdot
setattr(Response, 'set_cookie', set_cookie)
setattr(Response, 'delete_cookie', delete_cookie)
setattr(Response, 'redirect', classmethod(redirect))
setattr(Response, 'send_file', classmethod(send_file))
setattr(URLPattern, 'register_type', classmethod(register_type))
setattr(Microdot, 'mount', mount)
