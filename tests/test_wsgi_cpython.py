"""microdot.wsgi: direct calls with WSGI environs, and the application in
tests/apps/wsgi_app.py served by a real gunicorn over real sockets (http.client
and the websockets package as clients; the checks shared with the
uvicorn tests are in tests/http_server_checks.py). CPython only."""
import asyncio
import io
import json
import os
import signal
import socket
import sys
import threading
import time
import unittest
from unittest import mock

from gunicorn.config import KNOWN_SETTINGS
from websockets.sync.client import connect as ws_connect

from microdot import Request
from microdot.sse import with_sse
from microdot.wsgi import Microdot, Response
from http_server_checks import HTTPServerChecks, http_request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'apps'))
from serverproc import ServerProcess  # noqa: E402


def _environ(path='/', method='GET', body=b'', query='', headers=None,
             **extra):
    environ = {
        'REQUEST_METHOD': method, 'SCRIPT_NAME': '', 'PATH_INFO': path,
        'QUERY_STRING': query, 'SERVER_PROTOCOL': 'HTTP/1.1',
        'REMOTE_ADDR': '10.0.0.9', 'REMOTE_PORT': '5555',
        'SERVER_NAME': 'test', 'SERVER_PORT': '80',
        'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO(body),
        'wsgi.errors': io.StringIO(), 'wsgi.version': (1, 0),
        'wsgi.multithread': False, 'wsgi.multiprocess': False,
        'wsgi.run_once': False,
    }
    if body:
        environ['CONTENT_LENGTH'] = str(len(body))
    for name, value in (headers or {}).items():
        environ[name] = value
    environ.update(extra)
    return environ


def _call(app, environ):
    """Call a WSGI app; return (status line, headers, body bytes)."""
    result = {}

    def start_response(status, headers):
        result['status'] = status
        result['headers'] = headers

    iterable = app(environ, start_response)
    try:
        body = b''.join(iterable)
    finally:
        if hasattr(iterable, 'close'):
            iterable.close()
    for name, value in result['headers']:
        assert isinstance(name, str) and isinstance(value, str)
    return result['status'], result['headers'], body


