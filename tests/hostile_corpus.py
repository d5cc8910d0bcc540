"""The hostile-input corpus: requests an attacker or a careless client
sends, as data, with the answer the server must give to each. Portable: the
CPython tests (tests/test_hostile_cpython.py: the HTTP/1.1 server and the
portable server, on asyncio and uvloop) and the MicroPython subset
(tests/test_hostile.py) read the same cases. Not a test module (its name
does not start with ``test_``).

A case is a dictionary made by :func:`case`. Its request is bytes, or a
list of byte strings sent one at a time with a pause between them; large
requests are built only when :func:`cases` yields them, so that a board
holds one at a time. What is checked for every case, on every server:

- the answer: the status of the first response (one of ``expect``), or
  ``CLOSE`` for a connection that the server closes without a response, or
  nothing at all for a client that resets the connection (``reset``);
- that no traceback was logged while the case ran;
- that the server then answers a new connection (``GET /`` -> 200).

Options of a case (all optional):

- ``pause``: seconds between the pieces of a request sent in pieces;
- ``shut``: half-close the connection (SHUT_WR) once everything is sent;
- ``reset``: reset the connection (RST) once everything is sent and
  ``read`` bytes of the answer arrived; nothing is asserted about the
  answer, only about the server afterwards;
- ``then``: ``'keep'``, the same connection must answer ``GET /`` next
  (so nothing of the request was taken for a new one), or ``'close'``,
  the server must close the connection after its response;
- ``responses``: how many responses (pipelined requests) to read, all
  with a status in ``expect``;
- ``head``: the request is a HEAD (its response has no body);
- ``body``: bytes the body of the response must contain;
- ``http11``: the answer of microdot.server where the portable server
  may give another of ``expect`` (it reads heads whole, and refuses what
  cannot end well at once);
- ``micropython``: the answer on MicroPython, where its own modules
  (json) give another;
- ``ws_close``: after a ``101`` the server must send a close frame with
  this status code and close the connection;
- ``conf``: ``(owner, name, value)`` settings for this case only, where
  owner is ``'Request'``, ``'app'``, ``'WebSocket'`` or ``'FormDataIter'``;
- ``traceback``: a traceback in the log is expected (a programmer's
  error, not a client's);
- ``within``: seconds in which the answer must arrive (a bound for inputs
  that could make the server work hard, never a speed measurement);
- ``blocks``: while the case is pending, the pure twins work on it for
  minutes, holding the server: it is not run with them until it passes
  with the compiled ones (and leaves :data:`PENDING`);
- ``mpy``: ``False`` leaves the case out of the MicroPython subset (it
  needs memory, speed or behaviour that a board does not have).

:data:`PENDING` names the cases that fail on main because another piece of
work has not landed yet; the tests check that they still fail (and still do
not break the server), so that each entry is removed when its fix lands.
"""
from microdot import Microdot, Response

#: ``expect`` for a connection that the server closes without responding
CLOSE = 0

#: Cases that fail until the work named lands. The value says whose work it
#: is and what the case expects then; the tests fail when a pending case
#: starts passing, so the entry must then be removed.
PENDING = {}


HEAD = b'Host: x\r\n'


def req(method='GET', path='/', headers=b'', body=b'', version=b'1.1'):
    """The bytes of a request: request line, ``Host``, ``headers`` (bytes
    of complete header lines) and ``body`` (no Content-Length is added)."""
    return (method.encode() + b' ' + path.encode() + b' HTTP/' + version +
            b'\r\n' + HEAD + headers + b'\r\n' + body)


def post(path, body, ctype=None, extra=b''):
    """A POST with a Content-Length body."""
    headers = b'Content-Length: ' + str(len(body)).encode() + b'\r\n'
    if ctype:
        headers += b'Content-Type: ' + ctype.encode() + b'\r\n'
    return req('POST', path, headers + extra, body)


def chunked(path, body, ctype=None):
    """A POST whose ``body`` is already chunked."""
    headers = b'Transfer-Encoding: chunked\r\n'
    if ctype:
        headers += b'Content-Type: ' + ctype.encode() + b'\r\n'
    return req('POST', path, headers, body)


def chunks(*pieces):
    """A chunked body with one chunk per piece and the last chunk."""
    out = b''
    for piece in pieces:
        out += ('%x' % len(piece)).encode() + b'\r\n' + piece + b'\r\n'
    return out + b'0\r\n\r\n'


BOUNDARY = 'b0undary'
MULTIPART = 'multipart/form-data; boundary=' + BOUNDARY


def part(name, value, filename=None, headers=b''):
    """One part of a multipart body (``name`` and ``filename`` as bytes, so
    that they can hold any byte)."""
    disposition = b'Content-Disposition: form-data; name="' + name + b'"'
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return (b'--' + BOUNDARY.encode() + b'\r\n' + disposition + b'\r\n' +
            headers + b'\r\n' + value + b'\r\n')


def multipart(*parts, end=True):
    body = b''.join(parts)
    if end:
        body += b'--' + BOUNDARY.encode() + b'--\r\n'
    return post('/upload', body, MULTIPART)


WS_KEY = b'dGhlIHNhbXBsZSBub25jZQ=='


