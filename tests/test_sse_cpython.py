"""Server-Sent Events over real sockets: the embedded server runs in a
thread on 127.0.0.1 (a free port); raw sockets and http.client read the
stream. CPython only."""
import asyncio
import http.client
from contextlib import redirect_stderr
import io
import socket
import threading
import unittest

from microdot import Microdot
from microdot.sse import with_sse
from live_server import LiveServer

TIMEOUT = 10


async def _wait_threading_event(event, timeout=TIMEOUT):
    # an event set by the test thread, polled from the server's loop
    for _ in range(int(timeout * 100)):
        if event.is_set():
            return True
        await asyncio.sleep(0.01)
    return False


class TestSSERealClient(unittest.TestCase):
    def setUp(self):
        self.go = threading.Event()
        self.cancelled = threading.Event()
        self.finished = threading.Event()
        app = Microdot()

        @app.route('/events')
        @with_sse
        async def events(request, sse):
            await sse.send('hello', retry=0.5)
            await sse.send({'n': 1}, event='count', event_id='1')
            await sse.send('ping', comment=True)
            await sse.send('a\nb')

        @app.route('/gated')
        @with_sse
        async def gated(request, sse):
            await sse.send('before')
            if await _wait_threading_event(self.go):
                await sse.send('after')

        @app.route('/forever')
        @with_sse
        async def forever(request, sse):
            try:
                i = 0
                while True:
                    await sse.send(i)
                    i += 1
                    await asyncio.sleep(0.02)
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
            finally:
                self.finished.set()

        @app.route('/broken')
        @with_sse
        async def broken(request, sse):
            raise ValueError('cannot stream')

        @app.route('/late-failure')
        @with_sse
        async def late_failure(request, sse):
            await sse.send('partial')
            await asyncio.sleep(0.01)
            raise ValueError('mid-stream')

        @app.route('/ping')
        async def ping(request):
            return 'pong'

        self.server = LiveServer(app).start()

    def tearDown(self):
        self.go.set()
        self.server.stop()

    def _open(self, path, version='1.0'):
        # HTTP/1.0: the stream goes out as it is, and ends with the
        # connection; HTTP/1.1: chunked, on a persistent connection
        sock = socket.create_connection(('127.0.0.1', self.server.port),
                                        timeout=TIMEOUT)
        sock.sendall('GET {} HTTP/{}\r\nHost: localhost\r\n'
                     'Accept: text/event-stream\r\n\r\n'.format(
                         path, version).encode())
        return sock

    def _read_until(self, sock, data, marker):
        while marker not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data

    def _read_all(self, sock):
        data = b''
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return data
            data += chunk

    def _get(self, path):
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
                                          timeout=TIMEOUT)
        try:
            conn.request('GET', path)
            res = conn.getresponse()
            return res.status, res.read()
        finally:
            conn.close()

    def test_stream_on_the_wire(self):
        sock = self._open('/events')
        try:
            data = self._read_all(sock)
        finally:
            sock.close()
        head, _, body = data.partition(b'\r\n\r\n')
        lines = head.split(b'\r\n')
        self.assertTrue(lines[0].startswith(b'HTTP/1.0 200'))
        self.assertIn(b'Content-Type: text/event-stream', lines)
        self.assertIn(b'Cache-Control: no-cache', lines)
        self.assertFalse([x for x in lines if x.lower().startswith(
            b'content-length')])
        self.assertEqual(body.replace(b'{"n": 1}', b'{"n":1}'),
                         b'retry: 500\ndata: hello\n\n'
                         b'event: count\nid: 1\ndata: {"n":1}\n\n'
                         b': ping\n\n'
                         b'data: a\ndata: b\n\n')

    def test_events_arrive_while_the_handler_runs(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
                                          timeout=TIMEOUT)
        try:
            conn.request('GET', '/gated')
            res = conn.getresponse()
            self.assertEqual(res.status, 200)
            self.assertEqual(res.getheader('Content-Type'),
                             'text/event-stream')
            self.assertEqual(res.getheader('Transfer-Encoding'), 'chunked')
            self.assertEqual(res.readline(), b'data: before\n')
            self.assertEqual(res.readline(), b'\n')
            self.go.set()
            self.assertEqual(res.read(), b'data: after\n\n')
        finally:
            conn.close()

    def test_chunked_stream_on_a_persistent_connection(self):
        sock = self._open('/events', '1.1')
        try:
            data = self._read_until(sock, b'', b'\r\n0\r\n\r\n')
            # the connection stays open for another request
            sock.sendall(b'GET /ping HTTP/1.1\r\nHost: x\r\n\r\n')
            more = self._read_until(sock, b'', b'pong')
        finally:
            sock.close()
        head, _, body = data.partition(b'\r\n\r\n')
        self.assertTrue(head.startswith(b'HTTP/1.1 200 OK\r\n'))
        self.assertIn(b'\r\nTransfer-Encoding: chunked\r\n', head + b'\r\n')
        self.assertTrue(body.startswith(b'18\r\nretry: 500\ndata: hello\n\n'
                                        b'\r\n'), body)
        self.assertTrue(body.endswith(b'\r\n0\r\n\r\n'))
        self.assertTrue(more.startswith(b'HTTP/1.1 200 OK\r\n'))
        self.assertTrue(more.endswith(b'pong'))

    def test_client_disconnect_cancels_the_task(self):
        sock = self._open('/forever')
        try:
            data = self._read_until(sock, b'', b'data: 1\n\n')
            self.assertIn(b'data: 0\n\ndata: 1\n\n', data)
        finally:
            sock.close()
        self.assertTrue(self.finished.wait(TIMEOUT))
        self.assertTrue(self.cancelled.is_set())
        self.assertEqual(self._get('/ping'), (200, b'pong'))

    def test_exception_in_the_event_task_ends_the_stream(self):
        # as in microdot, the failure is raised while the body is sent: the
        # head is out, so the server reports it and closes the connection
        # on HTTP/1.1 the chunked body is left unterminated, which tells
        # the client that the stream broke
        with redirect_stderr(io.StringIO()) as err:
            with self.assertRaises(http.client.IncompleteRead):
                self._get('/broken')
        self.assertIn('ValueError: cannot stream', err.getvalue())
        self.assertEqual(self._get('/ping'), (200, b'pong'))

    def test_exception_mid_stream_ends_the_stream(self):
        sock = self._open('/late-failure')
        try:
            data = self._read_all(sock)
        finally:
            sock.close()
        self.assertTrue(data.startswith(b'HTTP/1.0 200'))
        self.assertTrue(data.endswith(b'\r\n\r\ndata: partial\n\n'))
        self.assertEqual(self._get('/ping'), (200, b'pong'))


if __name__ == '__main__':
    unittest.main()
