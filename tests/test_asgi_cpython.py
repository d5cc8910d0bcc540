"""microdot.asgi: direct calls with ASGI messages, and the applications in
tests/apps/asgi_app.py served by a real uvicorn over real sockets (http.client
and the websockets package as clients; the checks shared with the
gunicorn tests are in tests/http_server_checks.py). CPython only."""
import asyncio
import json
import os
import signal
import socket
import sys
import tempfile
import time
import unittest
from unittest import mock

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from microdot import Request
from microdot.asgi import Microdot, Response, with_websocket, \
    _ASGIBodyStream
from http_server_checks import HTTPServerChecks, http_request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'apps'))
from serverproc import ServerProcess  # noqa: E402


def _run(coro):
    return asyncio.run(coro)


def _scope(path='/', method='GET', headers=None, query=b'', **extra):
    scope = {'type': 'http', 'asgi': {'version': '3.0'},
             'http_version': '1.1', 'method': method, 'scheme': 'http',
             'path': path, 'raw_path': path.encode(), 'query_string': query,
             'headers': headers or [], 'client': ('10.1.2.3', 4567)}
    scope.update(extra)
    return scope


async def _call(app, scope, messages=None, disconnect_after=None):
    """Run one ASGI call; return the messages the app sent."""
    incoming = list(messages or [{'type': 'http.request', 'body': b'',
                                  'more_body': False}])
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        if disconnect_after is not None:
            await asyncio.sleep(disconnect_after)
        else:
            await asyncio.sleep(3600)
        return {'type': 'http.disconnect'}

    async def send(message):
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), 10)
    return sent


def _status_and_body(sent):
    start = sent[0]
    assert start['type'] == 'http.response.start', start
    body = b''
    for message in sent[1:]:
        assert message['type'] == 'http.response.body'
        assert isinstance(message['body'], bytes)
        body += message['body']
    assert sent[-1]['more_body'] is False
    return start['status'], dict(start['headers']), body


