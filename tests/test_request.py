import asyncio
import sys
import unittest

from microdot import Request, Microdot, MultiDict, NoCaseDict, AsyncBytesIO
from microdot import HTTPException


def _run(coro):
    return asyncio.run(coro)


class LimitedReader:
    """A stream that offers only the three coroutines Request.create may
    use, so any other access fails the test."""
    def __init__(self, data):
        self.data = data
        self.pos = 0

    async def readline(self):
        i = self.data.find(b'\n', self.pos)
        end = len(self.data) if i < 0 else i + 1
        line = self.data[self.pos:end]
        self.pos = end
        return line

    async def read(self, n=-1):
        end = len(self.data) if n < 0 else min(len(self.data), self.pos + n)
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    async def readexactly(self, n):
        if self.pos + n > len(self.data):
            raise EOFError('short read')
        return await self.read(n)


def request_bytes(method, path, headers=None, body=b'', eol='\n'):
    if isinstance(body, str):
        body = body.encode()
    headers = dict(headers or {})
    if 'Host' not in headers:
        headers['Host'] = 'example.com:1234'
    if body and 'Content-Length' not in headers:
        headers['Content-Length'] = str(len(body))
    lines = ['{} {} HTTP/1.0'.format(method, path)]
    for name, value in headers.items():
        lines.append('{}: {}'.format(name, value))
    return (eol.join(lines) + eol + eol).encode() + body


def get_request_fd(method, path, headers=None, body=b'', eol='\n'):
    return LimitedReader(request_bytes(method, path, headers, body, eol))


def create(fd, scheme=None):
    if scheme is None:
        return _run(Request.create('app', fd, 'writer', 'addr'))
    return _run(Request.create('app', fd, 'writer', 'addr', scheme=scheme))


