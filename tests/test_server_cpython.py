"""End-to-end tests of the portable server: a real listening socket on
127.0.0.1 and real clients (raw sockets and http.client)."""
import asyncio
import contextlib
import http.client
import io
import socket
import struct
import threading
import time
import unittest

from microdot import Microdot, Request, Response
from live_server import LiveServer, raw_request

TIMEOUT = 5


def parse(data):
    head, _, body = data.partition(b'\r\n\r\n')
    lines = head.decode().split('\r\n')
    headers = {}
    for line in lines[1:]:
        name, value = line.split(':', 1)
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, body


def make_app():
    app = Microdot()

    @app.route('/')
    def index(req):
        return 'hello'

    @app.route('/echo', methods=['POST'])
    async def echo(req):
        if req.body:
            return b'body:' + req.body
        data = await req.stream.read(req.content_length)
        return b'stream:' + data

    @app.get('/slow')
    def slow(req):
        time.sleep(0.6)
        return 'slow'

    @app.get('/stream')
    def stream(req):
        def gen():
            for i in range(3):
                yield 'chunk{};'.format(i)
        return Response(gen())

    @app.get('/client')
    def client(req):
        return {'addr': list(req.client_addr), 'scheme': req.scheme,
                'version': req.http_version}

    @app.get('/shutdown')
    def shutdown(req):
        req.app.shutdown()
        return 'bye'

    @app.get('/error')
    def error(req):
        raise RuntimeError('boom')

    return app


