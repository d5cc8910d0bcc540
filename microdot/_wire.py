"""
microdot._wire
--------------

The wire seam: every transport (the portable server, :mod:`microdot.server`,
ASGI, WSGI and the test client) turns a parsed request head into a
:class:`~microdot.Request` with ``Request._new``, reads or streams its body
with ``Request._load`` (in :mod:`microdot._body`), and turns a
:class:`~microdot.Response` into head bytes with ``Response._wire`` and into
body chunks with ``Response.body_iter`` (in :mod:`microdot._body`).

These methods live here so that ``import microdot`` on MicroPython does not
pay for them: the stand-ins in :mod:`microdot.microdot` import this module
at the first request, and it puts the real methods in the classes. CPython
imports it with :mod:`microdot.microdot`.
"""
import asyncio

from microdot.microdot import Request, Response, NoCaseDict


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


_SINGLE_HEADERS = ('content-length', 'transfer-encoding', 'host')


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


def _consumed(req):
    # whether the whole body of a request was read, so that the next
    # request on the connection starts where it ended: a streamed body
    # (microdot._body) says so itself
    done = getattr(req._stream, 'done', None)
    if done is not None:
        return done and not req._stream.buf
    return req.content_length <= req.max_content_length


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


# the real methods, in place of the stand-ins of microdot.microdot
setattr(Request, '_new', staticmethod(_new))
setattr(Response, '_wire', _wire)