def upgrade(method='GET', key=WS_KEY, version=b'13', extra=b'',
            http=b'1.1'):
    """A WebSocket upgrade request for /ws."""
    headers = b'Upgrade: websocket\r\nConnection: Upgrade\r\n'
    if key is not None:
        headers += b'Sec-WebSocket-Key: ' + key + b'\r\n'
    if version is not None:
        headers += b'Sec-WebSocket-Version: ' + version + b'\r\n'
    return req(method, '/ws', headers + extra, version=http)


def frame(opcode, payload, mask=True, fin=True, length=None):
    """A WebSocket frame from a client (masked with a zero key, which leaves
    the payload as it is, unless ``mask`` is false). ``length`` overrides
    the length the header announces."""
    n = len(payload) if length is None else length
    first = bytes(((0x80 if fin else 0) | opcode,))
    bit = 0x80 if mask else 0
    if n < 126:
        head = first + bytes((bit | n,))
    elif n < 65536:
        head = first + bytes((bit | 126,)) + n.to_bytes(2, 'big')
    else:
        head = first + bytes((bit | 127,)) + n.to_bytes(8, 'big')
    return head + (b'\x00\x00\x00\x00' if mask else b'') + payload


def case(name, data, expect, **opts):
    """One case: a name, the request (bytes, a list of pieces, or a function
    that returns either) and the expected status, ``CLOSE``, or a tuple of
    acceptable answers; ``opts`` as described in the module docstring."""
    opts['name'] = name
    opts['data'] = data
    opts['expect'] = expect if isinstance(expect, tuple) else (expect,)
    return opts


def _limits():
    # every request limit at its value and one past it, on the defaults
    # (max_readline 2 KiB, max_headers 100, max_head_length 16 KiB,
    # max_content_length 16 KiB), built when the case runs
    def line(n):
        # a request line of n bytes with its CRLF
        fixed = len(b'GET / HTTP/1.1\r\n')
        return b'GET /' + b'a' * (n - fixed) + b' HTTP/1.1\r\n'

    def header(n):
        # a header line of n bytes with its CRLF
        return b'X-Pad: ' + b'p' * (n - 9) + b'\r\n'

    def headers(n):
        # n header lines in all, Host included
        return b''.join(b'X-' + str(i).encode() + b': v\r\n'
                        for i in range(n - 1))

    def head(n):
        # a head of n bytes, blank line included
        start = b'GET / HTTP/1.1\r\nHost: x\r\n'
        out = start
        left = n - len(start) - 2
        while left > 0:
            size = min(left, 2000)
            if size < 10:  # too short for a header line: lengthen the last
                out = out[:-2] + b'p' * size + b'\r\n'
                break
            out += header(size)
            left -= size
        return out + b'\r\n'

    yield case('limit-request-line-at', lambda: line(2048) + HEAD + b'\r\n',
               404, then='keep')
    yield case('limit-request-line-past', lambda: line(2049) + HEAD +
               b'\r\n', 414, then='close')
    yield case('limit-header-line-at', lambda: req(headers=header(2048)),
               200, then='keep')
    yield case('limit-header-line-past', lambda: req(headers=header(2049)),
               431, then='close')
    yield case('limit-header-count-at', lambda: req(headers=headers(100)),
               200, then='keep')
    yield case('limit-header-count-past', lambda: req(headers=headers(101)),
               431, then='close')
    yield case('limit-head-length-at', lambda: head(16384), 200,
               then='keep')
    yield case('limit-head-length-past', lambda: head(16385), 431,
               then='close')
    yield case('limit-content-length-at',
               lambda: post('/echo', b'c' * 16384), 200, then='keep',
               body=b'16384:ccc')
    yield case('limit-content-length-past',
               lambda: post('/echo', b'c' * 16385), 413)
    yield case('limit-chunked-at', lambda: chunked(
        '/echo', chunks(b'c' * 8192, b'c' * 8192)), 200, then='keep',
        body=b'16384:ccc')
    yield case('limit-chunked-past', lambda: chunked(
        '/echo', chunks(b'c' * 8192, b'c' * 8193)), 413)
    yield case('limit-content-length-announced-only', req(
        'POST', '/echo', b'Content-Length: 16385\r\n'), 413)
    # between max_body_length and max_content_length: a stream
    big = (('Request', 'max_content_length', 65536),)
    yield case('stream-between-body-and-content-limits',
               lambda: post('/echo', b's' * 20000), 200, conf=big,
               then='keep', body=b'20000:sss')
    yield case('json-between-body-and-content-limits', lambda: post(
        '/json', b'[' + b'1,' * 10000 + b'1]', 'application/json'),
        413, conf=big)
    yield case('form-between-body-and-content-limits', lambda: post(
        '/form', b'a=' + b'f' * 20000, 'application/x-www-form-urlencoded'),
        413, conf=big)
    # a request without Content-Length and not chunked has no body
    yield case('post-without-length', req('POST', '/echo'), 200,
               then='keep', body=b'0:')
    yield case('post-without-length-http-1.0', req(
        'POST', '/echo', b'Connection: keep-alive\r\n', version=b'1.0'),
        200, then='keep', body=b'0:')
    # multipart limits of FormDataIter (1 KiB part header lines, 16 part
    # headers, 16 KiB plain fields)
    yield case('multipart-header-line-at', lambda: multipart(part(
        b'a', b'1', headers=b'X-P: ' + b'p' * 1019 + b'\r\n')), 200,
        then='keep')
    yield case('multipart-header-line-past', lambda: multipart(part(
        b'a', b'1', headers=b'X-P: ' + b'p' * 1020 + b'\r\n')), 400)
    yield case('multipart-part-headers-at', lambda: multipart(part(
        b'a', b'1', headers=b'X-H: 1\r\n' * 15)), 200, then='keep')
    yield case('multipart-part-headers-past', lambda: multipart(part(
        b'a', b'1', headers=b'X-H: 1\r\n' * 16)), 400)
    yield case('multipart-field-at', lambda: multipart(
        part(b'a', b'f' * 16384)), 200, conf=big, then='keep')
    yield case('multipart-field-past', lambda: multipart(
        part(b'a', b'f' * 16385)), 413, conf=big)
    # WebSocket.max_message_length: max_body_length (16 KiB) by default
    yield case('ws-message-at', lambda: upgrade() + frame(
        2, b'm' * 16384) + frame(8, b'\x03\xe8'), 101, ws_close=1000)
    yield case('ws-message-past', lambda: upgrade() + frame(
        2, b'm' * 16385), 101, ws_close=1009,
        conf=(('WebSocket', 'close_timeout', 0.2),))
    yield case('ws-fragmented-message-past', lambda: upgrade() + frame(
        2, b'm' * 10000, fin=False) + frame(0, b'm' * 10000), 101,
        ws_close=1009, conf=(('WebSocket', 'close_timeout', 0.2),))
    yield case('chunked-stream-between-limits', lambda: chunked(
        '/echo', chunks(*[b's' * 1000] * 20)), 200, conf=big,
        then='keep', body=b'20000:sss')