class ServerTestCase(unittest.TestCase):
    def setUp(self):
        self.saved_limits = (Request.max_readline, Request.max_content_length,
                             Request.max_body_length)
        self.app = make_app()
        self.server = LiveServer(self.app, runner='start_server').start()
        self.port = self.server.port

    def tearDown(self):
        self.server.stop()
        (Request.max_readline, Request.max_content_length,
         Request.max_body_length) = self.saved_limits

    def get(self, path, method='GET', body=None, headers=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, res.reason, dict(res.getheaders()), res.read()
        finally:
            conn.close()

    def assert_serving(self):
        status, _, _, body = self.get('/')
        self.assertEqual((status, body), (200, b'hello'))


class TestServer(ServerTestCase):
    def test_http_1_1_response(self):
        data = raw_request(self.port, b'GET / HTTP/1.1\r\nHost: x\r\n'
                                      b'Connection: close\r\n\r\n')
        status, headers, body = parse(data)
        self.assertEqual(status, 'HTTP/1.1 200 OK')
        self.assertEqual(headers['content-length'], '5')
        self.assertEqual(headers['content-type'], 'text/plain; charset=UTF-8')
        self.assertEqual(headers['connection'], 'close')
        self.assertIn('date', headers)
        self.assertEqual(body, b'hello')

    def test_http_1_0_request_gets_http_1_0_response(self):
        data = raw_request(self.port, b'GET / HTTP/1.0\r\nHost: x\r\n\r\n')
        status, headers, body = parse(data)
        self.assertEqual(status, 'HTTP/1.0 200 OK')
        self.assertNotIn('connection', headers)
        self.assertEqual(body, b'hello')

    def test_connection_closes_after_response_when_asked(self):
        with socket.create_connection(('127.0.0.1', self.port),
                                      timeout=TIMEOUT) as s:
            # the request after "Connection: close" is never answered
            s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close'
                      b'\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n')
            data = b''
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data.startswith(b'HTTP/1.1 200 OK\r\n'))
        self.assertEqual(data.count(b'HTTP/1.1'), 1)

    def test_http_client(self):
        status, reason, headers, body = self.get('/client')
        self.assertEqual((status, reason), (200, 'OK'))
        self.assertIn(b'"scheme"', body)
        self.assertIn(b'127.0.0.1', body)
        self.assertIn(b'"1.1"', body)

    def test_bare_newlines(self):
        data = raw_request(self.port, b'GET / HTTP/1.0\nHost: x\n\n')
        self.assertEqual(parse(data)[0], 'HTTP/1.0 200 OK')
        self.assertEqual(parse(data)[2], b'hello')

    def test_head(self):
        data = raw_request(self.port, b'HEAD / HTTP/1.0\r\n\r\n')
        status, headers, body = parse(data)
        self.assertEqual(status, 'HTTP/1.0 200 OK')
        self.assertEqual(headers['content-length'], '5')
        self.assertEqual(body, b'')

    def test_options(self):
        status, _, headers, body = self.get('/', method='OPTIONS')
        self.assertEqual(status, 200)
        self.assertEqual(headers['Allow'], 'GET, HEAD, OPTIONS')
        self.assertEqual(body, b'')

    def test_not_found_and_method_not_allowed(self):
        status, reason, _, body = self.get('/nothing')
        self.assertEqual((status, reason, body), (404, 'N/A', b'Not found'))
        status, _, _, body = self.get('/', method='DELETE')
        self.assertEqual(status, 405)

    def test_internal_error(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status, _, _, body = self.get('/error')
        self.assertEqual((status, body), (500, b'Internal server error'))
        self.assertIn('RuntimeError', err.getvalue())
        self.assert_serving()

    def test_streaming(self):
        data = raw_request(self.port, b'GET /stream HTTP/1.0\r\n\r\n')
        status, headers, body = parse(data)
        self.assertEqual(status, 'HTTP/1.0 200 OK')
        self.assertNotIn('content-length', headers)
        self.assertEqual(body, b'chunk0;chunk1;chunk2;')

    def test_post_body(self):
        status, _, _, body = self.get('/echo', method='POST', body=b'abc')
        self.assertEqual((status, body), (200, b'body:abc'))

    def test_concurrent_sync_handlers(self):
        results = []

        def fetch():
            results.append(self.get('/slow'))

        threads = [threading.Thread(target=fetch) for _ in range(2)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        elapsed = time.monotonic() - start
        self.assertEqual([r[3] for r in results], [b'slow', b'slow'])
        # each handler sleeps 0.6s: run one after the other they would take
        # 1.2s or more
        self.assertLess(elapsed, 1.1)

    def test_concurrent_with_fast_request(self):
        t = threading.Thread(target=self.get, args=('/slow',))
        t.start()
        time.sleep(0.1)
        start = time.monotonic()
        self.assert_serving()
        self.assertLess(time.monotonic() - start, 0.4)
        t.join(TIMEOUT)


class TestServerLimits(ServerTestCase):
    def bad(self, data, shutdown_write=False):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            response = raw_request(self.port, data,
                                   shutdown_write=shutdown_write)
        return response, out.getvalue()

    def assert_refused_once(self, data, status='400 N/A',
                            reason=b'Bad request'):
        response, log = self.bad(data)
        line, headers, body = parse(response)
        self.assertEqual(line, 'HTTP/1.0 ' + status)
        self.assertEqual(body, reason)
        self.assertEqual(log.count('Bad request'), 1, log)
        self.assert_serving()

    def assert_400_logged_once(self, data):
        self.assert_refused_once(data)

    def test_request_line_at_and_past_max_readline(self):
        Request.max_readline = 64
        line = b'GET /?q=' + b'a' * 45 + b' HTTP/1.0\r\n'
        self.assertEqual(len(line), 64)
        status, _, body = parse(raw_request(self.port, line + b'\r\n'))
        self.assertEqual((status, body), ('HTTP/1.0 200 OK', b'hello'))
        line = b'GET /?q=' + b'a' * 46 + b' HTTP/1.0\r\n'
        self.assert_refused_once(line + b'\r\n', '414 N/A', b'URI too long')

    def test_header_line_at_and_past_max_readline(self):
        Request.max_readline = 32
        header = b'X-Pad: ' + b'p' * 23 + b'\r\n'
        self.assertEqual(len(header), 32)
        data = b'GET / HTTP/1.0\r\n' + header + b'\r\n'
        self.assertEqual(parse(raw_request(self.port, data))[0],
                         'HTTP/1.0 200 OK')
        header = b'X-Pad: ' + b'p' * 24 + b'\r\n'
        self.assert_refused_once(b'GET / HTTP/1.0\r\n' + header + b'\r\n',
                                 '431 N/A',
                                 b'Request header fields too large')

    def test_max_content_length(self):
        Request.max_content_length = 10
        status, _, _, body = self.get('/echo', method='POST', body=b'x' * 10)
        self.assertEqual((status, body), (200, b'body:' + b'x' * 10))
        status, _, _, body = self.get('/echo', method='POST', body=b'x' * 11)
        self.assertEqual((status, body), (413, b'Payload too large'))
        self.assert_serving()

    def test_max_body_length_uses_stream(self):
        Request.max_body_length = 8
        status, _, _, body = self.get('/echo', method='POST', body=b'y' * 8)
        self.assertEqual(body, b'body:' + b'y' * 8)
        status, _, _, body = self.get('/echo', method='POST', body=b'y' * 9)
        self.assertEqual((status, body), (200, b'stream:' + b'y' * 9))
        big = b'z' * 5000
        status, _, _, body = self.get('/echo', method='POST', body=big)
        self.assertEqual((status, body), (200, b'stream:' + big))

    def test_unparsable_request_line(self):
        self.assert_400_logged_once(b'GARBAGE\r\n\r\n')
        self.assert_400_logged_once(b'GET / HTTP/1.0 extra\r\n\r\n')

    def test_header_without_colon(self):
        self.assert_400_logged_once(
            b'GET / HTTP/1.0\r\nNoColonHere\r\n\r\n')

    def test_invalid_content_length(self):
        self.assert_400_logged_once(
            b'POST /echo HTTP/1.0\r\nContent-Length: abc\r\n\r\n')
        self.assert_400_logged_once(
            b'POST /echo HTTP/1.0\r\nContent-Length: -5\r\n\r\n')

    def test_half_request_then_close(self):
        for data in [b'GET / HTTP/1.0\r\nHost: x\r\n',
                     b'POST /echo HTTP/1.0\r\nContent-Length: 10\r\n\r\nab',
                     b'GET / HT']:
            start = time.monotonic()
            response, log = self.bad(data, shutdown_write=True)
            self.assertLess(time.monotonic() - start, 2)
            self.assertLessEqual(log.count('Bad request'), 1)
        self.assert_serving()

    def test_connect_and_close_without_data(self):
        out = io.StringIO()
        err = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            for _ in range(3):
                s = socket.create_connection(('127.0.0.1', self.port),
                                             timeout=TIMEOUT)
                s.close()
            self.assert_serving()
        self.assertEqual(err.getvalue(), '')

    def test_reset_while_reading_is_muted(self):
        out = io.StringIO()
        err = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            for _ in range(3):
                s = socket.create_connection(('127.0.0.1', self.port),
                                             timeout=TIMEOUT)
                s.sendall(b'GET / HTTP/1.0\r\nHost: x')
                time.sleep(0.05)
                # close with a TCP reset instead of a FIN
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack('ii', 1, 0))
                s.close()
            time.sleep(0.1)
            self.assert_serving()
        self.assertNotIn('Traceback', err.getvalue())
        self.assertNotIn('Connection reset', err.getvalue())
        self.assertNotIn('Connection reset', out.getvalue())
        self.assertNotIn('Errno', out.getvalue())


class TestServerLifecycle(unittest.TestCase):
    def test_shutdown_from_route(self):
        app = make_app()
        server = LiveServer(app, runner='start_server').start()
        try:
            conn = http.client.HTTPConnection('127.0.0.1', server.port,
                                              timeout=TIMEOUT)
            conn.request('GET', '/shutdown')
            res = conn.getresponse()
            self.assertEqual((res.status, res.read()), (200, b'bye'))
            conn.close()
            server.thread.join(TIMEOUT)
            self.assertFalse(server.thread.is_alive())
            with self.assertRaises(OSError):
                socket.create_connection(('127.0.0.1', server.port),
                                         timeout=1).close()
        finally:
            server.stop()

    def test_start_serving_false(self):
        app = make_app()

        async def main():
            server = await app.start_server(host='127.0.0.1', port=0,
                                            start_serving=False)
            self.assertIs(server, app.server)
            self.assertFalse(server.is_serving())
            port = server.sockets[0].getsockname()[1]
            await server.start_serving()
            self.assertTrue(server.is_serving())
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection('127.0.0.1', port), TIMEOUT)
            writer.write(b'GET / HTTP/1.0\r\n\r\n')
            data = await asyncio.wait_for(reader.read(), TIMEOUT)
            writer.close()
            app.shutdown()
            await server.wait_closed()
            return data

        data = asyncio.run(main())
        self.assertTrue(data.startswith(b'HTTP/1.0 200 OK\r\n'))
        self.assertTrue(data.endswith(b'\r\n\r\nhello'))

    def test_start_server_attributes(self):
        app = make_app()

        async def main():
            await app.start_server(host='127.0.0.1', port=0, debug=True,
                                   start_serving=False)
            debug, ssl = app.debug, app.ssl
            app.shutdown()
            await app.server.wait_closed()
            return debug, ssl

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            debug, ssl = asyncio.run(main())
        self.assertIs(debug, True)
        self.assertIs(ssl, False)

    def test_run_in_thread(self):
        app = make_app()
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        thread = threading.Thread(
            target=app.run, kwargs={'host': '127.0.0.1', 'port': port},
            daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + TIMEOUT
            data = None
            while data is None and time.monotonic() < deadline:
                try:
                    data = raw_request(port, b'GET /shutdown HTTP/1.0\r\n\r\n')
                except OSError:
                    time.sleep(0.05)
            self.assertIsNotNone(data)
            self.assertEqual(parse(data)[2], b'bye')
            thread.join(TIMEOUT)
            self.assertFalse(thread.is_alive())
        finally:
            if thread.is_alive():  # pragma: no cover
                app.server.get_loop().call_soon_threadsafe(app.shutdown)
                thread.join(TIMEOUT)


class TestServerTask(unittest.TestCase):
    def test_cancelled_server_task_stops_listening(self):
        app = make_app()

        async def main():
            task = asyncio.ensure_future(
                app.start_server(host='127.0.0.1', port=0))
            while app.server is None:
                await asyncio.sleep(0.005)
            port = app.server.sockets[0].getsockname()[1]
            task.cancel()
            await asyncio.wait_for(asyncio.gather(task,
                                                  return_exceptions=True),
                                   TIMEOUT)
            return port

        port = asyncio.run(main())
        with self.assertRaises(OSError):
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