class TestRequest(unittest.TestCase):
    def test_create_request(self):
        fd = get_request_fd('GET', '/foo')
        req = create(fd)
        self.assertEqual(req.app, 'app')
        self.assertEqual(req.client_addr, 'addr')
        self.assertEqual(req.method, 'GET')
        self.assertEqual(req.url, '/foo')
        self.assertEqual(req.path, '/foo')
        self.assertEqual(req.http_version, '1.0')
        self.assertIsNone(req.query_string)
        self.assertEqual(req.args, {})
        self.assertEqual(req.headers, {'Host': 'example.com:1234'})
        self.assertIsInstance(req.headers, NoCaseDict)
        self.assertEqual(req.cookies, {})
        self.assertEqual(req.content_length, 0)
        self.assertIsNone(req.content_type)
        self.assertEqual(req.body, b'')
        self.assertIsNone(req.json)
        self.assertIsNone(req.form)
        self.assertIsNone(req.files)
        self.assertEqual(req.url_prefix, '')
        self.assertIsNone(req.subapp)
        self.assertEqual(req.scheme, 'http')
        self.assertIsNone(req.route)
        self.assertIsNone(req.url_args)
        self.assertEqual(req.sock, (fd, 'writer'))
        self.assertEqual(req.after_request_handlers, [])

    def test_crlf_line_endings(self):
        fd = get_request_fd('POST', '/x?a=1', headers={'X-Y': 'z'},
                            body='abc', eol='\r\n')
        req = create(fd)
        self.assertEqual(req.method, 'POST')
        self.assertEqual(req.path, '/x')
        self.assertEqual(req.args['a'], '1')
        self.assertEqual(req.headers['x-y'], 'z')
        self.assertEqual(req.body, b'abc')

    def test_http_versions(self):
        req = create(LimitedReader(b'GET / HTTP/1.1\r\n\r\n'))
        self.assertEqual(req.http_version, '1.1')
        self.assertEqual(req.headers, {})

    def test_scheme(self):
        req = create(get_request_fd('GET', '/'), scheme='https')
        self.assertEqual(req.scheme, 'https')
        req = create(get_request_fd('GET', '/'), scheme='http')
        self.assertEqual(req.scheme, 'http')

    def test_empty_request(self):
        self.assertIsNone(create(LimitedReader(b'')))
        self.assertIsNone(create(LimitedReader(b'\r\n')))

    def test_invalid_request_line(self):
        for line in [b'GET /\n\n', b'GET / HTTP/1.0 extra\n\n', b'GET\n\n',
                     b'GET / FTP/1.0\n\n', b'GET / HTTP/\n\n']:
            with self.assertRaises(ValueError):
                create(LimitedReader(line))

    def test_invalid_header(self):
        with self.assertRaises(ValueError):
            create(LimitedReader(b'GET / HTTP/1.0\nNoColonHere\n\n'))
        with self.assertRaises(ValueError):
            create(LimitedReader(b'GET / HTTP/1.0\n: empty name\n\n'))

    def test_invalid_content_length(self):
        for value in ['abc', '-1', '1.5', '', '+3', '0x10']:
            fd = get_request_fd('POST', '/',
                                headers={'Content-Length': value})
            with self.assertRaises(ValueError):
                create(fd)

    def test_truncated_requests(self):
        with self.assertRaises(EOFError):
            create(LimitedReader(b'GET / HTTP/1.0\nHost: x\n'))
        fd = LimitedReader(b'POST / HTTP/1.0\nContent-Length: 10\n\nabc')
        with self.assertRaises(EOFError):
            create(fd)

    def test_headers(self):
        fd = get_request_fd('GET', '/foo', headers={
            'Content-Type': 'application/json',
            'Cookie': 'foo=bar;abc=def',
            'Content-Length': '3'}, body='aaa')
        req = create(fd)
        self.assertEqual(req.headers, {
            'Host': 'example.com:1234',
            'Content-Type': 'application/json',
            'Cookie': 'foo=bar;abc=def',
            'Content-Length': '3'})
        self.assertEqual(req.headers['content-type'], 'application/json')
        self.assertEqual(req.content_type, 'application/json')
        self.assertEqual(req.cookies, {'foo': 'bar', 'abc': 'def'})
        self.assertEqual(req.content_length, 3)
        self.assertEqual(req.body, b'aaa')

    def test_header_value_whitespace(self):
        req = create(LimitedReader(
            b'GET / HTTP/1.0\nX-A:   spaced out  \nX-B:\nX-C:a:b\n\n'))
        self.assertEqual(req.headers['X-A'], 'spaced out')
        self.assertEqual(req.headers['X-B'], '')
        self.assertEqual(req.headers['X-C'], 'a:b')

    def test_cookies(self):
        fd = get_request_fd('GET', '/', headers={
            'Cookie': 'a=1; b=x=y; flag;c=;  d = 2 '})
        req = create(fd)
        self.assertEqual(req.cookies, {'a': '1', 'b': 'x=y', 'flag': '',
                                       'c': '', 'd ': ' 2'})

    def test_empty_cookie_pieces(self):
        # microdot 2.7's own suite expects an empty piece (a trailing ';',
        # ';;', '; ;') to give a cookie named '' with an empty value
        for header in ('foo=bar;nothing;abc=def;',
                       'foo=bar;; nothing; ;abc=def'):
            req = create(get_request_fd('GET', '/',
                                        headers={'Cookie': header}))
            self.assertEqual(req.cookies, {'foo': 'bar', 'nothing': '',
                                           'abc': 'def', '': ''}, header)

    def test_empty_cookie_header(self):
        # as in microdot 2.7: an empty Cookie header is one empty piece
        req = create(get_request_fd('GET', '/', headers={'Cookie': ''}))
        self.assertEqual(req.cookies, {'': ''})

    def test_no_cookie_header(self):
        req = create(get_request_fd('GET', '/'))
        self.assertEqual(req.cookies, {})

    def test_args(self):
        fd = get_request_fd('GET', '/?foo=bar&abc=def&foo&x=%2F%26%3D+z')
        req = create(fd)
        self.assertEqual(req.url, '/?foo=bar&abc=def&foo&x=%2F%26%3D+z')
        self.assertEqual(req.path, '/')
        self.assertEqual(req.query_string, 'foo=bar&abc=def&foo&x=%2F%26%3D+z')
        self.assertIsInstance(req.args, MultiDict)
        self.assertEqual(req.args['foo'], 'bar')
        self.assertEqual(req.args.getlist('foo'), ['bar', ''])
        self.assertEqual(req.args['abc'], 'def')
        self.assertEqual(req.args['x'], '/&= z')

    def test_badly_formatted_args(self):
        fd = get_request_fd('GET', '/?&&a=1&&&b=2&&&c=3&&&')
        req = create(fd)
        self.assertEqual(req.query_string, '&&a=1&&&b=2&&&c=3&&&')
        self.assertEqual(req.args, MultiDict({'a': '1', 'b': '2', 'c': '3'}))

    def test_empty_query_string(self):
        req = create(get_request_fd('GET', '/foo?'))
        self.assertEqual(req.path, '/foo')
        self.assertEqual(req.query_string, '')
        self.assertEqual(req.args, {})

    def test_question_mark_in_query(self):
        req = create(get_request_fd('GET', '/foo?a=b?c'))
        self.assertEqual(req.path, '/foo')
        self.assertEqual(req.args['a'], 'b?c')

    def test_json(self):
        fd = get_request_fd('GET', '/foo', headers={
            'Content-Type': 'application/json'}, body='{"foo":"bar"}')
        req = create(fd)
        json = req.json
        self.assertEqual(json, {'foo': 'bar'})
        self.assertIs(req.json, json)

        fd = get_request_fd('GET', '/foo', headers={
            'Content-Type': 'application/json; charset=UTF-8'}, body='[1]')
        self.assertEqual(create(fd).json, [1])

        fd = get_request_fd('GET', '/foo', headers={
            'Content-Type': 'text/plain'}, body='{"foo":"bar"}')
        self.assertIsNone(create(fd).json)

    def test_invalid_json(self):
        fd = get_request_fd('POST', '/', headers={
            'Content-Type': 'application/json'}, body='{not json')
        req = create(fd)
        # a 400 for the client; on CPython also the ValueError it was
        with self.assertRaises(HTTPException) as cm:
            req.json
        self.assertEqual(cm.exception.status_code, 400)
        if sys.implementation.name == 'cpython':
            self.assertIsInstance(cm.exception, ValueError)

    def test_form(self):
        fd = get_request_fd('GET', '/foo', headers={
            'Content-Type': 'application/x-www-form-urlencoded'},
            body='foo=bar&abc=def&x=y+z&foo=%26')
        req = create(fd)
        form = req.form
        self.assertIsInstance(form, MultiDict)
        self.assertEqual(form['foo'], 'bar')
        self.assertEqual(form.getlist('foo'), ['bar', '&'])
        self.assertEqual(form['abc'], 'def')
        self.assertEqual(form['x'], 'y z')
        self.assertIs(req.form, form)

        fd = get_request_fd('GET', '/foo', headers={
            'Content-Type': 'application/x-www-form-urlencoded; '
                            'charset=UTF-8'}, body='a=%C3%A9')
        self.assertEqual(create(fd).form['a'], '\u00e9')

        fd = get_request_fd('GET', '/foo', headers={
            'Content-Type': 'application/json'}, body='foo=bar')
        self.assertIsNone(create(fd).form)

    def test_form_key_without_value(self):
        fd = get_request_fd('POST', '/', headers={
            'Content-Type': 'application/x-www-form-urlencoded'},
            body='a&b=1')
        form = create(fd).form
        self.assertEqual(form['a'], b'')
        self.assertEqual(form['b'], '1')

    def test_stream(self):
        fd = get_request_fd('GET', '/foo', headers={
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': '19'},
            body='foo=bar&abc=def&x=y')
        req = create(fd)
        self.assertEqual(req.body, b'foo=bar&abc=def&x=y')
        stream = req.stream
        self.assertIs(req.stream, stream)
        self.assertEqual(_run(stream.read()), b'foo=bar&abc=def&x=y')
        self.assertEqual(_run(stream.read()), b'')

    def test_stream_without_body(self):
        req = create(get_request_fd('GET', '/'))
        self.assertEqual(_run(req.stream.read()), b'')

    def test_large_line(self):
        saved = Request.max_readline
        try:
            Request.max_readline = 16
            # 'GET /0123456 HTTP/1.0\n' is 22 bytes
            with self.assertRaises(ValueError):
                create(get_request_fd('GET', '/0123456'))
            # the limit is read on every use
            Request.max_readline = 22
            req = create(LimitedReader(b'GET /0123456 HTTP/1.0\n\n'))
            self.assertEqual(req.path, '/0123456')
            Request.max_readline = 21
            with self.assertRaises(ValueError):
                create(LimitedReader(b'GET /0123456 HTTP/1.0\n\n'))
        finally:
            Request.max_readline = saved

    def test_large_header_line(self):
        saved = Request.max_readline
        try:
            Request.max_readline = 20
            header = b'X-Long: ' + b'a' * 11 + b'\n'  # 20 bytes
            req = create(LimitedReader(b'GET / HTTP/1.0\n' + header + b'\n'))
            self.assertEqual(req.headers['X-Long'], 'a' * 11)
            header = b'X-Long: ' + b'a' * 12 + b'\n'  # 21 bytes
            with self.assertRaises(ValueError):
                create(LimitedReader(b'GET / HTTP/1.0\n' + header + b'\n'))
        finally:
            Request.max_readline = saved

    def test_large_payload(self):
        saved_content = Request.max_content_length
        saved_body = Request.max_body_length
        try:
            Request.max_content_length = 32
            Request.max_body_length = 16
            body = 'foo=bar&abc=def&x=y'  # 19 bytes, goes to the stream
            fd = get_request_fd('GET', '/foo', headers={
                'Content-Type': 'application/x-www-form-urlencoded'},
                body=body)
            req = create(fd)
            self.assertEqual(req.body, b'')
            self.assertEqual(req.content_length, 19)
            self.assertEqual(_run(req.stream.read(19)), body.encode())

            # exactly max_body_length bytes are read into the body
            fd = get_request_fd('POST', '/', body='x' * 16)
            req = create(fd)
            self.assertEqual(req.body, b'x' * 16)

            # one more byte, and the body stays in the stream
            fd = get_request_fd('POST', '/', body='x' * 17)
            req = create(fd)
            self.assertEqual(req.body, b'')
            self.assertIs(req.stream, fd)
            self.assertEqual(_run(req.stream.read(17)), b'x' * 17)

            # max_body_length = 0 always uses the stream
            Request.max_body_length = 0
            fd = get_request_fd('POST', '/', body='abc')
            req = create(fd)
            self.assertEqual(req.body, b'')
            self.assertEqual(_run(req.stream.read(3)), b'abc')
        finally:
            Request.max_content_length = saved_content
            Request.max_body_length = saved_body

    def test_body_over_max_content_length_not_read(self):
        saved = Request.max_content_length
        try:
            Request.max_content_length = 8
            fd = get_request_fd('POST', '/', body='x' * 9)
            req = create(fd)
            self.assertEqual(req.body, b'')
            self.assertEqual(req.content_length, 9)
            self.assertGreater(req.content_length, req.max_content_length)
        finally:
            Request.max_content_length = saved

    def test_g_is_per_request(self):
        req1 = create(get_request_fd('GET', '/'))
        req2 = create(get_request_fd('GET', '/'))
        req1.g.user = 'susan'
        self.assertEqual(req1.g.user, 'susan')
        self.assertFalse(hasattr(req2.g, 'user'))
        self.assertIsInstance(req1.g, Request.G)

    def test_after_request_registration(self):
        req = create(get_request_fd('GET', '/'))

        def handler(request, response):
            return response

        self.assertIs(req.after_request(handler), handler)
        self.assertEqual(req.after_request_handlers, [handler])

    def test_direct_construction(self):
        headers = NoCaseDict({'Content-Length': '5', 'Cookie': 'x=1'})
        req = Request(Microdot(), ('1.2.3.4', 5), 'PUT', '/a/b?c=d', '1.1',
                      headers, body=b'hello')
        self.assertEqual(req.client_addr, ('1.2.3.4', 5))
        self.assertEqual(req.path, '/a/b')
        self.assertEqual(req.args['c'], 'd')
        self.assertEqual(req.content_length, 5)
        self.assertEqual(req.cookies, {'x': '1'})
        self.assertEqual(req.body, b'hello')
        self.assertEqual(req.scheme, 'http')
        self.assertIsNone(req.sock)

    def test_async_bytes_io(self):
        s = AsyncBytesIO(b'line1\nline2\nrest')
        self.assertEqual(_run(s.readline()), b'line1\n')
        self.assertEqual(_run(s.readexactly(3)), b'lin')
        self.assertEqual(_run(s.readuntil(b'\n')), b'e2\n')
        self.assertEqual(_run(s.read(2)), b're')
        self.assertEqual(_run(s.read()), b'st')
        self.assertEqual(_run(s.read()), b'')
        out = AsyncBytesIO(b'')
        _run(out.awrite(b'abc'))
        _run(out.aclose())
