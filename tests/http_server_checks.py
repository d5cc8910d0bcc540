"""The checks over real sockets that uvicorn serving tests/apps/asgi_app.py
(tests/test_asgi_cpython.py) and gunicorn serving tests/apps/wsgi_app.py
(tests/test_wsgi_cpython.py) must both pass: the routes of
tests/apps/common_routes.py, and the websocket echo of each app. CPython
only; not a test module by itself."""
import hashlib
import http.client
import json
import os
import socket
import time

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect


def http_request(port, method, path, body=None, headers=None, chunked=False):
    """Send one request to 127.0.0.1:``port``; return (status, header list,
    body bytes)."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {},
                     encode_chunked=chunked)
        res = conn.getresponse()
        return res.status, res.getheaders(), res.read()
    finally:
        conn.close()


class HTTPServerChecks:
    """A mixin for a ``unittest.TestCase`` whose ``setUpClass`` starts the
    server and sets ``port``."""
    port = None
    #: the response header names as the server sends them: uvicorn lowercases
    #: them, gunicorn keeps microdot's ('Content-Type')
    header_name = staticmethod(str.lower)

    def get(self, path, **kwargs):
        return http_request(self.port, 'GET', path, **kwargs)

    def header(self, headers, name):
        """The value of the header ``name`` (as ``header_name`` spells it)
        in a header list."""
        return dict(headers)[self.header_name(name)]

    def test_get_and_head(self):
        status, headers, body = self.get('/')
        self.assertEqual((status, body), (200, b'hello'))
        self.assertEqual(self.header(headers, 'content-length'), '5')
        self.assertEqual(self.header(headers, 'content-type'),
                         'text/plain; charset=UTF-8')
        status, headers, body = http_request(self.port, 'HEAD', '/')
        self.assertEqual((status, body), (200, b''))
        self.assertEqual(self.header(headers, 'content-length'), '5')

    def test_errors(self):
        self.assertEqual(self.get('/missing')[:3:2], (404, b'Not found'))
        self.assertEqual(self.get('/only-post')[0], 405)
        self.assertEqual(http_request(self.port, 'POST', '/only-post')[2],
                         b'posted')
        self.assertEqual(self.get('/error')[:3:2],
                         (500, b'Internal server error'))

    def test_post_body_and_json(self):
        status, headers, body = http_request(
            self.port, 'POST', '/echo', body=b'\x00binary\xff',
            headers={'Content-Type': 'application/octet-stream'})
        self.assertEqual((status, body), (200, b'\x00binary\xff'))
        self.assertEqual(self.header(headers, 'content-type'),
                         'application/octet-stream')
        status, _, body = http_request(
            self.port, 'POST', '/json', body=json.dumps({'a': [1, 2]}),
            headers={'Content-Type': 'application/json'})
        self.assertEqual(json.loads(body), {'a': [1, 2], 'seen': True})

    def test_cookies_and_headers(self):
        status, headers, body = self.get(
            '/cookies', headers={'Cookie': 'session=abc; theme=dark'})
        self.assertEqual(json.loads(body),
                         {'got': {'session': 'abc', 'theme': 'dark'}})
        cookies = [v for k, v in headers if k.lower() == 'set-cookie']
        self.assertEqual(cookies, ['one=1', 'two=2; HttpOnly'])
        status, headers, body = self.get('/headers',
                                         headers={'X-Test': 'value'})
        self.assertEqual(body, b'value')
        self.assertEqual(self.header(headers, 'x-reply'), 'yes')

    def upload(self, data, chunked=False):
        if chunked:
            status, _, body = http_request(
                self.port, 'POST', '/upload',
                body=iter([data[:1000], data[1000:]]),
                headers={'Transfer-Encoding': 'chunked'}, chunked=True)
        else:
            status, _, body = http_request(self.port, 'POST', '/upload',
                                           body=data)
        return status, (json.loads(body) if status == 200 else body)

    def test_upload_limits(self):
        def expect(size, source):
            data = os.urandom(size)
            status, info = self.upload(data)
            self.assertEqual(status, 200, size)
            self.assertEqual(info, {
                'source': source, 'size': size,
                'sha256': hashlib.sha256(data).hexdigest()})

        # Request.max_body_length (16 KiB): in the body up to it, then in
        # the stream up to Request.max_content_length (1 MiB in these apps)
        expect(16 * 1024, 'body')
        expect(16 * 1024 + 1, 'stream')
        expect(1024 * 1024, 'stream')
        status, body = self.upload(b'x' * (1024 * 1024 + 1))
        self.assertEqual((status, body), (413, b'Payload too large'))

    def test_chunked_json_reaches_request_json(self):
        # the web server decodes the chunks; the body is read within the
        # same limits as a body with a Content-Length
        status, _, body = http_request(
            self.port, 'POST', '/json',
            body=iter([b'{"a": [1, ', b'2, 3]}']),
            headers={'Transfer-Encoding': 'chunked',
                     'Content-Type': 'application/json'}, chunked=True)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {'a': [1, 2, 3], 'seen': True})

    def test_chunked_upload_over_the_limit_is_413(self):
        status, _, body = http_request(
            self.port, 'POST', '/upload',
            body=iter([b'x' * 600000, b'y' * 600000]),
            headers={'Transfer-Encoding': 'chunked'}, chunked=True)
        self.assertEqual((status, body), (413, b'Payload too large'))

    def test_chunked_upload_is_streamed(self):
        data = os.urandom(50000)
        status, info = self.upload(data, chunked=True)
        self.assertEqual(status, 200)
        self.assertEqual(info['source'], 'stream')
        self.assertEqual(info['sha256'], hashlib.sha256(data).hexdigest())

    def test_streamed_response_arrives_incrementally(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
        try:
            conn.request('GET', '/stream')
            res = conn.getresponse()
            self.assertEqual(res.status, 200)
            self.assertEqual(res.getheader('transfer-encoding'), 'chunked')
            arrivals = []
            while True:
                data = res.read1(65536)
                if not data:
                    break
                arrivals.append((time.monotonic(), data))
        finally:
            conn.close()
        self.assertEqual(b''.join(d for _, d in arrivals),
                         b'chunk0;chunk1;chunk2;')
        self.assertTrue(arrivals[0][1].startswith(b'chunk0;'))
        self.assertGreater(len(arrivals), 1)
        # the route sleeps 0.4 s after each chunk
        self.assertGreater(arrivals[-1][0] - arrivals[0][0], 0.3)

    def test_sse_events_and_disconnect(self):
        before = json.loads(self.get('/forever-status')[2])['sse_cancelled']
        with socket.create_connection(('127.0.0.1', self.port),
                                      timeout=10) as s:
            s.sendall(b'GET /sse HTTP/1.0\r\nHost: x\r\n\r\n')
            received = b''
            # two events (orjson or json may format the data)
            while b'"n":1}' not in received.replace(b' ', b''):
                chunk = s.recv(4096)
                self.assertTrue(chunk)
                received += chunk
            head, _, body = received.partition(b'\r\n\r\n')
            self.assertIn(b'content-type: text/event-stream', head.lower())
            self.assertIn(b'event:count\ndata:{"n":0}\n\n',
                          body.replace(b' ', b''))
        deadline = time.monotonic() + 10
        cancelled = before
        while cancelled == before and time.monotonic() < deadline:
            time.sleep(0.1)
            cancelled = json.loads(
                self.get('/forever-status')[2])['sse_cancelled']
        self.assertEqual(cancelled, before + 1)

    def ws_url(self, path):
        return 'ws://127.0.0.1:{}{}'.format(self.port, path)

    def test_websocket_echo(self):
        with ws_connect(self.ws_url('/ws'), open_timeout=10,
                        close_timeout=5) as ws:
            ws.send('hello')
            self.assertEqual(ws.recv(timeout=10), 'hello')
            ws.send(b'\x00\x01\x02')
            self.assertEqual(ws.recv(timeout=10), b'\x00\x01\x02')
            big = os.urandom(16 * 1024)
            ws.send(big)
            self.assertEqual(ws.recv(timeout=10), big)
            ws.send('bye')
            with self.assertRaises(ConnectionClosed) as cm:
                ws.recv(timeout=10)
            self.assertEqual(cm.exception.rcvd.code, 1000)

    def test_websocket_client_close(self):
        with ws_connect(self.ws_url('/ws'), open_timeout=10,
                        close_timeout=5) as ws:
            ws.send('once')
            self.assertEqual(ws.recv(timeout=10), 'once')
            ws.close()
            self.assertEqual(ws.close_code, 1000)
        self.assertEqual(self.get('/')[2], b'hello')

    def test_websocket_upgrade_after_check(self):
        with self.assertRaises(InvalidStatus) as cm:
            ws_connect(self.ws_url('/ws-auth'), open_timeout=10)
        self.assertEqual(cm.exception.response.status_code, 401)
        with ws_connect(self.ws_url('/ws-auth?token=secret'),
                        open_timeout=10, close_timeout=5) as ws:
            self.assertEqual(ws.recv(timeout=10), 'welcome http')
            with self.assertRaises(ConnectionClosed):
                ws.recv(timeout=10)