class TestASGIDirect(unittest.TestCase):
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
                    'type': request.asgi_scope['type'],
                    'header': request.headers.get('X-Thing')}

        @app.post('/body')
        async def body(request):
            if request.body:
                return {'body': request.body.decode()}
            data = await request.stream.read()
            return {'stream': data.decode()}

        @app.route('/gen')
        async def gen(request):
            def chunks():
                yield 'text'
                yield b'bytes'
            return chunks()

        return app

    def test_request_fields_from_scope(self):
        app = self.make_app()
        sent = _run(_call(app, _scope(
            '/info/a%20b', query=b'x=1&x=2', scheme='https',
            headers=[(b'x-thing', b'v\xc3\xa9')])))
        status, headers, body = _status_and_body(sent)
        self.assertEqual(status, 200)
        self.assertEqual(headers[b'content-type'],
                         b'application/json; charset=UTF-8')
        self.assertEqual(json.loads(body), {
            'name': 'a%20b', 'path': '/info/a%20b', 'scheme': 'https',
            'client': ['10.1.2.3', 4567], 'version': 'HTTP/1.1',
            'args': ['1', '2'], 'type': 'http', 'header': 'v\xe9'})

    def test_path_without_raw_path_is_quoted_again(self):
        app = self.make_app()
        scope = _scope('/info/a b', client=None)
        del scope['raw_path']
        status, _, body = _status_and_body(_run(_call(app, scope)))
        self.assertEqual(status, 200)
        data = json.loads(body)
        self.assertEqual(data['name'], 'a%20b')
        self.assertEqual(data['client'], ['', 0])
        self.assertEqual(data['scheme'], 'http')

    def test_invalid_content_length_is_400(self):
        app = self.make_app()
        for value in (b'abc', b'-1', b'1 2', b'+5'):
            sent = _run(_call(app, _scope(
                '/body', 'POST', headers=[(b'content-length', value)])))
            status, _, body = _status_and_body(sent)
            self.assertEqual(status, 400, value)
            self.assertEqual(body, b'Bad request')

    def test_undecodable_header_is_400(self):
        app = self.make_app()
        sent = _run(_call(app, _scope('/info/x',
                                      headers=[(b'x-thing', b'\xff\xfe')])))
        self.assertEqual(_status_and_body(sent)[0], 400)

    def test_body_in_several_messages(self):
        app = self.make_app()
        messages = [{'type': 'http.request', 'body': b'hel',
                     'more_body': True},
                    {'type': 'http.request', 'body': b'lo', 'more_body': True},
                    {'type': 'http.request', 'body': b'', 'more_body': False}]
        sent = _run(_call(app, _scope(
            '/body', 'POST', headers=[(b'content-length', b'5')]), messages))
        self.assertEqual(json.loads(_status_and_body(sent)[2]),
                         {'body': 'hello'})

    def test_client_gone_before_the_body_is_complete_is_400(self):
        app = self.make_app()
        messages = [{'type': 'http.request', 'body': b'abc',
                     'more_body': True}, {'type': 'http.disconnect'}]
        sent = _run(_call(app, _scope(
            '/body', 'POST', headers=[(b'content-length', b'10')]),
            messages))
        self.assertEqual(_status_and_body(sent)[0], 400)

    def test_body_limits(self):
        app = self.make_app()
        Request.max_body_length = 4
        Request.max_content_length = 8

        def post(data):
            messages = [{'type': 'http.request', 'body': data,
                         'more_body': False}]
            sent = _run(_call(app, _scope(
                '/body', 'POST',
                headers=[(b'content-length', str(len(data)).encode())]),
                messages))
            status, _, body = _status_and_body(sent)
            return status, body

        # at max_body_length: in request.body; past it: in request.stream
        self.assertEqual(post(b'abcd'), (200, b'{"body":"abcd"}'))
        self.assertEqual(post(b'abcde'), (200, b'{"stream":"abcde"}'))
        # at max_content_length: accepted; past it: 413
        self.assertEqual(post(b'abcdefgh'), (200, b'{"stream":"abcdefgh"}'))
        self.assertEqual(post(b'abcdefghi'), (413, b'Payload too large'))

    def test_sync_generator_chunks_are_bytes(self):
        app = self.make_app()
        sent = _run(_call(app, _scope('/gen')))
        status, headers, body = _status_and_body(sent)
        self.assertEqual(body, b'textbytes')
        self.assertNotIn(b'content-length', headers)
        for message in sent[1:-1]:
            self.assertTrue(message['more_body'])

    def test_head_sends_headers_only(self):
        app = self.make_app()
        sent = _run(_call(app, _scope('/info/x', 'HEAD')))
        status, headers, body = _status_and_body(sent)
        self.assertEqual(status, 200)
        self.assertEqual(body, b'')
        self.assertGreater(int(headers[b'content-length']), 10)
        sent = _run(_call(app, _scope('/gen', 'HEAD')))
        self.assertEqual(_status_and_body(sent)[2], b'')

    def test_errors(self):
        app = self.make_app()

        @app.route('/fail')
        async def fail(request):
            raise ValueError('test error, expected')

        for path, method, code in (('/nothing', 'GET', 404),
                                   ('/body', 'GET', 405),
                                   ('/fail', 'GET', 500)):
            with mock.patch('microdot.microdot.print_exception'):
                sent = _run(_call(app, _scope(path, method)))
            self.assertEqual(_status_and_body(sent)[0], code, path)

    def test_cookies_and_multiple_headers(self):
        app = self.make_app()

        @app.route('/cookie')
        async def cookie(request):
            res = Response(request.cookies)
            res.set_cookie('a', '1')
            res.set_cookie('b', '2')
            return res

        sent = _run(_call(app, _scope(
            '/cookie', headers=[(b'cookie', b'x=1; y=2')])))
        self.assertEqual(json.loads(_status_and_body(sent)[2]),
                         {'x': '1', 'y': '2'})
        cookies = [v for k, v in sent[0]['headers'] if k == b'set-cookie']
        self.assertEqual(cookies, [b'a=1', b'b=2'])

    def test_disconnect_stops_an_idle_stream(self):
        app = Microdot()
        closed = []

        @app.route('/idle')
        async def idle(request):
            async def chunks():
                try:
                    yield b'one'
                    await asyncio.sleep(3600)
                    yield b'never'  # pragma: no cover
                finally:
                    closed.append(True)
            return chunks()

        sent = _run(_call(app, _scope('/idle'), disconnect_after=0.2))
        self.assertEqual(sent[1], {'type': 'http.response.body',
                                   'body': b'one', 'more_body': True})
        self.assertEqual(len(sent), 2)
        self.assertEqual(closed, [True])

    def test_lifespan(self):
        calls = []

        async def startup(scope):
            calls.append(('startup', scope['type']))

        def shutdown(scope):
            calls.append(('shutdown', scope['type']))

        async def run(app):
            messages = [{'type': 'lifespan.startup'},
                        {'type': 'lifespan.shutdown'}]
            return await _call(app, {'type': 'lifespan'}, messages)

        sent = _run(run(Microdot(lifespan_startup=startup,
                                 lifespan_shutdown=shutdown)))
        self.assertEqual(sent, [{'type': 'lifespan.startup.complete'},
                                {'type': 'lifespan.shutdown.complete'}])
        self.assertEqual(calls, [('startup', 'lifespan'),
                                 ('shutdown', 'lifespan')])
        # no handlers: both phases complete
        self.assertEqual(_run(run(Microdot())), sent)

    def test_lifespan_failures(self):
        async def fail(scope):
            raise RuntimeError('nope')

        async def run(app, messages):
            return await _call(app, {'type': 'lifespan'}, messages)

        # a failed startup is reported, and the shutdown event that may
        # follow is still answered
        sent = _run(run(Microdot(lifespan_startup=fail),
                        [{'type': 'lifespan.startup'},
                         {'type': 'lifespan.shutdown'}]))
        self.assertEqual(sent, [{'type': 'lifespan.startup.failed',
                                 'message': "RuntimeError('nope')"},
                                {'type': 'lifespan.shutdown.complete'}])
        sent = _run(run(Microdot(lifespan_shutdown=fail),
                        [{'type': 'lifespan.startup'},
                         {'type': 'lifespan.shutdown'}]))
        self.assertEqual(sent, [{'type': 'lifespan.startup.complete'},
                                {'type': 'lifespan.shutdown.failed',
                                 'message': "RuntimeError('nope')"}])

    def test_websocket_scope_not_accepted(self):
        app = Microdot()

        @app.route('/plain')
        async def plain(request):
            return 'not a websocket'

        scope = _scope('/plain', type='websocket', scheme='wss')
        sent = _run(_call(app, scope, [{'type': 'websocket.connect'}]))
        self.assertEqual(sent, [{'type': 'websocket.close', 'code': 1008,
                                 'reason': '200'}])
        scope['extensions'] = {'websocket.http.response': {}}
        sent = _run(_call(app, scope, [{'type': 'websocket.connect'}]))
        self.assertEqual(sent[0]['type'], 'websocket.http.response.start')
        self.assertEqual(sent[0]['status'], 200)
        self.assertEqual(sent[1], {'type': 'websocket.http.response.body',
                                   'body': b'not a websocket'})

    def test_websocket_messages(self):
        app = Microdot()

        @app.route('/ws')
        @with_websocket
        async def ws(request, ws):
            await ws.send(request.scheme)
            while True:
                data = await ws.receive()
                await ws.send(data)

        messages = [{'type': 'websocket.connect'},
                    {'type': 'websocket.receive', 'text': 'hi'},
                    {'type': 'websocket.receive', 'bytes': b'\x00\x01'},
                    {'type': 'websocket.receive', 'bytes': b'x' * 16385},
                    {'type': 'websocket.receive', 'text': 'too late'}]
        scope = _scope('/ws', type='websocket', scheme='wss')
        sent = _run(_call(app, scope, messages))
        self.assertEqual(sent, [
            {'type': 'websocket.accept'},
            {'type': 'websocket.send', 'text': 'https'},
            {'type': 'websocket.send', 'text': 'hi'},
            {'type': 'websocket.send', 'bytes': b'\x00\x01'},
            {'type': 'websocket.close', 'code': 1009,
             'reason': 'Message too large'}])

    def test_body_stream_reads(self):
        async def run():
            messages = [{'type': 'http.request', 'body': b'line1\nli',
                         'more_body': True},
                        {'type': 'http.request', 'body': b'ne2\n--sep--rest',
                         'more_body': True},
                        {'type': 'http.request', 'body': b'!',
                         'more_body': False}]

            async def receive():
                return messages.pop(0)

            s = _ASGIBodyStream(receive)
            results = [await s.readline(), await s.readline(),
                       await s.readuntil(b'--sep--'), await s.read(2),
                       await s.read(), await s.read(5),
                       await s.readexactly(1)]
            return results

        self.assertEqual(_run(run()), [b'line1\n', b'line2\n', b'--sep--',
                                       b're', b'st!', b'', b''])

    def test_body_stream_disconnect_is_end(self):
        async def run():
            messages = [{'type': 'http.request', 'body': b'abc',
                         'more_body': True},
                        {'type': 'http.disconnect'}]

            async def receive():
                return messages.pop(0)

            s = _ASGIBodyStream(receive)
            return await s.read(10), s.disconnected

        self.assertEqual(_run(run()), (b'abc', True))

    def test_shutdown_signals_process_group(self):
        app = Microdot()
        with mock.patch('microdot.asgi.os.kill') as kill:
            app.shutdown()
        kill.assert_called_once()
        self.assertEqual(kill.call_args[0][0], os.getpgrp())