class TestWSGIDirect(unittest.TestCase):
    def setUp(self):
        self.saved = (Request.max_body_length, Request.max_content_length)

    def tearDown(self):
        Request.max_body_length, Request.max_content_length = self.saved

    def make_app(self):
        app = Microdot()

        @app.route('/info/<name>')
        async def info(request, name):
            return {'name': name, 'path': request.path,
                    'scheme': request.scheme,
                    'client': list(request.client_addr),
                    'version': request.http_version,
                    'args': request.args.getlist('x') if request.args
                    else [],
                    'environ': request.environ['SERVER_NAME'],
                    'header': request.headers.get('X-Thing'),
                    'type': request.content_type}

        @app.post('/body')
        async def body(request):
            if request.body:
                return {'body': request.body.decode()}
            data = await request.stream.read()
            return {'stream': data.decode()}

        @app.route('/gen')
        async def gen(request):
            async def chunks():
                try:
                    yield 'text'
                    yield b'bytes'
                finally:
                    closed.append(True)
            gens.append(chunks())
            return gens[-1]

        closed = []
        gens = []
        app.closed = closed
        app.gens = gens
        return app

    def test_request_fields_from_environ(self):
        app = self.make_app()
        # WSGI paths are decoded, as latin-1 text
        path = '/info/a b\xc3\xa9'
        status, headers, body = _call(app, _environ(
            path, query='x=1&x=%C3%A9', headers={
                'HTTP_X_THING': 'v\xc3\xa9', 'CONTENT_TYPE': 'text/plain'},
            **{'wsgi.url_scheme': 'https'}))
        self.assertEqual(status, '200 OK')
        self.assertEqual(json.loads(body), {
            'name': 'a%20b%C3%A9', 'path': '/info/a%20b%C3%A9',
            'scheme': 'https', 'client': ['10.0.0.9', 5555],
            'version': 'HTTP/1.1', 'args': ['1', '\xe9'], 'environ': 'test',
            'header': 'v\xe9', 'type': 'text/plain'})
        self.assertIn(('Content-Type', 'application/json; charset=UTF-8'),
                      headers)

    def test_script_name_is_part_of_the_path(self):
        app = self.make_app()
        status, _, body = _call(app, _environ(
            '/x', SCRIPT_NAME='/info', REMOTE_PORT=''))
        data = json.loads(body)
        self.assertEqual((data['name'], data['client']),
                         ('x', ['10.0.0.9', 0]))

    def test_invalid_content_length_is_400(self):
        app = self.make_app()
        for value in ('abc', '-1', '1 2', '+5'):
            status, _, body = _call(app, _environ(
                '/body', 'POST', CONTENT_LENGTH=value))
            self.assertEqual((status, body), ('400 N/A', b'Bad request'),
                             value)

    def test_body_shorter_than_content_length_is_400(self):
        app = self.make_app()
        environ = _environ('/body', 'POST', b'abc', CONTENT_LENGTH='10')
        self.assertEqual(_call(app, environ)[0], '400 N/A')

    def test_body_limits(self):
        app = self.make_app()
        Request.max_body_length = 4
        Request.max_content_length = 8

        def post(data):
            status, _, body = _call(app, _environ('/body', 'POST', data))
            return status, body

        self.assertEqual(post(b'abcd'), ('200 OK', b'{"body":"abcd"}'))
        self.assertEqual(post(b'abcde'), ('200 OK', b'{"stream":"abcde"}'))
        self.assertEqual(post(b'abcdefgh'),
                         ('200 OK', b'{"stream":"abcdefgh"}'))
        self.assertEqual(post(b'abcdefghi'),
                         ('413 N/A', b'Payload too large'))

    def test_chunked_body_within_the_limits(self):
        # the server decoded it; like any body, it is in request.body up to
        # Request.max_body_length, in request.stream beyond
        app = self.make_app()
        environ = _environ('/body', 'POST', HTTP_TRANSFER_ENCODING='chunked')
        environ['wsgi.input'] = io.BytesIO(b'chunked data')
        self.assertEqual(_call(app, environ)[2],
                         b'{"body":"chunked data"}')
        saved = Request.max_body_length
        Request.max_body_length = 4
        try:
            environ = _environ('/body', 'POST',
                               HTTP_TRANSFER_ENCODING='chunked')
            environ['wsgi.input'] = io.BytesIO(b'chunked data')
            self.assertEqual(_call(app, environ)[2],
                             b'{"stream":"chunked data"}')
        finally:
            Request.max_body_length = saved

    def test_streamed_body_and_close(self):
        app = self.make_app()
        status, headers, body = _call(app, _environ('/gen'))
        self.assertEqual(body, b'textbytes')
        self.assertNotIn('Content-Length', dict(headers))
        self.assertEqual(app.closed, [True])

        # a server that stops reading early (the client went away) calls
        # close(), which closes the generator
        def start_response(status, headers):
            pass

        iterable = app(_environ('/gen'), start_response)
        self.assertEqual(next(iter(iterable)), b'text')
        iterable.close()
        self.assertEqual(app.closed, [True, True])

    def test_closing_the_body_ends_an_sse_task_at_once(self):
        app = self.make_app()
        cancelled = []

        @app.route('/events')
        @with_sse
        async def events(request, sse):
            try:
                for i in range(100):
                    await sse.send(i)
                    await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                cancelled.append(True)
                raise

        def start_response(status, headers):
            pass

        iterable = app(_environ('/events'), start_response)
        self.assertEqual(next(iter(iterable)), b'data: 0\n\n')
        iterable.close()
        self.assertEqual(cancelled, [True])

    def test_head(self):
        app = self.make_app()
        status, headers, body = _call(app, _environ('/info/x', 'HEAD'))
        self.assertEqual((status, body), ('200 OK', b''))
        self.assertGreater(int(dict(headers)['Content-Length']), 10)
        status, headers, body = _call(app, _environ('/gen', 'HEAD'))
        self.assertEqual(body, b'')
        # the body was never started, and is closed
        self.assertEqual(app.closed, [])
        self.assertIsNone(app.gens[0].ag_frame)

    def test_errors_and_reasons(self):
        app = self.make_app()

        @app.route('/fail')
        def fail(request):
            raise ValueError('test error, expected')

        @app.route('/teapot')
        def teapot(request):
            return Response('short and stout', 418, reason="I'm a teapot")

        @app.route('/utf8')
        def utf8(request):
            return '', {'X-Name': 'caf\xe9', 'X-Number': 3}

        with mock.patch('microdot.microdot.print_exception'):
            self.assertEqual(_call(app, _environ('/fail'))[0], '500 N/A')
        self.assertEqual(_call(app, _environ('/nothing'))[0], '404 N/A')
        self.assertEqual(_call(app, _environ('/body'))[0], '405 N/A')
        self.assertEqual(_call(app, _environ('/teapot'))[:3:2],
                         ("418 I'm a teapot", b'short and stout'))
        headers = dict(_call(app, _environ('/utf8'))[1])
        self.assertEqual(headers['X-Name'].encode('latin-1'),
                         'caf\xe9'.encode())
        self.assertEqual(headers['X-Number'], '3')

    def test_cookies(self):
        app = self.make_app()

        @app.route('/cookie')
        def cookie(request):
            res = Response(request.cookies)
            res.set_cookie('a', '1')
            res.set_cookie('b', '2')
            return res

        status, headers, body = _call(app, _environ(
            '/cookie', HTTP_COOKIE='x=1; y=2'))
        self.assertEqual(json.loads(body), {'x': '1', 'y': '2'})
        self.assertEqual([v for k, v in headers if k == 'Set-Cookie'],
                         ['a=1', 'b=2'])

    def test_threads_get_their_own_event_loops(self):
        app = self.make_app()
        results = []

        def worker():
            for _ in range(20):
                results.append(_call(app, _environ('/info/t'))[0])

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(results, ['200 OK'] * 80)
        # the first thread to serve a request uses app.loop
        self.assertFalse(app.loop.is_closed())

    def test_shutdown_signals_process_group(self):
        app = Microdot()
        with mock.patch('microdot.wsgi.os.kill') as kill:
            app.shutdown()
        kill.assert_called_once_with(os.getpgrp(), signal.SIGTERM)