def _smuggling():
    body = b'0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'
    te_cl = b'Content-Length: ' + str(len(body)).encode() + b'\r\n'
    yield case('cl-te', req('POST', '/echo', te_cl +
                            b'Transfer-Encoding: chunked\r\n', body),
               400, then='close')
    yield case('te-cl', req('POST', '/echo', b'Transfer-Encoding: chunked\r\n'
                            + te_cl, body), 400, then='close')
    for label, te in (
            ('space-after-value', b'Transfer-Encoding: chunked \r\n'),
            ('xchunked', b'Transfer-Encoding: xchunked\r\n'),
            ('space-before-colon', b'Transfer-Encoding : chunked\r\n'),
            ('tab-separator', b'Transfer-Encoding:\tchunked\r\n'),
            ('duplicated', b'Transfer-Encoding: chunked\r\n'
                           b'Transfer-Encoding: identity\r\n'),
            ('chunked-twice', b'Transfer-Encoding: chunked\r\n'
                              b'Transfer-Encoding: chunked\r\n'),
            ('list', b'Transfer-Encoding: identity, chunked\r\n'),
            ('uppercase', b'Transfer-Encoding: CHUNKED\r\n'),
            ('quoted', b'Transfer-Encoding: "chunked"\r\n'),
            ('vertical-tab', b'Transfer-Encoding:\x0bchunked\r\n'),
            ('folded', b'Transfer-Encoding:\r\n chunked\r\n'),
            ('leading-space-name', b' Transfer-Encoding: chunked\r\n'),
            ('nul', b'Transfer-Encoding: chunked\x00\r\n')):
        # with a Content-Length: never two readings of one body
        yield case('te-te-' + label + '-with-cl', req(
            'POST', '/echo', te + te_cl, body), 400, then='close')
    # Transfer-Encoding alone: accepted only when it is exactly chunked
    for label, te, expect in (
            ('space-after-value', b'Transfer-Encoding: chunked \r\n', 200),
            ('tab-separator', b'Transfer-Encoding:\tchunked\r\n', 200),
            ('uppercase', b'Transfer-Encoding: CHUNKED\r\n', 200),
            ('xchunked', b'Transfer-Encoding: xchunked\r\n', 400),
            ('space-before-colon', b'Transfer-Encoding : chunked\r\n', 400),
            ('duplicated', b'Transfer-Encoding: chunked\r\n'
                           b'Transfer-Encoding: chunked\r\n', 400),
            ('list', b'Transfer-Encoding: gzip, chunked\r\n', 400),
            ('identity', b'Transfer-Encoding: identity\r\n', 400),
            ('empty', b'Transfer-Encoding: \r\n', 400)):
        opts = {'then': 'keep', 'body': b'3:abc'} if expect == 200 \
            else {'then': 'close'}
        yield case('te-' + label, req('POST', '/echo', te,
                                      chunks(b'abc')), expect, **opts)
    # not Transfer-Encoding: the Content-Length frames the body
    yield case('te-underscore-with-cl', req(
        'POST', '/echo', b'Transfer_Encoding: chunked\r\n' + te_cl, body),
        200, then='keep', body=str(len(body)).encode() + b':0\r\n')
    yield case('te-in-http-1.0', req(
        'POST', '/echo', b'Transfer-Encoding: chunked\r\n', chunks(b'abc'),
        version=b'1.0'), 400, then='close')
    # Content-Length: only plain digits, once
    for label, value, expect in (
            ('leading-zeros', b'0003', 200),
            ('plus', b'+3', 400),
            ('minus', b'-3', 400),
            ('hex', b'0x3', 400),
            ('list', b'3, 3', 400),
            ('space-inside', b'3 3', 400),
            ('underscore', b'1_0', 400),
            ('empty', b'', 400),
            ('letters', b'abc', 400),
            ('unicode-digit', b'\xd9\xa3', 400)):
        opts = {'then': 'keep', 'body': b'3:abc'} if expect == 200 \
            else {'then': 'close'}
        yield case('cl-' + label, req(
            'POST', '/echo', b'Content-Length: ' + value + b'\r\n', b'abc'),
            expect, **opts)
    yield case('cl-duplicate-same', req(
        'POST', '/echo', b'Content-Length: 3\r\nContent-Length: 3\r\n',
        b'abc'), 400, then='close')
    yield case('cl-duplicate-different', req(
        'POST', '/echo', b'Content-Length: 3\r\ncontent-length: 30\r\n',
        b'abc'), 400, then='close')
    yield case('cl-huge', req('POST', '/echo', b'Content-Length: ' +
                              b'9' * 40 + b'\r\n', b'abc'), 413)
    yield case('cl-1000-digits', req('POST', '/echo', b'Content-Length: ' +
                                     b'9' * 1000 + b'\r\n', b'abc'), 413)
    yield case('cl-on-get-is-a-body', req(
        'GET', '/', b'Content-Length: 5\r\n', b'abcde'), 200, then='keep')
    # a request hidden in a body stays a body
    inner = b'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'
    yield case('request-in-body', post('/echo', inner), 200, then='keep',
               body=str(len(inner)).encode() + b':GET /smuggled')
    yield case('request-in-chunked-body', chunked('/echo', chunks(inner)),
               200, then='keep')
    yield case('duplicate-host', req(headers=b'Host: y\r\n'), 400,
               then='close')