class TestUvicornHTTP(HTTPServerChecks, unittest.TestCase):
    """The shared checks of HTTPServerChecks, and those of uvicorn alone."""
    server = None

    @classmethod
    def setUpClass(cls):
        cls.marker = tempfile.NamedTemporaryFile(delete=False)
        cls.marker.close()
        cls.server = ServerProcess(
            ['uvicorn', 'asgi_app:app', '--host', '127.0.0.1', '--port',
             '{port}', '--lifespan', 'on', '--no-access-log'],
            env={'MICRODOT_TEST_MARKER': cls.marker.name}).start()
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        os.unlink(cls.marker.name)

    def test_lifespan_startup_ran(self):
        with open(self.marker.name) as f:
            self.assertEqual(f.read(), 'startup lifespan\n')

    def test_request_info(self):
        status, _, body = self.get('/info?a=1&a=two%20words')
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {
            'scheme': 'http', 'path': '/info', 'args': ['1', 'two words'],
            'http_version': 'HTTP/1.1', 'scope_type': 'http',
            'client': '127.0.0.1', 'method': 'GET'})
        # the path as sent, as the embedded server would see it
        self.assertEqual(self.get('/path/a%2Fb%20c')[2], b'a%2Fb%20c')

    def test_sync_generator_response(self):
        self.assertEqual(self.get('/sync-stream')[2],
                         b'part0;part1;part2;')

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
        deadline = time.monotonic() + 5
        closed = before
        while closed == before and time.monotonic() < deadline:
            time.sleep(0.05)
            closed = json.loads(self.get('/forever-status')[2])['closed']
        self.assertEqual(closed, before + 1)
        self.assertEqual(self.get('/')[2], b'hello')

    def test_websocket_upgrade_after_check(self):
        super().test_websocket_upgrade_after_check()
        # uvicorn supports the websocket.http.response extension: the 401
        # above, and the response of a missing route
        with self.assertRaises(InvalidStatus) as cm:
            ws_connect(self.ws_url('/no-such-route'), open_timeout=10)
        self.assertEqual(cm.exception.response.status_code, 404)
        self.assertEqual(bytes(cm.exception.response.body), b'Not found')

    def test_websocket_message_limit(self):
        with ws_connect(self.ws_url('/ws-limit'), open_timeout=10,
                        close_timeout=5) as ws:
            ws.send(b'x' * (16 * 1024))
            self.assertEqual(ws.recv(timeout=10), '16384')
            ws.send(b'x' * (16 * 1024 + 1))
            with self.assertRaises(ConnectionClosed) as cm:
                ws.recv(timeout=10)
            self.assertEqual(cm.exception.rcvd.code, 1009)