def _gunicorn(worker='sync', app='wsgi_app:app'):
    args = ['gunicorn', '-w', '1', '-k', worker, '-b', '127.0.0.1:{port}',
            '--timeout', '30', '--graceful-timeout', '5']
    if worker == 'gthread':
        args += ['--threads', '4']
    if any(s.name == 'control_socket_disable' for s in KNOWN_SETTINGS):
        # newer gunicorns open a control socket at a fixed path by default
        args.append('--no-control-socket')
    return ServerProcess(args + [app]).start()


class TestGunicornSync(HTTPServerChecks, unittest.TestCase):
    """The shared checks of HTTPServerChecks, and those of gunicorn alone."""
    server = None
    header_name = staticmethod(str.title)

    @classmethod
    def setUpClass(cls):
        cls.server = _gunicorn('sync')
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_get_and_head(self):
        super().test_get_and_head()
        self.assertEqual(self.get('/sync')[2], b'sync GET')

    def test_request_info(self):
        status, _, body = self.get('/info?a=1&a=two%20words')
        self.assertEqual(json.loads(body), {
            'scheme': 'http', 'path': '/info', 'args': ['1', 'two words'],
            'http_version': 'HTTP/1.1', 'server_software': 'gunicorn',
            'client': '127.0.0.1', 'method': 'GET'})
        self.assertEqual(self.get('/path/b%20c%C3%A9')[2], b'b%20c%C3%A9')

    def test_bad_content_length_is_400(self):
        # gunicorn refuses it before the application sees it
        with socket.create_connection(('127.0.0.1', self.port),
                                      timeout=10) as s:
            s.sendall(b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                      b'Content-Length: nope\r\n\r\n')
            data = s.recv(4096)
        self.assertTrue(data.startswith(b'HTTP/1.1 400'), data)

    def test_client_disconnect_closes_stream(self):
        before = json.loads(self.get('/forever-status')[2])['closed']
        with socket.create_connection(('127.0.0.1', self.port),
                                      timeout=10) as s:
            s.sendall(b'GET /forever HTTP/1.1\r\nHost: x\r\n\r\n')
            received = b''
            while b'first;' not in received:
                chunk = s.recv(4096)
                self.assertTrue(chunk)
                received += chunk
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b'\x01\x00\x00\x00\x00\x00\x00\x00')
        deadline = time.monotonic() + 10
        closed = before
        while closed == before and time.monotonic() < deadline:
            time.sleep(0.1)
            closed = json.loads(self.get('/forever-status')[2])['closed']
        self.assertEqual(closed, before + 1)

    def test_websocket_echo(self):
        super().test_websocket_echo()
        # the worker is free again
        self.assertEqual(self.get('/')[2], b'hello')

    def test_websocket_upgrade_after_check(self):
        super().test_websocket_upgrade_after_check()
        self.assertEqual(self.get('/')[2], b'hello')


class TestGunicornThreads(unittest.TestCase):
    """The gthread worker: requests served by several threads at once."""
    def setUp(self):
        self.server = _gunicorn('gthread')

    def tearDown(self):
        self.server.stop()

    def test_concurrent_requests_and_websocket(self):
        port = self.server.port
        with ws_connect('ws://127.0.0.1:{}/ws'.format(port), open_timeout=10,
                        close_timeout=5) as ws:
            ws.send('open')
            self.assertEqual(ws.recv(timeout=10), 'open')
            # a websocket holds one thread; the others keep serving
            results = []

            def worker():
                for _ in range(2):
                    results.append(http_request(port, 'GET', '/stream')[2])

            threads = [threading.Thread(target=worker) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            self.assertEqual(results, [b'chunk0;chunk1;chunk2;'] * 6)
            ws.send('still here')
            self.assertEqual(ws.recv(timeout=10), 'still here')

    def test_shutdown_route_stops_server(self):
        status, _, body = http_request(self.server.port, 'GET', '/shutdown')
        self.assertEqual((status, body), (200, b'bye'))
        self.assertIsNotNone(self.server.wait_exit(15))
        self.assertIn('Shutting down', self.server.output())


if __name__ == '__main__':
    unittest.main()