def _chunked_framing():
    def te(body):
        return chunked('/echo', body)
    yield case('chunk-missing-crlf', te(b'3\r\nabcXX0\r\n\r\n'), 400,
               then='close')
    yield case('chunk-short-data', te(b'5\r\nabc\r\n0\r\n\r\n'), 400,
               then='close')
    yield case('chunk-size-negative', te(b'-1\r\nabc\r\n0\r\n\r\n'), 400,
               then='close')
    yield case('chunk-size-hex-prefix', te(b'0x3\r\nabc\r\n0\r\n\r\n'), 400,
               then='close')
    yield case('chunk-size-plus', te(b'+3\r\nabc\r\n0\r\n\r\n'), 400,
               then='close')
    yield case('chunk-size-empty', te(b'\r\nabc\r\n0\r\n\r\n'), 400,
               then='close')
    yield case('chunk-size-not-hex', te(b'zz\r\nabc\r\n0\r\n\r\n'), 400,
               then='close')
    yield case('chunk-size-16-digits', te(b'1' * 16 + b'\r\nabc\r\n'), 400,
               then='close')
    yield case('chunk-size-huge', te(b'f' * 15 + b'\r\nabc\r\n'), 413)
    yield case('chunk-size-leading-zeros', te(b'0003\r\nabc\r\n0\r\n\r\n'),
               200, then='keep', body=b'3:abc')
    yield case('chunk-size-uppercase', te(b'A\r\n0123456789\r\n0\r\n\r\n'),
               200, then='keep', body=b'10:0123456789')
    yield case('chunk-extension', te(b'3;name=value\r\nabc\r\n0;x\r\n\r\n'),
               200, then='keep', body=b'3:abc')
    yield case('chunk-extension-quoted', te(
        b'3;a="b;c"\r\nabc\r\n0\r\n\r\n'), 200, then='keep', body=b'3:abc')
    yield case('chunk-extension-oversize', lambda: te(
        b'3;' + b'e' * 3000 + b'\r\nabc\r\n0\r\n\r\n'), 400, then='close')
    yield case('chunk-size-line-oversize', lambda: te(
        b'0' * 3000 + b'3\r\nabc\r\n0\r\n\r\n'), 400, then='close')
    yield case('chunk-trailers', te(
        b'3\r\nabc\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n'), 200, then='keep',
        body=b'3:abc')
    yield case('chunk-too-many-trailers', lambda: te(
        b'3\r\nabc\r\n0\r\n' + b'X-T: 1\r\n' * 150 + b'\r\n'), 431,
        then='close')
    yield case('chunk-trailer-oversize', lambda: te(
        b'3\r\nabc\r\n0\r\nX-T: ' + b't' * 3000 + b'\r\n\r\n'), 400,
        then='close')
    yield case('chunk-bare-lf', te(b'3\nabc\n0\n\n'), 200, then='keep',
               body=b'3:abc')
    yield case('chunk-truncated-then-shut', te(b'5\r\nab'), (400, CLOSE),
               shut=True)
    yield case('chunk-no-last-chunk-then-shut', te(b'3\r\nabc\r\n'),
               (400, CLOSE), shut=True)
    yield case('chunk-many-tiny', lambda: te(b'1\r\nx\r\n' * 3000 +
                                             b'0\r\n\r\n'), 200,
               then='keep', body=b'3000:xxx')
    yield case('chunk-many-empty-looking', lambda: te(
        (b'1;' + b'x' * 100 + b'\r\nx\r\n') * 200 + b'0\r\n\r\n'), 200,
        then='keep', body=b'200:xxx')