class TestUvicornLifecycle(unittest.TestCase):
    def setUp(self):
        self.server = None
        marker = tempfile.NamedTemporaryFile(delete=False)
        marker.close()
        self.marker = marker.name

    def tearDown(self):
        if self.server:
            self.server.stop()
        os.unlink(self.marker)

    def start(self, app, wait=True):
        self.server = ServerProcess(
            ['uvicorn', app, '--host', '127.0.0.1', '--port', '{port}',
             '--lifespan', 'on', '--no-access-log'],
            env={'MICRODOT_TEST_MARKER': self.marker}).start(wait=wait)

    def test_shutdown_route_stops_server(self):
        self.start('asgi_app:app')
        status, _, body = http_request(self.server.port, 'GET', '/shutdown')
        self.assertEqual((status, body), (200, b'bye'))
        # uvicorn exits gracefully, then re-raises the signal it caught
        self.assertIn(self.server.wait_exit(15), (0, -signal.SIGTERM))
        with open(self.marker) as f:
            self.assertEqual(f.read(),
                             'startup lifespan\nshutdown lifespan\n')

    def test_startup_failure(self):
        self.start('asgi_app:failing_app', wait=False)
        code = self.server.wait_exit(15)
        self.assertIsNotNone(code)
        self.assertNotEqual(code, 0)
        output = self.server.output()
        self.assertIn("RuntimeError('startup boom')", output)
        self.assertIn('Application startup failed', output)


if __name__ == '__main__':
    unittest.main()
