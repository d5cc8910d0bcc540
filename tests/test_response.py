import asyncio
import io
import os
import sys
import unittest

from microdot import Response, redirect, send_file

IS_CPYTHON = sys.implementation.name == 'cpython'


def _run(coro):
    return asyncio.run(coro)


class AwriteOnly:
    """A writer with only the ``awrite`` coroutine, the one Response.write
    may use."""
    def __init__(self):
        self.chunks = []

    async def awrite(self, data):
        self.chunks.append(bytes(data))

    def getvalue(self):
        return b''.join(self.chunks)


def write(res):
    fd = AwriteOnly()
    _run(res.write(fd))
    return fd.getvalue()


def split_response(data):
    head, body = data.split(b'\r\n\r\n', 1)
    lines = head.decode().split('\r\n')
    return lines[0], lines[1:], body


class ClosingBytesIO(io.BytesIO):
    closed_count = 0

    def close(self):
        ClosingBytesIO.closed_count += 1
        super().close()


TMP = '/tmp' if os.getcwd()[:1] == '/' else '.'


def tmp_file(name, content):
    path = '{}/microdot_test_{}'.format(TMP, name)
    with open(path, 'wb') as f:
        f.write(content)
    return path


def remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


class TestResponse(unittest.TestCase):
    def test_create_from_string(self):
        res = Response('foo\n')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers, {})
        self.assertIsNone(res.reason)
        self.assertEqual(res.body, b'foo\n')
        self.assertFalse(res.is_head)
        status, headers, body = split_response(write(res))
        self.assertEqual(status, 'HTTP/1.0 200 OK')
        self.assertIn('Content-Length: 4', headers)
        self.assertIn('Content-Type: text/plain; charset=UTF-8', headers)
        self.assertEqual(body, b'foo\n')

    def test_create_from_bytes(self):
        res = Response(b'foo\xff')
        self.assertEqual(res.body, b'foo\xff')
        status, headers, body = split_response(write(res))
        self.assertIn('Content-Length: 4', headers)
        self.assertEqual(body, b'foo\xff')

    def test_unicode_body_length(self):
        res = Response('caf\u00e9')
        status, headers, body = split_response(write(res))
        self.assertIn('Content-Length: 5', headers)
        self.assertEqual(body.decode(), 'caf\u00e9')

    def test_default_body(self):
        res = Response()
        self.assertEqual(res.body, b'')
        self.assertEqual(res.status_code, 200)
        status, headers, body = split_response(write(res))
        self.assertEqual(status, 'HTTP/1.0 200 OK')
        self.assertIn('Content-Length: 0', headers)
        self.assertEqual(body, b'')

    def test_create_with_status_code(self):
        res = Response('not found', 404)
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.body, b'not found')
        status, headers, body = split_response(write(res))
        self.assertEqual(status, 'HTTP/1.0 404 N/A')
        self.assertEqual(body, b'not found')

    def test_create_with_reason(self):
        res = Response('foo', reason='ALL GOOD!')
        self.assertEqual(res.reason, 'ALL GOOD!')
        status, _, _ = split_response(write(res))
        self.assertEqual(status, 'HTTP/1.0 200 ALL GOOD!')
        status, _, _ = split_response(write(Response('x', 404, reason='Nope')))
        self.assertEqual(status, 'HTTP/1.0 404 Nope')

    def test_create_with_headers(self):
        res = Response('foo', headers={'X-Test': 'Foo'})
        self.assertEqual(res.headers, {'X-Test': 'Foo'})
        self.assertEqual(res.headers['x-test'], 'Foo')
        status, headers, body = split_response(write(res))
        self.assertIn('X-Test: Foo', headers)
        self.assertEqual(body, b'foo')

    def test_explicit_content_type_and_length_kept(self):
        res = Response('foo', headers={'content-type': 'text/html',
                                       'content-length': '3'})
        status, headers, body = split_response(write(res))
        self.assertIn('content-type: text/html', headers)
        self.assertEqual(len([h for h in headers
                              if h.lower().startswith('content-type')]), 1)
        self.assertEqual(len([h for h in headers
                              if h.lower().startswith('content-length')]), 1)

    def test_create_with_none(self):
        res = Response(None)
        self.assertEqual(res.status_code, 204)
        self.assertEqual(res.body, b'')
        status, headers, body = split_response(write(res))
        self.assertEqual(status, 'HTTP/1.0 204 N/A')
        self.assertIn('Content-Length: 0', headers)
        self.assertEqual(body, b'')
        # None with an explicit status keeps that status
        res = Response(None, 404)
        self.assertEqual(res.status_code, 404)

    def test_create_from_dict(self):
        res = Response({'foo': 'bar'})
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Type'],
                         'application/json; charset=UTF-8')
        status, headers, body = split_response(write(res))
        self.assertIn('Content-Type: application/json; charset=UTF-8',
                      headers)
        self.assertEqual(body.replace(b' ', b''), b'{"foo":"bar"}')
        self.assertIn('Content-Length: {}'.format(len(body)), headers)

    def test_create_from_list(self):
        res = Response([1, 'two', None, True])
        self.assertEqual(res.headers['Content-Type'],
                         'application/json; charset=UTF-8')
        status, headers, body = split_response(write(res))
        self.assertEqual(body.replace(b' ', b''), b'[1,"two",null,true]')

    def test_create_from_json_with_status_and_headers(self):
        res = Response({'a': 1}, 201, {'X-A': 'b'})
        self.assertEqual(res.status_code, 201)
        self.assertEqual(res.headers['X-A'], 'b')
        self.assertEqual(res.headers['Content-Type'],
                         'application/json; charset=UTF-8')

    def test_create_from_generator(self):
        def gen():
            yield b'foo'
            yield 'bar'
            yield b'baz'

        res = Response(gen())
        status, headers, body = split_response(write(res))
        self.assertEqual(status, 'HTTP/1.0 200 OK')
        self.assertFalse(any(h.startswith('Content-Length') for h in headers))
        self.assertIn('Content-Type: text/plain; charset=UTF-8', headers)
        self.assertEqual(body, b'foobarbaz')

    def test_create_from_async_iterator(self):
        class AsyncChunks:
            def __init__(self):
                self.chunks = [b'foo', 'bar']
                self.closed = False

            def __aiter__(self):
                return self

            async def __anext__(self):
                await asyncio.sleep(0)
                if not self.chunks:
                    raise StopAsyncIteration
                return self.chunks.pop(0)

            async def aclose(self):
                self.closed = True

        body = AsyncChunks()
        res = Response(body)
        self.assertIs(res.body_iter(), body)
        status, headers, body_bytes = split_response(write(res))
        self.assertFalse(any(h.startswith('Content-Length') for h in headers))
        self.assertEqual(body_bytes, b'foobar')
        self.assertTrue(body.closed)

    def test_create_from_async_generator(self):
        if not IS_CPYTHON:
            # the iterator protocol async generators follow is tested above
            self.skipTest('MicroPython has no async generators')

        async def gen():
            yield b'foo'
            await asyncio.sleep(0)
            yield 'bar'

        res = Response(gen())
        status, headers, body = split_response(write(res))
        self.assertFalse(any(h.startswith('Content-Length') for h in headers))
        self.assertEqual(body, b'foobar')

    def test_create_from_file(self):
        res = Response(io.BytesIO(b'x' * 2500))
        status, headers, body = split_response(write(res))
        self.assertFalse(any(h.startswith('Content-Length') for h in headers))
        self.assertEqual(body, b'x' * 2500)

    def test_file_is_closed(self):
        ClosingBytesIO.closed_count = 0
        res = Response(ClosingBytesIO(b'abc'))
        self.assertEqual(ClosingBytesIO.closed_count, 0)
        write(res)
        self.assertGreaterEqual(ClosingBytesIO.closed_count, 1)

    def test_file_closed_on_head(self):
        ClosingBytesIO.closed_count = 0
        res = Response(ClosingBytesIO(b'abc'))
        res.is_head = True
        status, headers, body = split_response(write(res))
        self.assertEqual(body, b'')
        self.assertGreaterEqual(ClosingBytesIO.closed_count, 1)

    def test_is_head(self):
        res = Response('foo')
        res.is_head = True
        status, headers, body = split_response(write(res))
        self.assertEqual(status, 'HTTP/1.0 200 OK')
        self.assertIn('Content-Length: 3', headers)
        self.assertEqual(body, b'')

    def test_send_file_buffer_size(self):
        saved = Response.send_file_buffer_size
        try:
            Response.send_file_buffer_size = 4
            res = Response(io.BytesIO(b'0123456789'))
            chunks = []

            async def collect():
                async for chunk in res.body_iter():
                    chunks.append(chunk)

            _run(collect())
            self.assertEqual(chunks, [b'0123', b'4567', b'89'])
            res = Response(io.BytesIO(b'01234567'))
            fd = AwriteOnly()
            _run(res.write(fd))
            self.assertEqual(b''.join(fd.chunks[1:]), b'01234567')
        finally:
            Response.send_file_buffer_size = saved
        self.assertEqual(Response.send_file_buffer_size, 1024)

    def test_body_iter_of_bytes(self):
        res = Response('abc')
        chunks = []

        async def collect():
            async for chunk in res.body_iter():
                chunks.append(chunk)

        _run(collect())
        self.assertEqual(chunks, [b'abc'])

    def test_default_content_type(self):
        saved = Response.default_content_type
        try:
            self.assertEqual(saved, 'text/plain')
            Response.default_content_type = 'text/html'
            _, headers, _ = split_response(write(Response('<p>')))
            self.assertIn('Content-Type: text/html; charset=UTF-8', headers)
            Response.default_content_type = 'text/html; charset=latin-1'
            _, headers, _ = split_response(write(Response('<p>')))
            self.assertIn('Content-Type: text/html; charset=latin-1',
                          headers)
        finally:
            Response.default_content_type = saved

    def test_set_cookie(self):
        res = Response('ok')
        res.set_cookie('foo1', 'bar1')
        res.set_cookie('foo2', 'bar2', path='/', partitioned=True)
        res.set_cookie('foo3', 'bar3', domain='example.com:1234')
        res.set_cookie('foo4', 'bar4',
                       expires='Tue, 05 Nov 2019 02:23:54 GMT')
        res.set_cookie('foo5', 'bar5', max_age=123,
                       expires='Thu, 01 Jan 1970 00:00:00 GMT')
        res.set_cookie('foo6', 'bar6', secure=True, http_only=True)
        res.set_cookie('foo7', 'bar7', path='/foo', domain='example.com',
                       max_age=0, secure=True, http_only=True,
                       partitioned=True)
        res.set_cookie('foo8', 42)
        self.assertEqual(res.headers, {'Set-Cookie': [
            'foo1=bar1',
            'foo2=bar2; Path=/; Partitioned',
            'foo3=bar3; Domain=example.com:1234',
            'foo4=bar4; Expires=Tue, 05 Nov 2019 02:23:54 GMT',
            'foo5=bar5; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=123',
            'foo6=bar6; Secure; HttpOnly',
            'foo7=bar7; Path=/foo; Domain=example.com; Max-Age=0; Secure; '
            'HttpOnly; Partitioned',
            'foo8=42',
        ]})
        _, headers, _ = split_response(write(res))
        self.assertIn('Set-Cookie: foo1=bar1', headers)
        self.assertIn('Set-Cookie: foo6=bar6; Secure; HttpOnly', headers)
        self.assertEqual(len([h for h in headers
                              if h.startswith('Set-Cookie:')]), 8)

    def test_set_cookie_with_datetime_expiry(self):
        try:
            from datetime import datetime
        except ImportError:  # the string form is tested on its own
            self.skipTest('no datetime module (MicroPython)')
        res = Response()
        res.set_cookie('a', 'b', expires=datetime(2024, 3, 4, 5, 6, 7))
        self.assertEqual(res.headers['Set-Cookie'],
                         ['a=b; Expires=Mon, 04 Mar 2024 05:06:07 GMT'])

    def test_invalid_cookie_value(self):
        res = Response()
        with self.assertRaises(ValueError) as cm:
            res.set_cookie('foo', 'bar;baz')
        self.assertEqual(str(cm.exception), 'invalid cookie value')
        with self.assertRaises(ValueError) as cm:
            res.set_cookie('foo', ';')
        self.assertEqual(str(cm.exception), 'invalid cookie value')
        self.assertNotIn('Set-Cookie', res.headers)

    def test_cookie_with_line_breaks(self):
        res = Response()
        for kwargs in [{'cookie': 'fo\ro', 'value': 'bar'},
                       {'cookie': 'foo', 'value': 'b\nar'},
                       {'cookie': 'foo', 'value': 'bar', 'path': '/\r\nX: y'},
                       {'cookie': 'foo', 'value': 'bar', 'domain': 'a\nb'},
                       {'cookie': 'foo', 'value': 'bar', 'expires': 'x\r'}]:
            with self.assertRaises(ValueError) as cm:
                res.set_cookie(**kwargs)
            self.assertEqual(str(cm.exception), 'invalid cookie')
        self.assertNotIn('Set-Cookie', res.headers)

    def test_delete_cookie(self):
        res = Response('ok')
        res.delete_cookie('foo1')
        res.delete_cookie('foo2', path='/', domain='example.com',
                          secure=True, http_only=True)
        self.assertEqual(res.headers, {'Set-Cookie': [
            'foo1=; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0',
            'foo2=; Path=/; Domain=example.com; '
            'Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; Secure; '
            'HttpOnly',
        ]})

    def test_delete_cookie_ignores_expires_and_max_age(self):
        res = Response('ok')
        res.delete_cookie('foo', expires='Fri, 01 Jan 2100 00:00:00 GMT',
                          max_age=3600, path='/x')
        self.assertEqual(res.headers['Set-Cookie'], [
            'foo=; Path=/x; Expires=Thu, 01 Jan 1970 00:00:01 GMT; '
            'Max-Age=0'])

    def test_redirect(self):
        res = Response.redirect('/foo')
        self.assertEqual(res.status_code, 302)
        self.assertEqual(res.headers['Location'], '/foo')
        self.assertEqual(res.body, b'')
        res = Response.redirect('/foo', status_code=301)
        self.assertEqual(res.status_code, 301)
        self.assertEqual(res.headers['Location'], '/foo')
        res = redirect('http://example.com/a?b=c', 308)
        self.assertEqual(res.status_code, 308)
        self.assertEqual(res.headers['Location'], 'http://example.com/a?b=c')
        status, headers, body = split_response(write(res))
        self.assertEqual(status, 'HTTP/1.0 308 N/A')
        self.assertIn('Location: http://example.com/a?b=c', headers)

    def test_redirect_with_line_breaks(self):
        for location in ['/foo\x0d', '/foo\x0a', '/a\r\nSet-Cookie: x=y']:
            with self.assertRaises(ValueError):
                Response.redirect(location)

    def test_redirect_subclass(self):
        class MyResponse(Response):
            pass

        res = MyResponse.redirect('/x')
        self.assertIsInstance(res, MyResponse)

    def test_send_file(self):
        path = tmp_file('a.txt', b'hello file')
        try:
            res = Response.send_file(path)
            self.assertEqual(res.status_code, 200)
            self.assertEqual(res.headers['Content-Type'], 'text/plain')
            self.assertNotIn('Cache-Control', res.headers)
            self.assertNotIn('Content-Encoding', res.headers)
            status, headers, body = split_response(write(res))
            self.assertEqual(status, 'HTTP/1.0 200 OK')
            self.assertIn('Content-Type: text/plain', headers)
            self.assertEqual(body, b'hello file')
            res = send_file(path, status_code=404)
            self.assertEqual(res.status_code, 404)
            write(res)
        finally:
            remove(path)

    def test_send_file_content_types(self):
        for ext, ctype in [('css', 'text/css'), ('gif', 'image/gif'),
                           ('html', 'text/html'), ('jpg', 'image/jpeg'),
                           ('js', 'application/javascript'),
                           ('json', 'application/json'),
                           ('png', 'image/png'), ('txt', 'text/plain'),
                           ('svg', 'image/svg+xml'),
                           ('bin', 'application/octet-stream'),
                           ('noext', 'application/octet-stream')]:
            self.assertEqual(Response.types_map.get(ext, ctype), ctype)
            res = Response.send_file('x.' + ext if ext != 'noext' else 'x',
                                     stream=io.BytesIO(b''))
            self.assertEqual(res.headers['Content-Type'], ctype)

    def test_send_file_custom_types_map(self):
        saved = dict(Response.types_map)
        try:
            Response.types_map['wasm'] = 'application/wasm'
            res = Response.send_file('a.wasm', stream=io.BytesIO(b''))
            self.assertEqual(res.headers['Content-Type'], 'application/wasm')
        finally:
            Response.types_map.clear()
            Response.types_map.update(saved)

    def test_send_file_explicit_content_type(self):
        res = Response.send_file('a.txt', content_type='text/x-custom',
                                 stream=io.BytesIO(b'abc'))
        self.assertEqual(res.headers['Content-Type'], 'text/x-custom')
        _, _, body = split_response(write(res))
        self.assertEqual(body, b'abc')

    def test_send_file_stream(self):
        res = Response.send_file('does-not-exist.png',
                                 stream=io.BytesIO(b'\x89PNG'))
        self.assertEqual(res.headers['Content-Type'], 'image/png')
        _, _, body = split_response(write(res))
        self.assertEqual(body, b'\x89PNG')

    def test_send_file_missing(self):
        with self.assertRaises(OSError):
            Response.send_file('/nonexistent/microdot/file.txt')

    def test_send_file_max_age(self):
        res = Response.send_file('a.txt', stream=io.BytesIO(b''), max_age=0)
        self.assertEqual(res.headers['Cache-Control'], 'max-age=0')
        res = Response.send_file('a.txt', stream=io.BytesIO(b''),
                                 max_age=123)
        self.assertEqual(res.headers['Cache-Control'], 'max-age=123')

    def test_default_send_file_max_age(self):
        saved = Response.default_send_file_max_age
        try:
            self.assertIsNone(saved)
            Response.default_send_file_max_age = 456
            res = Response.send_file('a.txt', stream=io.BytesIO(b''))
            self.assertEqual(res.headers['Cache-Control'], 'max-age=456')
            res = Response.send_file('a.txt', stream=io.BytesIO(b''),
                                     max_age=7)
            self.assertEqual(res.headers['Cache-Control'], 'max-age=7')
        finally:
            Response.default_send_file_max_age = saved

    def test_send_file_compressed(self):
        res = Response.send_file('a.txt.gz', compressed=True,
                                 stream=io.BytesIO(b''))
        self.assertEqual(res.headers['Content-Type'], 'text/plain')
        self.assertEqual(res.headers['Content-Encoding'], 'gzip')
        res = Response.send_file('a.js', compressed='br',
                                 stream=io.BytesIO(b''))
        self.assertEqual(res.headers['Content-Type'],
                         'application/javascript')
        self.assertEqual(res.headers['Content-Encoding'], 'br')
        res = Response.send_file('a.txt.gz', stream=io.BytesIO(b''))
        self.assertEqual(res.headers['Content-Type'],
                         'application/octet-stream')
        self.assertNotIn('Content-Encoding', res.headers)

    def test_send_file_file_extension(self):
        path = tmp_file('b.css.gz', b'compressed bytes')
        try:
            name = path[:-3]
            res = Response.send_file(name, compressed=True,
                                     file_extension='.gz')
            self.assertEqual(res.headers['Content-Type'], 'text/css')
            self.assertEqual(res.headers['Content-Encoding'], 'gzip')
            _, _, body = split_response(write(res))
            self.assertEqual(body, b'compressed bytes')
        finally:
            remove(path)

    def test_send_file_large(self):
        data = bytes(range(256)) * 20
        path = tmp_file('c.bin', data)
        try:
            res = Response.send_file(path)
            self.assertEqual(res.headers['Content-Type'],
                             'application/octet-stream')
            _, _, body = split_response(write(res))
            self.assertEqual(body, data)
        finally:
            remove(path)

    def test_already_handled(self):
        self.assertIsInstance(Response.already_handled, Response)
        self.assertEqual(Response.already_handled.body, b'')
