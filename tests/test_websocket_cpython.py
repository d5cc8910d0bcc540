"""WebSocket over real sockets: the embedded server runs in a thread on
127.0.0.1 (a free port) and the ``websockets`` package is the client.
CPython only."""
import asyncio
import base64
import hashlib
import http.client
import os
import socket
import threading
import time
import unittest

from websockets.exceptions import ConnectionClosed, ConnectionClosedError
from websockets.sync.client import connect

from microdot import Microdot
from microdot.websocket import WebSocket, WebSocketError, with_websocket
from live_server import LiveServer
from test_websocket import _frame, _parse_frames

TIMEOUT = 10


class TestWebSocketRealClient(unittest.TestCase):
    def setUp(self):
        self.saved = WebSocket.max_message_length
        self.ended = threading.Event()
        self.end_reason = []
        app = Microdot()

        @app.route('/echo')
        @with_websocket
        async def echo(request, ws):
            try:
                while True:
                    await ws.send(await ws.receive())
            except WebSocketError as exc:
                self.end_reason.append(str(exc))
                raise
            finally:
                self.ended.set()

        @app.route('/ticks')
        @with_websocket
        async def ticks(request, ws):
            try:
                i = 0
                while True:
                    await ws.send('tick {}'.format(i))
                    i += 1
                    await asyncio.sleep(0.01)
            finally:
                self.ended.set()

        @app.route('/bye')
        @with_websocket
        async def bye(request, ws):
            await ws.send('bye')

        @app.route('/')
        async def index(request):
            return 'still here'

        self.server = LiveServer(app).start()
        self.url = 'ws://127.0.0.1:{}'.format(self.server.port)

    def tearDown(self):
        WebSocket.max_message_length = self.saved
        self.server.stop()

    def _connect(self, path, **kwargs):
        return connect(self.url + path, open_timeout=TIMEOUT,
                       close_timeout=TIMEOUT, max_size=None, **kwargs)

    def _get_index(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
                                          timeout=TIMEOUT)
        try:
            conn.request('GET', '/')
            res = conn.getresponse()
            return res.status, res.read()
        finally:
            conn.close()

    def test_echo_and_normal_close(self):
        with self._connect('/echo') as ws:
            ws.send('hello')
            self.assertEqual(ws.recv(TIMEOUT), 'hello')
            ws.send(b'\x00\xff')
            self.assertEqual(ws.recv(TIMEOUT), b'\x00\xff')
            ws.send('')
            self.assertEqual(ws.recv(TIMEOUT), '')
        self.assertEqual(ws.close_code, 1000)
        self.assertTrue(self.ended.wait(TIMEOUT))
        self.assertEqual(self.end_reason, ['Websocket connection closed'])

    def test_one_mebibyte_masked_message(self):
        WebSocket.max_message_length = 2 * 1024 * 1024
        data = os.urandom(1024 * 1024)
        with self._connect('/echo') as ws:
            ws.send(data)
            self.assertEqual(ws.recv(TIMEOUT), data)
            ws.send(data.hex()[:1024 * 1024])
            self.assertEqual(ws.recv(TIMEOUT), data.hex()[:1024 * 1024])

    def test_fragmented_message(self):
        with self._connect('/echo') as ws:
            ws.send(['Hel', 'lo, ', 'wörld'])
            self.assertEqual(ws.recv(TIMEOUT), 'Hello, wörld')
            ws.send([b'\x01' * 3000, b'\x02' * 3000])
            self.assertEqual(ws.recv(TIMEOUT), b'\x01' * 3000 + b'\x02' * 3000)

    def test_ping_pong(self):
        with self._connect('/echo') as ws:
            waiter = ws.ping(b'marco')
            self.assertTrue(waiter.wait(TIMEOUT))
            ws.send('after ping')
            self.assertEqual(ws.recv(TIMEOUT), 'after ping')

    def test_message_over_limit_closes_1009(self):
        WebSocket.max_message_length = 1000
        with self._connect('/echo') as ws:
            ws.send('a' * 1000)
            self.assertEqual(ws.recv(TIMEOUT), 'a' * 1000)
            ws.send('a' * 1001)
            with self.assertRaises(ConnectionClosedError) as ctx:
                ws.recv(TIMEOUT)
        self.assertEqual(ctx.exception.rcvd.code, 1009)
        self.assertTrue(self.ended.wait(TIMEOUT))
        self.assertEqual(self._get_index(), (200, b'still here'))

    def test_large_message_over_limit_closes_1009(self):
        # the server refuses before reading the payload, which is still
        # arriving: the close frame must survive the unread data
        WebSocket.max_message_length = 64 * 1024
        with self._connect('/echo') as ws:
            ws.send(os.urandom(2 * 1024 * 1024))
            with self.assertRaises(ConnectionClosedError) as ctx:
                ws.recv(TIMEOUT)
        self.assertEqual(ctx.exception.rcvd.code, 1009)

    def test_handler_return_closes_1000(self):
        with self._connect('/bye') as ws:
            self.assertEqual(ws.recv(TIMEOUT), 'bye')
            with self.assertRaises(ConnectionClosed) as ctx:
                ws.recv(TIMEOUT)
        self.assertEqual(ctx.exception.rcvd.code, 1000)

    def _drop(self, ws):
        # vanish without a close frame
        ws.socket.shutdown(socket.SHUT_RDWR)
        ws.socket.close()

    def test_client_disconnects_while_server_sends(self):
        with self._connect('/ticks') as ws:
            self.assertEqual(ws.recv(TIMEOUT), 'tick 0')
            self.assertEqual(ws.recv(TIMEOUT), 'tick 1')
            self._drop(ws)
        self.assertTrue(self.ended.wait(TIMEOUT))
        self.assertEqual(self._get_index(), (200, b'still here'))

    def test_client_disconnects_while_server_receives(self):
        with self._connect('/echo') as ws:
            ws.send('one')
            self.assertEqual(ws.recv(TIMEOUT), 'one')
            self._drop(ws)
        self.assertTrue(self.ended.wait(TIMEOUT))
        self.assertEqual(self.end_reason, ['Websocket connection closed'])
        with self._connect('/echo') as ws:
            ws.send('next client')
            self.assertEqual(ws.recv(TIMEOUT), 'next client')

    def test_raw_socket_handshake_and_unmasked_frame(self):
        sock = socket.create_connection(('127.0.0.1', self.server.port),
                                        timeout=TIMEOUT)
        try:
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall(('GET /echo HTTP/1.1\r\nHost: x\r\n'
                          'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                          'Sec-WebSocket-Key: {}\r\n'
                          'Sec-WebSocket-Version: 13\r\n\r\n').format(
                              key).encode())
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = sock.recv(4096)
                self.assertTrue(chunk)
                data += chunk
            head, _, rest = data.partition(b'\r\n\r\n')
            self.assertTrue(head.startswith(b'HTTP/1.1 101 '))
            accept = base64.b64encode(hashlib.sha1(
                (key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').encode()
            ).digest())
            self.assertIn(b'Sec-WebSocket-Accept: ' + accept, head)
            sock.sendall(b'\x81\x05hello')  # not masked: a protocol error
            deadline = time.time() + TIMEOUT
            while len(rest) < 4 and time.time() < deadline:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                rest += chunk
            self.assertEqual(rest[0], 0x88)
            self.assertEqual(int.from_bytes(rest[2:4], 'big'), 1002)
        finally:
            sock.close()
        self.assertTrue(self.ended.wait(TIMEOUT))

    def test_plain_http_request_to_websocket_route(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
                                          timeout=TIMEOUT)
        try:
            conn.request('GET', '/echo')
            res = conn.getresponse()
            self.assertEqual(res.status, 400)
            self.assertIn(b'Upgrade', res.read())
        finally:
            conn.close()
        self.assertFalse(self.ended.is_set())


class TestWebSocketTimeoutsRealSocket(unittest.TestCase):
    """Closing handshakes, stalls and idle connections over a real socket:
    the server must end each connection promptly, and keep serving."""
    SETTINGS = ('frame_timeout', 'ping_interval', 'idle_timeout',
                'close_timeout', 'max_message_length')

    def setUp(self):
        self.saved = {name: getattr(WebSocket, name)
                      for name in self.SETTINGS}
        self.ended = []
        app = Microdot()

        @app.route('/echo')
        @with_websocket
        async def echo(request, ws):
            try:
                while True:
                    await ws.send(await ws.receive())
            except WebSocketError as exc:
                self.ended.append(str(exc))
                raise

        @app.route('/')
        async def index(request):
            return 'still here'

        self.server = LiveServer(app).start()

    def tearDown(self):
        for name, value in self.saved.items():
            setattr(WebSocket, name, value)
        self.server.stop()

    def _open(self):
        sock = socket.create_connection(('127.0.0.1', self.server.port),
                                        timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(('GET /echo HTTP/1.1\r\nHost: x\r\n'
                      'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                      'Sec-WebSocket-Key: {}\r\n'
                      'Sec-WebSocket-Version: 13\r\n\r\n').format(
                          key).encode())
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = sock.recv(4096)
            self.assertTrue(chunk)
            data += chunk
        head, _, rest = data.partition(b'\r\n\r\n')
        self.assertTrue(head.startswith(b'HTTP/1.1 101 '))
        self.assertEqual(rest, b'')
        return sock

    def _until_eof(self, sock, reply_to_close=False):
        # the frames the server sends until it closes the connection, and
        # the seconds that took
        start = time.monotonic()
        data = b''
        replied = False
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return _parse_frames(data), time.monotonic() - start
            data += chunk
            if reply_to_close and not replied and data[:1] == b'\x88':
                sock.sendall(_frame(WebSocket.CLOSE, data[2:4]))
                replied = True

    def _assert_still_serving(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
                                          timeout=TIMEOUT)
        try:
            conn.request('GET', '/')
            res = conn.getresponse()
            self.assertEqual((res.status, res.read()), (200, b'still here'))
        finally:
            conn.close()

    def test_refused_close_frame_ends_the_connection_at_once(self):
        # the client's close frame carries an invalid code: the server
        # answers 1002 and closes the TCP connection without waiting
        # close_timeout (2 s) for a second close frame
        with self._open() as sock:
            sock.sendall(_frame(WebSocket.CLOSE, (0).to_bytes(2, 'big')))
            frames, elapsed = self._until_eof(sock)
        self.assertEqual(len(frames), 1)
        self.assertEqual(frames[0][1], WebSocket.CLOSE)
        self.assertEqual(frames[0][2][:2], (1002).to_bytes(2, 'big'))
        self.assertLess(elapsed, 1)

    def test_refused_frame_payload_is_skipped_before_the_close(self):
        # a continuation frame with nothing to continue: its payload is
        # skipped, the client's close answer found, the connection ended
        with self._open() as sock:
            sock.sendall(_frame(WebSocket.CONT, 'orphan payload ' * 5))
            frames, elapsed = self._until_eof(sock, reply_to_close=True)
        self.assertEqual([(f[1], f[2][:2]) for f in frames],
                         [(WebSocket.CLOSE, (1002).to_bytes(2, 'big'))])
        self.assertLess(elapsed, 1)

    def test_stall_inside_a_frame_is_dropped(self):
        WebSocket.frame_timeout = 0.2
        for cut in (1, 2, 6):
            with self._open() as sock:
                sock.sendall(_frame(WebSocket.TEXT, 'ok'))
                sock.sendall(_frame(WebSocket.TEXT, 'x' * 300)[:cut])
                frames, elapsed = self._until_eof(sock)
            self.assertEqual(frames[0], (True, WebSocket.TEXT, b'ok'))
            self.assertEqual(frames[1][1], WebSocket.CLOSE)
            self.assertEqual(frames[1][2], (1001).to_bytes(2, 'big') +
                             b'Frame timeout')
            self.assertEqual(len(frames), 2)
            self.assertLess(elapsed, 2)
        self.assertEqual(self.ended, ['Frame timeout'] * 3)
        self._assert_still_serving()

    def test_slow_but_steady_large_frame_is_not_a_stall(self):
        # each 64 KB piece arrives within frame_timeout, the whole frame
        # takes longer than twice that
        WebSocket.frame_timeout = 0.3
        WebSocket.max_message_length = 1024 * 1024
        data = os.urandom(6 * 65536)
        frame = _frame(WebSocket.BINARY, data)
        with self._open() as sock:
            start = time.monotonic()
            for i in range(0, len(frame), 65536):
                sock.sendall(frame[i:i + 65536])
                time.sleep(0.12)
            self.assertGreater(time.monotonic() - start, 0.7)
            sock.sendall(_frame(WebSocket.CLOSE, (1000).to_bytes(2, 'big')))
            frames, _ = self._until_eof(sock)
        self.assertEqual(frames[0], (True, WebSocket.BINARY, data))
        self.assertEqual(frames[1][1], WebSocket.CLOSE)

    def test_pings_keep_a_quiet_live_client(self):
        WebSocket.ping_interval = 0.1
        WebSocket.idle_timeout = 0.4
        url = 'ws://127.0.0.1:{}/echo'.format(self.server.port)
        # the client answers PINGs by itself, in its background thread
        with connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT,
                     ping_interval=None) as ws:
            ws.send('hello')
            self.assertEqual(ws.recv(TIMEOUT), 'hello')
            time.sleep(1.2)
            ws.send('still here')
            self.assertEqual(ws.recv(TIMEOUT), 'still here')
        self.assertEqual(ws.close_code, 1000)

    def test_idle_client_that_does_not_answer_is_dropped(self):
        WebSocket.ping_interval = 0.1
        WebSocket.idle_timeout = 0.4
        WebSocket.close_timeout = 0.2
        with self._open() as sock:
            sock.sendall(_frame(WebSocket.TEXT, 'hi'))
            frames, elapsed = self._until_eof(sock)
        self.assertEqual(frames[0], (True, WebSocket.TEXT, b'hi'))
        pings = frames[1:-1]
        self.assertGreaterEqual(len(pings), 2)
        self.assertTrue(all(f == (True, WebSocket.PING, b'')
                            for f in pings), pings)
        self.assertEqual(frames[-1][2], (1001).to_bytes(2, 'big') +
                         b'Idle timeout')
        self.assertLess(elapsed, 3)
        self.assertEqual(self.ended, ['Idle timeout'])
        self._assert_still_serving()

    def test_idle_timeout_without_pings(self):
        WebSocket.idle_timeout = 0.3
        WebSocket.close_timeout = 0.2
        # without frame_timeout, the idle timer runs in a handler that the
        # server may not have given a task yet
        for frame_timeout in (30, None):
            WebSocket.frame_timeout = frame_timeout
            with self._open() as sock:
                frames, elapsed = self._until_eof(sock, reply_to_close=True)
            self.assertEqual(frames, [(True, WebSocket.CLOSE,
                                       (1001).to_bytes(2, 'big') +
                                       b'Idle timeout')])
            self.assertGreater(elapsed, 0.25)
            self.assertLess(elapsed, 2)
        self.assertEqual(self.ended, ['Idle timeout'] * 2)


if __name__ == '__main__':
    unittest.main()