def _heads():
    yield case('unterminated-head-then-shut', b'GET / HTTP/1.1\r\nHost: x\r\n',
               (400, CLOSE), shut=True)
    yield case('request-line-only-then-shut', b'GET / HTTP/1.1\r\n',
               (400, CLOSE), shut=True)
    yield case('half-request-line-then-shut', b'GET /inde', (400, CLOSE),
               shut=True)
    yield case('huge-unterminated-head', lambda: b'GET / HTTP/1.1\r\n' +
               b'X-Y: zzzzzzzz\r\n' * 2000, 431)
    # the portable server reads lines whole (a board has no bounded
    # readline): it waits for the end of the line until the head timeout
    yield case('endless-request-line', lambda: b'GET /' + b'a' * 10000,
               (414, CLOSE), http11=414)
    yield case('endless-header-line', lambda: b'GET / HTTP/1.1\r\nX-A: ' +
               b'a' * 10000, (431, 408), http11=431)
    yield case('garbage', b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'
               b'\r\n\r\n', 400)
    yield case('tls-client-hello', b'\x16\x03\x01\x00\xa5\x01\x00\x00\xa1'
               b'\x03\x03' + b'\x00' * 40, (400, CLOSE), shut=True)
    yield case('empty-line-before-request', b'\r\n' + req(), 200, then='keep')
    yield case('two-fields', b'GET /\r\nHost: x\r\n\r\n', 400, then='close')
    yield case('four-fields', b'GET / x HTTP/1.1\r\nHost: x\r\n\r\n', 400,
               then='close')
    yield case('bad-version', b'GET / HTTQ/1.1\r\nHost: x\r\n\r\n', 400,
               then='close')
    yield case('version-2', b'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505,
               then='close')
    yield case('version-0.9', b'GET / HTTP/0.9\r\n\r\n', 505, then='close')
    yield case('version-1.2', b'GET / HTTP/1.2\r\nHost: x\r\n\r\n', 505,
               then='close')
    yield case('version-junk', b'GET / HTTP/x\r\nHost: x\r\n\r\n', 505,
               then='close')
    yield case('http2-preface', b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505,
               then='close')
    yield case('nul-in-path', b'GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n', 400,
               then='close')
    yield case('nul-in-header', req(headers=b'X-A: a\x00b\r\n'), 400,
               then='close')
    yield case('bare-cr-in-header', req(headers=b'X-A: a\rb\r\n'), 400,
               then='close')
    yield case('obs-fold', req(headers=b'X-A: one\r\n two\r\n'), 400,
               then='close')
    yield case('header-without-colon', req(headers=b'X-A one\r\n'), 400,
               then='close')
    yield case('header-empty-name', req(headers=b': one\r\n'), 400,
               then='close')
    yield case('header-name-with-space', req(headers=b'X A: one\r\n'), 400,
               then='close')
    yield case('header-name-with-tab', req(headers=b'X-A\t: one\r\n'), 400,
               then='close')
    yield case('bare-lf-head', b'GET / HTTP/1.1\nHost: x\n\n', 200,
               then='keep')
    yield case('mixed-line-ends', b'GET / HTTP/1.1\r\nHost: x\n\r\n', 200,
               then='keep')
    yield case('lowercase-method', b'get / HTTP/1.1\r\nHost: x\r\n\r\n',
               (200, 405), then='keep')
    yield case('unknown-method', b'BREW / HTTP/1.1\r\nHost: x\r\n\r\n', 405,
               then='keep')
    yield case('absolute-form', b'GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n',
               404, then='keep')
    yield case('asterisk-form', b'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
               200, then='keep')
    yield case('no-host', b'GET / HTTP/1.1\r\n\r\n', 200, then='keep')
    yield case('connection-close', req(headers=b'Connection: close\r\n'),
               200, then='close')
    yield case('http-1.0-closes', req(version=b'1.0'), 200, then='close')
    yield case('http-1.0-keep-alive', req(
        headers=b'Connection: keep-alive\r\n', version=b'1.0'), 200,
        then='keep')
    yield case('pipelined-burst', lambda: req() * 50, 200, responses=50,
               then='keep')
    yield case('head-with-body-announced', req(
        'HEAD', '/', b'Content-Length: 3\r\n', b'abc'), 200, head=True,
        then='keep')
    yield case('expect-100-continue', req(
        'POST', '/echo', b'Content-Length: 3\r\nExpect: 100-continue\r\n',
        b'abc'), 200, then='keep')
    yield case('expect-unknown', req(
        'POST', '/echo', b'Content-Length: 3\r\nExpect: 200-ok\r\n', b'abc'),
        (200, 417))


