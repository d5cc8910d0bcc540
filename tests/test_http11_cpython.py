"""The HTTP/1.1 server (microdot.server) over real sockets: persistent
connections, pipelining, chunked bodies both ways, strict framing, Expect,
limits, timeouts, slow clients, flow control and graceful shutdown. Run with
the compiled and with the pure twins (MICRODOT_PURE=1), like the whole
suite. CPython only."""
import asyncio
import contextlib
import contextvars
import http.client
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unittest

from microdot import Microdot, Request, Response
from microdot.sse import with_sse
from microdot.websocket import with_websocket
from http11_client import Client
from live_server import LiveServer, needs

TIMEOUT = 10


request_var = contextvars.ContextVar('request_var', default=None)


def make_app():
    app = Microdot()
    app.state = {'sse_ended': threading.Event(), 'ws_closed': [],
                 'slow_started': threading.Event()}

    @app.route('/')
    async def index(req):
        return 'hello'

    @app.route('/echo', methods=['POST', 'PUT'])
    async def echo(req):
        if req.body:
            return b'body:' + req.body
        return b'stream:' + await req.stream.read()

    @app.post('/ignore')
    async def ignore(req):
        return 'ignored'

    @app.post('/json')
    async def json_route(req):
        return {'got': req.json}

    @app.route('/peer')
    async def peer(req):
        return '{}:{}'.format(*req.client_addr[:2])

    @app.route('/version')
    async def version(req):
        return req.http_version

    @app.route('/gen')
    async def gen(req):
        def chunks():
            yield 'one,'
            yield b''
            yield b'two,'
            yield 'three'
        return Response(chunks())

    @app.route('/agen')
    async def agen(req):
        async def chunks():
            for i in range(3):
                await asyncio.sleep(0)
                yield 'a{};'.format(i)
        return chunks()

    @app.route('/file')
    async def file_route(req):
        return Response(io.BytesIO(b'f' * 3000))

    @app.route('/nocontent')
    async def nocontent(req):
        return '', 204

    @app.route('/notmodified')
    async def notmodified(req):
        return 'unchanged body', 304

    @app.route('/close-me')
    async def close_me(req):
        return 'bye', {'Connection': 'close'}

    @app.route('/slow')
    async def slow(req):
        app.state['slow_started'].set()
        await asyncio.sleep(float(req.args.get('t', '0.5')))
        return 'slow done'

    @app.route('/sync')
    def sync(req):
        return threading.current_thread().name

    @app.route('/task')
    async def task(req):
        await asyncio.sleep(0)
        return 'task' if asyncio.current_task() is not None else 'none'

    @app.route('/context')
    async def context(req):
        before = request_var.get()
        request_var.set(req.args.get('v'))
        return repr(before)

    @app.route('/big-stream')
    async def big_stream(req):
        size = int(req.args['mb']) * 1024 * 1024
        piece = b'z' * 65536

        async def chunks():
            for _ in range(size // len(piece)):
                yield piece
        return chunks(), 200, {'Content-Type': 'application/octet-stream'}

    @app.route('/events')
    @with_sse
    async def events(req, sse):
        try:
            for i in range(1000):
                await sse.send({'n': i})
                await asyncio.sleep(0.05)
        finally:
            app.state['sse_ended'].set()

    @app.route('/ws')
    @with_websocket
    async def ws(req, ws):
        try:
            while True:
                await ws.send(await ws.receive())
        finally:
            app.state['ws_closed'].append(True)

    return app


class ServerCase(unittest.TestCase):
    def setUp(self):
        self.saved = (Request.max_readline, Request.max_content_length,
                      Request.max_body_length, Request.max_headers,
                      Request.max_head_length)
        self.app = make_app()
        self.configure(self.app)
        self.server = LiveServer(self.app, runner='start_server').start()
        self.port = self.server.port

    def configure(self, app):
        pass

    def tearDown(self):
        self.server.stop()
        (Request.max_readline, Request.max_content_length,
         Request.max_body_length, Request.max_headers,
         Request.max_head_length) = self.saved

    def client(self):
        return Client(self.port)

    @contextlib.contextmanager
    def log(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            yield out


class TestPersistentConnections(ServerCase):
    def test_http_client_reuses_one_connection(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=TIMEOUT)
        peers = set()
        for i in range(5):
            conn.request('GET', '/peer')
            res = conn.getresponse()
            self.assertEqual(res.status, 200)
            self.assertEqual(res.version, 11)
            self.assertIsNone(res.getheader('Connection'))
            peers.add(res.read())
        conn.close()
        self.assertEqual(len(peers), 1)

    @needs('curl')
    def test_curl_reuses_the_connection(self):
        url = 'http://127.0.0.1:{}/'.format(self.port)
        out = subprocess.run(['curl', '-sv', url, url], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=TIMEOUT,
                             universal_newlines=True).stdout
        self.assertEqual(out.count('hello'), 2, out)
        self.assertRegex(out, r'Re-using existing connection|'
                              r'Reusing existing connection')
        self.assertEqual(out.count('Connected to'), 1, out)

    def test_http_1_1_response_headers(self):
        with self.client() as c:
            c.request()
            res = c.response()
        self.assertEqual(res.status_line, 'HTTP/1.1 200 OK')
        self.assertEqual(res.body, b'hello')
        self.assertEqual(res.header('content-length'), '5')
        self.assertRegex(res.header('date'),
                         r'^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$')

    def test_http_1_0_closes_unless_asked(self):
        with self.client() as c:
            c.request(version='1.0')
            res = c.response()
            self.assertEqual(res.status_line, 'HTTP/1.0 200 OK')
            self.assertIsNone(res.header('connection'))
            self.assertTrue(c.closed())
        with self.client() as c:
            for _ in range(2):
                c.request(version='1.0', headers={'Connection': 'keep-alive'})
                res = c.response()
                self.assertEqual(res.status_line, 'HTTP/1.0 200 OK')
                self.assertEqual(res.header('connection'), 'keep-alive')
                self.assertEqual(res.body, b'hello')
            c.request(path='/version', version='1.0')
            self.assertEqual(c.response().body, b'1.0')
            self.assertTrue(c.closed())

    def test_connection_close_from_the_client(self):
        with self.client() as c:
            c.request(headers={'Connection': 'close'})
            res = c.response()
            self.assertEqual(res.header('connection'), 'close')
            self.assertTrue(c.closed())

    def test_connection_close_from_the_application(self):
        with self.client() as c:
            c.request(path='/close-me')
            res = c.response()
            self.assertEqual(res.header('connection'), 'close')
            self.assertEqual(res.body, b'bye')
            self.assertTrue(c.closed())

    def test_pipelined_requests_are_answered_in_order(self):
        with self.client() as c:
            c.send(b'GET /version HTTP/1.1\r\nHost: x\r\n\r\n'
                   b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n'
                   b'\r\nabc'
                   b'GET /slow?t=0.1 HTTP/1.1\r\nHost: x\r\n\r\n'
                   b'GET /gen HTTP/1.1\r\nHost: x\r\n\r\n'
                   b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
            bodies = [c.response().body for _ in range(5)]
            self.assertTrue(c.closed())
        self.assertEqual(bodies, [b'1.1', b'body:abc', b'slow done',
                                  b'one,two,three', b'hello'])

    def test_a_request_split_across_many_writes(self):
        data = (b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n'
                b'\r\n12345')
        with self.client() as c:
            for i in range(len(data)):
                c.send(data[i:i + 1])
                time.sleep(0.001)
            self.assertEqual(c.response().body, b'body:12345')

    def test_sync_handlers_still_run_in_the_thread_pool(self):
        with self.client() as c:
            c.request(path='/sync')
            self.assertNotEqual(c.response().body, b'MainThread')

    def test_current_task_after_a_suspension(self):
        with self.client() as c:
            c.request(path='/task')
            self.assertEqual(c.response().body, b'task')

    def test_context_variables_do_not_leak_between_requests(self):
        with self.client() as c:
            for value in ('a', 'b', 'c'):
                c.request(path='/context?v=' + value)
                self.assertEqual(c.response().body, b'None')


class TestResponses(ServerCase):
    def test_streamed_bodies_are_chunked_and_the_connection_survives(self):
        with self.client() as c:
            for path, body in (('/gen', b'one,two,three'),
                               ('/agen', b'a0;a1;a2;'),
                               ('/file', b'f' * 3000)):
                c.request(path=path)
                res = c.response()
                self.assertEqual(res.header('transfer-encoding'), 'chunked')
                self.assertIsNone(res.header('content-length'))
                self.assertEqual(res.body, body)
            c.request()
            self.assertEqual(c.response().body, b'hello')

    def test_streamed_body_to_http_1_0_ends_with_the_connection(self):
        with self.client() as c:
            c.request(path='/gen', version='1.0')
            res = c.response()
            self.assertIsNone(res.header('transfer-encoding'))
            self.assertEqual(res.body, b'one,two,three')

    def test_head_204_and_304_have_no_body(self):
        with self.client() as c:
            c.request('HEAD', '/')
            res = c.response(head_only=True)
            self.assertEqual(res.header('content-length'), '5')
            c.request(path='/nocontent')
            res = c.response()
            self.assertEqual(res.status, 204)
            self.assertIsNone(res.header('content-length'))
            c.request(path='/notmodified')
            res = c.response()
            self.assertEqual(res.status, 304)
            self.assertIsNone(res.header('content-length'))
            # nothing was sent after those heads: the next response is next
            c.request()
            self.assertEqual(c.response().body, b'hello')

    def test_head_of_a_stream(self):
        with self.client() as c:
            c.request('HEAD', '/gen')
            res = c.response(head_only=True)
            self.assertEqual(res.status, 200)
            c.request()
            self.assertEqual(c.response().body, b'hello')


class TestRequestBodies(ServerCase):
    def chunked(self, c, pieces, path='/echo', trailer=b''):
        c.send('POST {} HTTP/1.1\r\nHost: x\r\n'
               'Transfer-Encoding: chunked\r\n\r\n'.format(path).encode())
        for piece in pieces:
            c.send(b'%x\r\n%s\r\n' % (len(piece), piece))
        c.send(b'0\r\n' + trailer + b'\r\n')

    def test_chunked_body_is_decoded(self):
        with self.client() as c:
            self.chunked(c, [b'hello ', b'chunked', b' world'],
                         trailer=b'X-Trailer: dropped\r\n')
            self.assertEqual(c.response().body, b'body:hello chunked world')
            # chunk extensions are ignored
            c.send(b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: '
                   b'chunked\r\n\r\n3;name=value\r\nabc\r\n0\r\n\r\n')
            self.assertEqual(c.response().body, b'body:abc')

    def test_large_chunked_body_is_a_stream(self):
        Request.max_content_length = 1024 * 1024
        data = os.urandom(100000)
        with self.client() as c:
            self.chunked(c, [data[i:i + 7000]
                             for i in range(0, len(data), 7000)])
            self.assertEqual(c.response().body, b'stream:' + data)
            c.request()
            self.assertEqual(c.response().body, b'hello')

    def test_chunked_json(self):
        with self.client() as c:
            c.send(b'POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: '
                   b'application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
                   b'4\r\n{"a"\r\n4\r\n: 1}\r\n0\r\n\r\n')
            self.assertEqual(c.response().body.replace(b' ', b''),
                             b'{"got":{"a":1}}')

    def test_chunked_body_over_the_limit_is_413(self):
        Request.max_content_length = 1000
        with self.client() as c:
            self.chunked(c, [b'x' * 600, b'y' * 600])
            res = c.response()
            self.assertEqual((res.status, res.body),
                             (413, b'Payload too large'))
            self.assertTrue(c.closed())

    def test_body_over_the_limit_is_refused_unread(self):
        Request.max_content_length = 100
        with self.client() as c:
            # the body is never sent: the 413 comes after the head alone
            c.send(b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                   b'Content-Length: 1000000\r\n\r\n')
            res = c.response()
            self.assertEqual(res.status, 413)
            self.assertTrue(c.closed())

    def test_expect_100_continue(self):
        with self.client() as c:
            c.send(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n'
                   b'Expect: 100-continue\r\n\r\n')
            interim = c.response()
            self.assertEqual(interim.status_line, 'HTTP/1.1 100 Continue')
            c.send(b'data')
            self.assertEqual(c.response().body, b'body:data')

    def test_expect_100_continue_refused_over_the_limit(self):
        Request.max_content_length = 10
        with self.client() as c:
            c.send(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n'
                   b'Expect: 100-continue\r\n\r\n')
            res = c.response()
            self.assertEqual(res.status, 413)
            self.assertTrue(c.closed())

    def test_unread_body_never_becomes_the_next_request(self):
        Request.max_body_length = 10
        Request.max_content_length = 1024 * 1024
        smuggled = b'GET /version HTTP/1.1\r\nHost: x\r\n\r\n'
        body = smuggled * 100
        with self.client() as c:
            # the handler does not read its streamed body
            c.send(b'POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: '
                   + str(len(body)).encode() + b'\r\n\r\n' + body)
            self.assertEqual(c.response().body, b'ignored')
            # skipped (it arrived) or the connection is closed: never parsed
            try:
                c.request()
                res = c.response()
            except (EOFError, ConnectionError):
                return
            self.assertEqual(res.body, b'hello')

    def test_body_cut_off_then_closed(self):
        with self.client() as c:
            c.send(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n'
                   b'\r\nabc')
            c.sock.shutdown(socket.SHUT_WR)
            with self.log():
                res = c.response()
            self.assertEqual(res.status, 400)
            self.assertTrue(c.closed())


class TestFraming(ServerCase):
    """Anything that two parsers could read two ways is refused with a 400
    and the connection closed: nothing can be smuggled."""

    def refused(self, data, status=400):
        with self.log() as log:
            with self.client() as c:
                c.send(data)
                res = c.response()
                self.assertEqual(res.status, status, (data, res))
                self.assertTrue(c.closed())
        self.assertNotIn('Traceback', log.getvalue())
        with self.client() as c:  # still serving
            c.request()
            self.assertEqual(c.response().body, b'hello')
        return res

    def test_content_length_with_transfer_encoding(self):
        self.refused(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n'
                     b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n')

    def test_duplicate_content_length(self):
        self.refused(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n'
                     b'Content-Length: 3\r\n\r\nabc')
        self.refused(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n'
                     b'content-length: 40\r\n\r\nabc')

    def test_bad_content_length(self):
        for value in (b'-1', b'+3', b'3 ', b'0x3', b'3,3', b'1_0', b''):
            self.refused(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: '
                         + value + b'x\r\n\r\nabc')

    def test_unknown_transfer_coding(self):
        for coding in (b'gzip', b'gzip, chunked', b'chunked, chunked',
                       b'identity'):
            self.refused(b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                         b'Transfer-Encoding: ' + coding + b'\r\n\r\n'
                         b'0\r\n\r\n')

    def test_transfer_encoding_in_http_1_0(self):
        self.refused(b'POST /echo HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: '
                     b'chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')

    def test_bad_chunk_sizes(self):
        for size in (b'zz', b'-1', b'0x3', b'+3', b'', b' ',
                     b'1' * 20, b'3 3'):
            self.refused(b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                         b'Transfer-Encoding: chunked\r\n\r\n' + size +
                         b'\r\nabc\r\n0\r\n\r\n')

    def test_chunk_without_its_crlf(self):
        self.refused(b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: '
                     b'chunked\r\n\r\n3\r\nabcXX0\r\n\r\n')

    def test_folded_header(self):
        self.refused(b'GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n')

    def test_nul_and_bare_cr_in_headers(self):
        self.refused(b'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n')
        self.refused(b'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n')
        self.refused(b'GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n')

    def test_duplicate_host(self):
        self.refused(b'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n')

    def test_unsupported_version(self):
        res = self.refused(b'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505)
        self.assertEqual(res.version, 'HTTP/1.0')
        self.refused(b'GET / HTTP/0.9\r\n\r\n', 505)

    def test_bad_request_line_is_refused_at_once(self):
        # no need to wait for the end of the head
        with self.log():
            with self.client() as c:
                c.send(b'NOT A REQUEST LINE\r\n')
                self.assertEqual(c.response().status, 400)


class TestLimits(ServerCase):
    def assert_status(self, data, status):
        with self.log() as log:
            with self.client() as c:
                c.send(data)
                res = c.response()
        self.assertEqual(res.status, status, log.getvalue())
        return res

    def test_header_count_at_and_past_the_limit(self):
        Request.max_headers = 20
        head = b'GET / HTTP/1.1\r\nHost: x\r\n' + b''.join(
            b'X-%d: v\r\n' % i for i in range(19))
        self.assert_status(head + b'\r\n', 200)
        self.assert_status(head + b'X-19: v\r\n\r\n', 431)

    def test_head_size_at_and_past_the_limit(self):
        Request.max_head_length = 1000
        start = b'GET / HTTP/1.1\r\nHost: x\r\nX-Pad: '
        pad = 1000 - len(start) - 4
        self.assert_status(start + b'p' * pad + b'\r\n\r\n', 200)
        self.assert_status(start + b'p' * (pad + 1) + b'\r\n\r\n', 431)

    def test_unfinished_huge_head_is_refused_early(self):
        Request.max_head_length = 4096
        with self.log():
            with self.client() as c:
                c.send(b'GET / HTTP/1.1\r\n' + b'X: y\r\n' * 2000)
                self.assertEqual(c.response().status, 431)

    def test_endless_request_line(self):
        with self.log():
            with self.client() as c:
                c.send(b'GET /' + b'a' * 10000)
                self.assertEqual(c.response().status, 414)


class TestTimeouts(ServerCase):
    def configure(self, app):
        app.head_timeout = 1
        app.keep_alive_timeout = 0.5
        app.body_timeout = 0.5

    def test_idle_new_connection_is_closed_at_the_head_timeout(self):
        with self.client() as c:
            start = time.monotonic()
            self.assertTrue(c.closed())
            self.assertGreater(time.monotonic() - start, 0.8)
            self.assertLess(time.monotonic() - start, 3)

    def test_slow_head_gets_408(self):
        with self.log():
            with self.client() as c:
                start = time.monotonic()
                c.send(b'GET / HTTP/1.1\r\n')
                time.sleep(0.3)
                c.send(b'Host: x\r\n')  # within the limit so far
                res = c.response()
                self.assertEqual(res.status, 408)
                self.assertTrue(c.closed())
                self.assertGreater(time.monotonic() - start, 0.8)

    def test_head_within_the_timeout(self):
        with self.client() as c:
            c.send(b'GET / HTTP/1.1\r\n')
            time.sleep(0.5)
            c.send(b'Host: x\r\n\r\n')
            self.assertEqual(c.response().body, b'hello')

    def test_idle_keep_alive_connection_is_closed(self):
        with self.client() as c:
            c.request()
            c.response()
            time.sleep(0.3)  # within keep_alive_timeout
            c.request()
            c.response()
            start = time.monotonic()
            self.assertTrue(c.closed())
            self.assertGreater(time.monotonic() - start, 0.3)

    def test_slow_body_gets_408(self):
        with self.log():
            with self.client() as c:
                c.send(b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                       b'Content-Length: 10\r\n\r\nabc')
                res = c.response()
                self.assertEqual(res.status, 408)
                self.assertTrue(c.closed())

    def test_slowloris_does_not_stop_other_clients(self):
        socks = []
        try:
            for _ in range(200):
                s = socket.create_connection(('127.0.0.1', self.port),
                                             timeout=TIMEOUT)
                s.sendall(b'G')
                socks.append(s)
            start = time.monotonic()
            # each sends one more byte now and then, never finishing
            for s in socks[:100]:
                s.sendall(b'E')
            with self.client() as c:
                c.request()
                self.assertEqual(c.response().body, b'hello')
            self.assertLess(time.monotonic() - start, 0.5)
            # all of them are closed at the head timeout
            with self.log():
                time.sleep(1.5)
                for s in socks:
                    s.settimeout(2)
                    data = b''
                    while True:
                        try:
                            chunk = s.recv(4096)
                        except ConnectionResetError:
                            break
                        if not chunk:
                            break
                        data += chunk
                    self.assertTrue(data == b'' or data.startswith(
                        b'HTTP/1.0 408 '), data)
        finally:
            for s in socks:
                s.close()


class TestDisconnects(ServerCase):
    def test_sse_task_ends_when_the_client_goes_away(self):
        with self.client() as c:
            c.request(path='/events')
            res_line = c.file.readline()
            self.assertIn(b'200', res_line)
            c.file.readline()
        self.assertTrue(self.app.state['sse_ended'].wait(TIMEOUT))

    def test_websocket_handler_waiting_in_receive_gets_the_disconnect(self):
        import base64
        key = base64.b64encode(os.urandom(16)).decode()
        with self.client() as c:
            c.request(path='/ws', headers={
                'Upgrade': 'websocket', 'Connection': 'Upgrade',
                'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13'})
            self.assertEqual(c.response(head_only=True).status, 101)
            time.sleep(0.1)  # the handler now waits in receive()
            self.assertEqual(self.app.state['ws_closed'], [])
            # the client goes away without a close frame
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                              b'\x01\x00\x00\x00\x00\x00\x00\x00')
        deadline = time.monotonic() + TIMEOUT
        while not self.app.state['ws_closed'] and \
                time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(self.app.state['ws_closed'], [True])

    def test_reset_before_the_response_logs_no_traceback(self):
        with self.log() as log:
            for _ in range(20):
                s = socket.create_connection(('127.0.0.1', self.port))
                s.sendall(b'GET /slow?t=0.05 HTTP/1.1\r\nHost: x\r\n\r\n')
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             b'\x01\x00\x00\x00\x00\x00\x00\x00')
                s.close()
            time.sleep(0.3)
            with self.client() as c:
                c.request()
                self.assertEqual(c.response().body, b'hello')
        self.assertNotIn('Traceback', log.getvalue())
        self.assertNotIn('Error', log.getvalue())


class TestShutdown(ServerCase):
    def test_in_flight_request_finishes_idle_connections_close(self):
        idle = self.client()
        idle.request()
        idle.response()
        busy = self.client()
        busy.request(path='/slow?t=0.5')
        self.assertTrue(self.app.state['slow_started'].wait(TIMEOUT))
        start = time.monotonic()
        self.app.shutdown()
        self.assertTrue(idle.closed())
        self.assertLess(time.monotonic() - start, 0.4)
        res = busy.response()
        self.assertEqual(res.body, b'slow done')
        self.assertEqual(res.header('connection'), 'close')
        self.assertTrue(busy.closed())
        idle.close()
        busy.close()
        self.server.thread.join(TIMEOUT)
        self.assertFalse(self.server.thread.is_alive())
        with self.assertRaises(OSError):
            socket.create_connection(('127.0.0.1', self.port), timeout=1)

    def test_grace_period_ends_stuck_requests(self):
        self.app.shutdown_timeout = 0.3
        busy = self.client()
        busy.request(path='/slow?t=30')
        self.assertTrue(self.app.state['slow_started'].wait(TIMEOUT))
        start = time.monotonic()
        self.app.shutdown()
        self.assertTrue(busy.closed())
        self.assertLess(time.monotonic() - start, 3)
        busy.close()
        self.server.thread.join(TIMEOUT)
        self.assertFalse(self.server.thread.is_alive())

    def test_websocket_and_sse_are_ended(self):
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.client import connect
        with connect('ws://127.0.0.1:{}/ws'.format(self.port)) as ws:
            ws.send('ping')
            self.assertEqual(ws.recv(TIMEOUT), 'ping')
            sse = self.client()
            sse.request(path='/events')
            self.assertIn(b' 200 ', sse.file.readline())
            self.app.shutdown()
            with self.assertRaises(ConnectionClosed) as cm:
                ws.recv(TIMEOUT)
        # the server said "going away"
        self.assertEqual(cm.exception.rcvd.code, 1001)
        self.assertTrue(self.app.state['sse_ended'].wait(TIMEOUT))
        # the event stream ends cleanly (the last chunk), then the close
        rest = sse.file.read()
        self.assertTrue(rest.endswith(b'\r\n0\r\n\r\n'), rest)
        sse.close()
        self.server.thread.join(TIMEOUT)
        self.assertFalse(self.server.thread.is_alive())
        self.assertEqual(self.app.state['ws_closed'], [True])


class TestWrk(ServerCase):
    @needs('wrk')
    def test_wrk_keep_alive_without_errors(self):
        out = subprocess.run(
            ['wrk', '-t1', '-c20', '-d1s',
             'http://127.0.0.1:{}/'.format(self.port)],
            stdout=subprocess.PIPE, universal_newlines=True,
            timeout=30).stdout
        self.assertNotIn('Non-2xx', out)
        self.assertNotIn('Socket errors', out)
        requests = int(re.search(r'(\d+) requests in', out).group(1))
        self.assertGreater(requests, 100)


APP_MODULE = '''
import os, sys
sys.path.insert(0, {root!r})
from microdot import Microdot, Response

app = Microdot()

@app.route('/')
async def index(req):
    return str(os.getpid())

@app.route('/stream')
async def stream(req):
    piece = b'z' * 65536
    async def chunks():
        for _ in range(int(req.args['mb']) * 16):
            yield piece
    return chunks()

@app.route('/rss')
async def rss(req):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return line.split()[1]

app.run(host='127.0.0.1', port=int(sys.argv[1]),
        workers=int(sys.argv[2]))
'''


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class RunProcess:
    """``app.run()`` in a subprocess."""
    def __init__(self, workers=1):
        self.port = _free_port()
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.proc = subprocess.Popen(
            [sys.executable, '-c', APP_MODULE.format(root=root),
             str(self.port), str(workers)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.get('/')
                return
            except OSError:
                time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError('server did not start: ' +
                           self.proc.communicate()[0].decode())

    def get(self, path):
        with Client(self.port) as c:
            c.request(path=path, headers={'Connection': 'close'})
            return c.response().body

    def stop(self, sig=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.stdout.close()


def _children(pid):
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/{}/stat'.format(entry)) as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


class TestProcesses(unittest.TestCase):
    def test_sigterm_stops_run(self):
        server = RunProcess()
        self.assertEqual(server.stop(15), 0)

    def test_sigint_stops_run(self):
        server = RunProcess()
        self.assertEqual(server.stop(2), 0)

    def test_slow_reader_does_not_make_the_server_buffer(self):
        server = RunProcess()
        try:
            before = int(server.get('/rss'))
            s = socket.create_connection(('127.0.0.1', server.port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            s.sendall(b'GET /stream?mb=100 HTTP/1.1\r\nHost: x\r\n\r\n')
            received = len(s.recv(65536))
            time.sleep(1.5)  # the client reads nothing: the server waits
            during = int(server.get('/rss'))
            while True:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                received += len(chunk)
                if received > 100 * 1024 * 1024:
                    break
            s.close()
            after = int(server.get('/rss'))
        finally:
            server.stop()
        self.assertGreater(received, 100 * 1024 * 1024)
        # kB: flat means a few MiB at most, never the 100 MiB of the body
        self.assertLess(during - before, 16 * 1024, (before, during, after))
        self.assertLess(after - before, 16 * 1024, (before, during, after))

    @unittest.skipUnless(hasattr(socket, 'SO_REUSEPORT') and
                         hasattr(os, 'fork'), 'needs SO_REUSEPORT and fork')
    def test_workers_share_the_port_and_are_replaced(self):
        server = RunProcess(workers=2)
        try:
            deadline = time.monotonic() + 10
            workers = []
            while time.monotonic() < deadline and len(workers) != 2:
                workers = _children(server.proc.pid)
                time.sleep(0.1)
            self.assertEqual(len(workers), 2)
            pids = set()
            for _ in range(50):
                pids.add(int(server.get('/')))
            self.assertTrue(pids <= set(workers), (pids, workers))
            os.kill(workers[0], 9)
            deadline = time.monotonic() + 10
            replaced = workers
            while time.monotonic() < deadline:
                replaced = _children(server.proc.pid)
                if len(replaced) == 2 and workers[0] not in replaced:
                    break
                time.sleep(0.1)
            self.assertEqual(len(replaced), 2)
            self.assertNotIn(workers[0], replaced)
            self.assertTrue(int(server.get('/')) in replaced)
        finally:
            code = server.stop(15)
        self.assertEqual(code, 0)
        for pid in replaced:
            self.assertFalse(os.path.exists('/proc/{}'.format(pid)) and
                             _children(server.proc.pid))


if __name__ == '__main__':
    unittest.main()


class FakeTransport:
    """A transport that records writes, for what a socket cannot show."""
    def __init__(self):
        self.writes = []
        self.closing = False

    def write(self, data):
        self.writes.append(bytes(data))

    def is_closing(self):
        return self.closing

    def close(self):
        self.closing = True

    def abort(self):
        self.closing = True

    def get_extra_info(self, name, default=None):
        return ('127.0.0.1', 40000) if name == 'peername' else default

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


class TestFastPath(unittest.TestCase):
    def run_connection(self, requests, app):
        from microdot.server import Server, HTTPConnection

        async def main():
            loop = asyncio.get_running_loop()
            created = []
            original = loop.create_task

            def counting_create_task(*args, **kwargs):
                created.append(args)
                return original(*args, **kwargs)

            loop.create_task = counting_create_task
            server = Server(app)
            server.loop = loop
            server.done = loop.create_future()
            conn = HTTPConnection(server)
            transport = FakeTransport()
            conn.connection_made(transport)
            before = len(asyncio.all_tasks())
            for data in requests:
                conn.data_received(data)
            await asyncio.sleep(0.05)
            tasks = len(asyncio.all_tasks()) - before
            conn.connection_lost(None)
            loop.create_task = original
            return transport.writes, list(created), tasks

        return asyncio.run(main())

    def test_small_response_is_one_write_and_no_task(self):
        app = make_app()
        request = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
        writes, created, tasks = self.run_connection([request] * 50, app)
        # one write per response: head and body together
        self.assertEqual(len(writes), 50)
        self.assertTrue(all(w.endswith(b'\r\n\r\nhello') for w in writes))
        # a handler that never suspends costs no task
        self.assertEqual(created, [])
        self.assertEqual(tasks, 0)

    def test_a_suspending_handler_goes_on_in_a_task(self):
        app = make_app()
        writes, created, tasks = self.run_connection(
            [b'GET /slow?t=0.01 HTTP/1.1\r\nHost: x\r\n\r\n'
             b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'], app)
        self.assertEqual(len(writes), 2)
        self.assertTrue(writes[0].endswith(b'slow done'))
        self.assertTrue(writes[1].endswith(b'hello'))
        if sys.version_info < (3, 12):
            self.assertEqual(len(created), 1)
