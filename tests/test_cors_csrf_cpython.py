# CORS and CSRF over a real socket: the embedded server on 127.0.0.1 (a free
# port) in a thread, and http.client as the client.
import http.client
import unittest

from microdot import Microdot
from microdot.cors import CORS
from microdot.csrf import CSRF
from live_server import LiveServer

ORIGIN = 'https://app.example.com'
TIMEOUT = 5


def _make_app():
    app = Microdot()
    cors = CORS(app, allowed_origins=[ORIGIN], allow_credentials=True,
                allowed_methods=['GET', 'POST'], allowed_headers=['X-Token'],
                expose_headers=['X-Count'], max_age=300)
    csrf = CSRF(app, cors)
    state = {'payments': 0}

    @app.route('/pay', methods=['GET', 'POST'])
    def pay(request):
        if request.method == 'POST':
            state['payments'] += 1
        return 'payments={}'.format(state['payments']), \
            {'X-Count': str(state['payments']), 'Vary': 'Cookie'}

    @app.post('/hook')
    @csrf.exempt
    def hook(request):
        return 'hooked'

    return app, state


class TestCORSCSRFOverSocket(unittest.TestCase):
    def setUp(self):
        self.app, self.state = _make_app()
        self.server = LiveServer(self.app).start()

    def tearDown(self):
        self.server.stop()

    def _request(self, method, path, headers=None, body=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
                                          timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, res.headers, res.read()
        finally:
            conn.close()

    def test_preflight(self):
        status, headers, body = self._request('OPTIONS', '/pay', {
            'Origin': ORIGIN,
            'Access-Control-Request-Method': 'POST',
            'Access-Control-Request-Headers': 'X-Token, X-Secret'})
        self.assertEqual(status, 200)
        self.assertEqual(body, b'')
        self.assertEqual(headers['Access-Control-Allow-Origin'], ORIGIN)
        self.assertEqual(headers['Access-Control-Allow-Methods'], 'POST')
        self.assertEqual(headers['Access-Control-Allow-Headers'], 'X-Token')
        self.assertEqual(headers['Access-Control-Allow-Credentials'], 'true')
        self.assertEqual(headers['Access-Control-Max-Age'], '300')
        self.assertEqual(headers['Vary'], 'Origin')
        self.assertIn('POST', headers['Allow'])

    def test_preflight_refused_method(self):
        status, headers, _ = self._request('OPTIONS', '/pay', {
            'Origin': ORIGIN, 'Access-Control-Request-Method': 'DELETE'})
        self.assertEqual(status, 200)
        self.assertIsNone(headers['Access-Control-Allow-Methods'])

    def test_cross_site_post_refused(self):
        status, headers, body = self._request(
            'POST', '/pay', {'Origin': 'https://evil.example',
                             'Sec-Fetch-Site': 'cross-site',
                             'Content-Type':
                                 'application/x-www-form-urlencoded'},
            body='amount=100')
        self.assertEqual(status, 403)
        self.assertEqual(body, b'Forbidden')
        self.assertIsNone(headers['Access-Control-Allow-Origin'])
        self.assertEqual(self.state['payments'], 0)
        # the server goes on serving
        status, _, body = self._request('GET', '/pay')
        self.assertEqual((status, body), (200, b'payments=0'))

    def test_cross_site_post_from_allowed_origin(self):
        status, headers, body = self._request(
            'POST', '/pay', {'Origin': ORIGIN,
                             'Sec-Fetch-Site': 'cross-site'}, body='x')
        self.assertEqual(status, 200)
        self.assertEqual(body, b'payments=1')
        self.assertEqual(headers['Access-Control-Allow-Origin'], ORIGIN)
        self.assertEqual(headers['Access-Control-Expose-Headers'], 'X-Count')
        self.assertEqual(headers['Vary'], 'Cookie, Origin')

    def test_same_origin_post(self):
        status, _, body = self._request(
            'POST', '/pay', {'Sec-Fetch-Site': 'same-origin'}, body='x')
        self.assertEqual((status, body), (200, b'payments=1'))

    def test_exempt_route(self):
        status, _, body = self._request(
            'POST', '/hook', {'Sec-Fetch-Site': 'cross-site',
                              'Origin': 'https://evil.example'}, body='x')
        self.assertEqual((status, body), (200, b'hooked'))

    def test_malformed_request_gets_400(self):
        import socket
        with socket.create_connection(('127.0.0.1', self.server.port),
                                      timeout=TIMEOUT) as sock:
            sock.sendall(b'NOT A VALID REQUEST LINE\r\n\r\n')
            data = b''
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data.startswith(b'HTTP/1.'), data)
        self.assertIn(b' 400 ', data.split(b'\r\n', 1)[0])