def _utf8():
    bad = b'\xff\xfe\xc3\x28'
    yield case('invalid-utf8-path', b'GET /' + bad + b' HTTP/1.1\r\n' + HEAD +
               b'\r\n', 400, then='close')
    yield case('invalid-utf8-path-escaped', req(path='/%ff%fe'), (400, 404),
               then='keep')
    # route arguments are not URL-decoded (as in microdot 2.7)
    yield case('invalid-utf8-route-arg', req(path='/p/%ff/end'), 200,
               body=b'%ff')
    yield case('invalid-utf8-query', req(path='/q?a=%ff&b=%c3%28'), 400)
    yield case('invalid-utf8-query-raw', b'GET /q?a=' + bad + b' HTTP/1.1\r\n'
               + HEAD + b'\r\n', 400)
    yield case('invalid-utf8-query-key', req(path='/q?%ff=1'), 400)
    yield case('invalid-utf8-header-value', req(
        'GET', '/hdr', b'X-A: ' + bad + b'\r\n'), 400)
    yield case('invalid-utf8-header-name', req(headers=b'X-' + bad +
                                               b': v\r\n'), 400)
    yield case('invalid-utf8-cookie', req(
        'GET', '/cookie', b'Cookie: a=' + bad + b'\r\n'), 400)
    yield case('latin1-cookie-name', req(
        'GET', '/cookie', b'Cookie: \xe9=1\r\n'), 400)
    yield case('valid-utf8-everywhere', req(
        'GET', '/q?a=%C3%A9t%C3%A9', b'Cookie: c=\xc3\xa9\r\n'
        b'X-A: \xe2\x82\xac\r\n'), 200, then='keep')
    yield case('form-invalid-utf8', post(
        '/form', b'a=%ff%fe&b=' + bad, 'application/x-www-form-urlencoded'),
        400)
    yield case('form-invalid-utf8-escaped-only', post(
        '/form', b'a=%ff', 'application/x-www-form-urlencoded'), 400)
    yield case('json-invalid-utf8', post(
        '/json', b'{"a": "' + bad + b'"}', 'application/json'), 400)
    yield case('multipart-invalid-utf8-name', multipart(
        part(bad, b'v')), 400)
    yield case('multipart-invalid-utf8-filename', multipart(
        part(b'f', b'data', filename=bad)), 400)
    yield case('multipart-invalid-utf8-value', multipart(
        part(b'f', bad)), 400)
    yield case('multipart-invalid-utf8-file-content', multipart(
        part(b'f', bad, filename=b'x.bin')), 200, then='keep')


def _json():
    def js(body):
        return post('/json', body, 'application/json')
    yield case('json-ok', js(b'{"a": [1, 2.5, "x", null, true]}'), 200,
               then='keep')
    yield case('json-malformed', js(b'{"a": '), 400)
    yield case('json-empty', js(b''), 400)
    # MicroPython's parser does not recurse: the document is read (and
    # not echoed, which would recurse)
    yield case('json-deep-nesting', lambda: post(
        '/json?summary=1', b'[' * 8000 + b']' * 8000, 'application/json'),
        400, micropython=200)
    yield case('json-nested-echo', lambda: js(b'[' * 400 + b']' * 400), 200,
               mpy=False)
    yield case('json-1900-digit-int', lambda: js(b'1' * 1900), 200,
               body=b'1' * 1900)
    yield case('json-1e999999', js(b'1e999999'), 200)
    # MicroPython's json module does not read NaN
    yield case('json-nan', js(b'[NaN, Infinity, -Infinity]'), 200,
               micropython=400)
    yield case('json-bom', js(b'\xef\xbb\xbf{}'), 400)
    yield case('json-lone-surrogate', js(b'"\\ud800"'), 200)
    yield case('json-duplicate-keys', js(b'{"a": 1, "a": 2}'), 200,
               body=b'2')
    yield case('json-many-keys', lambda: js(b'{' + b','.join(
        b'"k' + str(i).encode() + b'": 0' for i in range(1500)) + b'}'), 200)
    yield case('json-wrong-type-header', post('/json', b'{"a":',
                                              'text/plain'), 200)
    yield case('url-int-1900-digits-echoed', lambda: req(
        path='/int/' + '7' * 1900), 200, body=b'7' * 1900)
    yield case('url-int-negative', req(path='/int/-5'), 200, body=b'-5')
    yield case('url-int-not-int', req(path='/int/5x'), 404)


def _multipart():
    yield case('multipart-ok', multipart(part(b'a', b'1'), part(
        b'f', b'file data', filename=b'f.txt')), 200, then='keep',
        body=b'f.txt')
    yield case('multipart-many-parts', lambda: multipart(
        *[part(b'p' + str(i).encode(), b'v') for i in range(150)]), 200,
        then='keep')
    yield case('multipart-many-file-parts', lambda: multipart(
        *[part(b'f', b'v', filename=b'f') for i in range(120)]), 200,
        then='keep')
    yield case('multipart-huge-part-header', lambda: multipart(
        part(b'a', b'1', headers=b'X-Big: ' + b'b' * 3000 + b'\r\n')), 400)
    yield case('multipart-many-part-headers', lambda: multipart(
        part(b'a', b'1', headers=b'X-H: 1\r\n' * 40)), 400)
    yield case('multipart-no-final-boundary', multipart(
        part(b'a', b'1'), end=False), 400)
    yield case('multipart-no-boundary-at-all', post(
        '/upload', b'just text', MULTIPART), 400)
    yield case('multipart-missing-boundary-param', post(
        '/upload', part(b'a', b'1'), 'multipart/form-data'), 400)
    yield case('multipart-boundary-too-long', post(
        '/upload', b'--' + b'b' * 100 + b'--\r\n',
        'multipart/form-data; boundary=' + 'b' * 100), 400)
    yield case('multipart-no-disposition', post(
        '/upload', b'--' + BOUNDARY.encode() + b'\r\nX-A: 1\r\n\r\nv\r\n--' +
        BOUNDARY.encode() + b'--\r\n', MULTIPART), 400)
    yield case('multipart-header-without-colon', multipart(
        part(b'a', b'1', headers=b'garbage\r\n')), 400)
    yield case('multipart-chunked', chunked('/upload', chunks(
        part(b'a', b'1') + b'--' + BOUNDARY.encode() + b'--\r\n'),
        MULTIPART), 200, then='keep')
    yield case('multipart-truncated-chunked-then-shut', chunked(
        '/upload', b'40\r\n' + part(b'a', b'1')[:30]), (400, CLOSE),
        shut=True)


def _websocket():
    yield case('ws-ok-then-close-frame', upgrade() + frame(
        8, b'\x03\xe8'), 101, ws_close=1000)
    yield case('ws-no-key', upgrade(key=None), 400)
    yield case('ws-key-not-base64', upgrade(key=b'not base64!!'), 400)
    yield case('ws-key-wrong-length', upgrade(key=b'c2hvcnQ='), 400)
    yield case('ws-bad-version', upgrade(version=b'8'), 426)
    yield case('ws-no-version', upgrade(version=None) + frame(
        8, b'\x03\xe8'), 101, ws_close=1000)  # accepted, as in 2.7
    yield case('ws-upgrade-on-post', upgrade(method='POST'), 405)
    yield case('ws-no-upgrade-header', req(
        'GET', '/ws', b'Connection: Upgrade\r\nSec-WebSocket-Key: ' + WS_KEY +
        b'\r\nSec-WebSocket-Version: 13\r\n'), 400)
    yield case('ws-connection-close', req(
        'GET', '/ws', b'Upgrade: websocket\r\nConnection: close\r\n'
        b'Sec-WebSocket-Key: ' + WS_KEY + b'\r\n'), 400)
    yield case('ws-upgrade-on-plain-route', req(
        'GET', '/', b'Upgrade: websocket\r\nConnection: Upgrade\r\n'
        b'Sec-WebSocket-Key: ' + WS_KEY + b'\r\n'), 200, then='keep')
    # no line end: the head never completes (see endless-request-line)
    yield case('ws-frame-before-handshake', frame(1, b'hello'), (408, CLOSE),
               http11=408)
    yield case('ws-frames-before-handshake', frame(1, b'hello\r\n') +
               upgrade(), 400)
    yield case('ws-frames-right-after-upgrade', upgrade() + frame(
        1, b'hi') + frame(8, b'\x03\xe8'), 101, ws_close=1000)
    yield case('ws-unmasked-frame', upgrade() + frame(1, b'hi', mask=False),
               101, ws_close=1002)
    # the server skips what the client sends of the refused frame until
    # close_timeout: shortened here
    yield case('ws-huge-length', upgrade() + frame(2, b'x', length=1 << 62),
               101, ws_close=1009, conf=(('WebSocket', 'close_timeout', 0.2),))
    yield case('ws-bad-opcode', upgrade() + frame(5, b'x'), 101,
               ws_close=1002)
    yield case('ws-invalid-utf8-text', upgrade() + frame(1, b'\xff'), 101,
               ws_close=1007)
    yield case('ws-fragmented-control', upgrade() + frame(9, b'x', fin=False),
               101, ws_close=1002)
    # frame_timeout: a client stalled inside a frame is dropped (1001)
    yield case('ws-frame-header-stalls', upgrade() + b'\x81', 101,
               ws_close=1001, within=2,
               conf=(('WebSocket', 'frame_timeout', 0.3),))


def _handlers():
    # programmer errors: a 500 every time, with a traceback in the log (for
    # the programmer, so allowed here), and the server goes on
    yield case('handler-returns-unsupported-type', req(path='/bad-type'),
               500, traceback=True, then='keep')
    yield case('exception-handler-raises', req(path='/boom'), 500,
               traceback=True, then='keep')
    yield case('handler-raises', req(path='/boom?plain=1'), 500,
               traceback=True, then='keep')


def _router():
    yield case('route-path-segment-1000', lambda: req(
        path='/p' + '/a' * 1000 + '/nope'), 404, within=0.5)
    yield case('route-path-segment-match', lambda: req(
        path='/p' + '/a' * 1000 + '/end'), 200, within=0.5)
    yield case('route-three-path-segments-900', lambda: req(
        path='/multi' + '/a' * 900), 404, within=0.25, mpy=False,
        blocks=True)
    yield case('route-many-slashes', lambda: req(path='/' * 2000), 404,
               within=0.5)
    yield case('route-dot-segments', req(path='/p/../../etc/passwd/end'),
               200, then='keep')


def _slow():
    # the corpus app answers slow clients quickly: head_timeout 0.5 s,
    # body_timeout 0.3 s (see make_app)
    def bytewise(data):
        return [data[i:i + 1] for i in range(len(data))]
    yield case('slow-head-within-timeout', lambda: bytewise(req()), 200,
               pause=0.003, then='keep')
    yield case('slow-body-within-timeout', lambda: [
        req('POST', '/echo', b'Content-Length: 6\r\n')] + bytewise(b'abcdef'),
        200, pause=0.02, then='keep', body=b'6:abcdef')
    yield case('slow-chunked-within-timeout', lambda: [
        req('POST', '/echo', b'Transfer-Encoding: chunked\r\n')] + [
        b'1\r\n', b'x', b'\r\n'] * 5 + [b'0\r\n', b'\r\n'], 200, pause=0.02,
        then='keep', body=b'5:xxxxx')
    yield case('slow-head-past-timeout', [b'GET / HTTP/1.1\r\n', b'Host',
                                          b': x\r\n'], 408, pause=0.3)
    yield case('slow-body-past-timeout', [req(
        'POST', '/echo', b'Content-Length: 10\r\n', b'abc'), b'de'], 408,
        pause=0.5)
    yield case('slow-chunk-past-timeout', [req(
        'POST', '/echo', b'Transfer-Encoding: chunked\r\n', b'3\r\n'),
        b'ab'], 408, pause=0.5)
    yield case('idle-new-connection', b'', CLOSE)
    yield case('partial-body-then-shut', req(
        'POST', '/echo', b'Content-Length: 10\r\n', b'abc'), (400, CLOSE),
        shut=True)


def _resets():
    yield case('reset-in-head', b'GET / HTTP/1.1\r\nHos', None, reset=True)
    yield case('reset-after-head', req('GET', '/slow?t=0.05'), None,
               reset=True)
    yield case('reset-in-body', req('POST', '/echo',
                                    b'Content-Length: 100\r\n', b'abc'),
               None, reset=True)
    yield case('reset-in-chunked-body', req(
        'POST', '/echo', b'Transfer-Encoding: chunked\r\n', b'10\r\nab'),
        None, reset=True)
    yield case('reset-pipelined', lambda: req('GET', '/slow?t=0.02') * 5,
               None, reset=True)
    yield case('reset-mid-response', req('GET', '/stream'), None,
               reset=True, read=4096)
    yield case('reset-after-response-head', req('GET', '/stream'), None,
               reset=True, read=1)
    yield case('reset-mid-sse', req('GET', '/sse'), None, reset=True,
               read=200)
    yield case('reset-mid-websocket-frame', upgrade() + frame(
        2, b'x' * 50)[:20], None, reset=True, read=100)
    yield case('reset-after-websocket-message', upgrade() + frame(
        1, b'hello'), None, reset=True, read=129)
    yield case('reset-mid-upload', lambda: req(
        'POST', '/upload', b'Content-Type: ' + MULTIPART.encode() +
        b'\r\nContent-Length: 5000\r\n',
        part(b'f', b'x' * 1000, filename=b'f')), None, reset=True)
    yield case('reset-mid-response-to-sync-handler', req('GET', '/sync'),
               None, reset=True)


GROUPS = (_limits, _smuggling, _chunked_framing, _heads, _utf8, _json,
          _multipart, _websocket, _handlers, _router, _slow, _resets)


def build(c):
    """Build the request of a case that has a function for it; return the
    case."""
    if callable(c['data']):
        c['data'] = c['data']()
    return c


def cases(micropython=False, groups=GROUPS):
    """Yield the cases of ``groups`` (only those of the MicroPython subset
    when ``micropython`` is true), with their requests built."""
    for group in groups:
        for c in group():
            if micropython and not c.get('mpy', True):
                continue
            yield build(c)


def make_app():
    """The application the corpus runs against: echo routes for bodies,
    forms, JSON, multipart uploads, headers, cookies and query strings,
    routes with ``path`` segments, WebSocket and SSE endpoints and a long
    streamed response."""
    import asyncio
    from microdot.multipart import with_form_data
    from microdot.sse import with_sse
    from microdot.websocket import with_websocket

    app = Microdot()
    app.head_timeout = 0.5
    app.body_timeout = 0.3
    # longer than the clients wait for a close that must come at once
    app.keep_alive_timeout = 5

    @app.route('/')
    async def index(req):
        return 'hello'

    @app.route('/echo', methods=['POST', 'PUT'])
    async def echo(req):
        data = req.body or await req.stream.read()
        return str(len(data)).encode() + b':' + data[:32]

    @app.post('/json')
    async def json_route(req):
        if req.args.get('summary'):
            return type(req.json).__name__
        return {'json': req.json}

    @app.post('/form')
    async def form(req):
        got = req.form
        return {'form': None if got is None else
                dict((k, got.getlist(k)) for k in got)}

    @app.post('/upload')
    @with_form_data
    async def upload(req):
        files = {}
        for name, upload in (req.files or {}).items():
            files[name] = [upload.filename, len(await upload.read())]
        return {'form': req.form, 'files': files}

    @app.route('/q')
    async def query(req):
        return {'args': dict((k, req.args.getlist(k)) for k in req.args)}

    @app.route('/hdr')
    async def header(req):
        return {'x': req.headers.get('X-A')}

    @app.route('/cookie')
    async def cookie(req):
        return {'cookies': req.cookies}

    @app.route('/int/<int:n>')
    async def integer(req, n):
        return {'n': n}

    @app.route('/p/<path:p>/end')
    async def path(req, p):
        return {'p': p}

    @app.route('/multi/<path:a>/<path:b>/<path:c>/end')
    async def multi(req, a, b, c):
        return 'multi'

    class Boom(Exception):
        pass

    @app.errorhandler(Boom)
    async def boom_handler(req, exc):
        raise RuntimeError('the handler of Boom fails too')

    @app.route('/boom')
    async def boom(req):
        if req.args.get('plain'):
            raise RuntimeError('a bug')
        raise Boom()

    @app.route('/bad-type')
    async def bad_type(req):
        return object()

    @app.route('/slow')
    async def slow(req):
        await asyncio.sleep(float(req.args.get('t', '0.1')))
        return 'slow'

    @app.route('/sync')
    def sync(req):
        return 's' * 200000

    @app.route('/stream')
    async def stream(req):
        piece = b'z' * 4096

        def body():
            # a generator: MicroPython has no asynchronous generators
            for _ in range(1000):
                yield piece
        return Response(body())

    @app.route('/sse')
    @with_sse
    async def sse(req, sse):
        for i in range(200):
            await sse.send({'n': i})
            await asyncio.sleep(0.01)

    @app.route('/ws')
    @with_websocket
    async def ws(req, ws):
        while True:
            await ws.send(await ws.receive())

    return app
