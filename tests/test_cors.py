import asyncio
import unittest

from microdot import Microdot, Response
from microdot.cors import CORS
from microdot.test_client import TestClient


def _run(coro):
    return asyncio.run(coro)


def _app(**kwargs):
    app = Microdot()

    @app.route('/', methods=['GET', 'POST'])
    def index(request):
        return 'index'

    @app.get('/vary')
    def vary(request):
        return 'vary', {'Vary': 'Accept-Encoding'}

    @app.get('/vary-origin')
    def vary_origin(request):
        return 'vary', {'Vary': 'origin'}

    @app.get('/vary-star')
    def vary_star(request):
        return 'vary', {'Vary': '*'}

    @app.get('/boom')
    def boom(request):
        raise RuntimeError('boom')

    cors = CORS(app, **kwargs)
    return app, cors


ORIGIN = 'https://example.com'
OTHER = 'https://evil.example'


class TestCORSOrigins(unittest.TestCase):
    def test_allowed_origin(self):
        app, _ = _app(allowed_origins=[ORIGIN])
        client = TestClient(app)
        res = _run(client.get('/', headers={'Origin': ORIGIN}))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'index')
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], ORIGIN)
        self.assertEqual(res.headers['Vary'], 'Origin')
        self.assertNotIn('Access-Control-Allow-Credentials', res.headers)
        self.assertNotIn('Access-Control-Expose-Headers', res.headers)

    def test_origin_not_allowed(self):
        app, _ = _app(allowed_origins=[ORIGIN])
        client = TestClient(app)
        res = _run(client.get('/', headers={'Origin': OTHER}))
        self.assertEqual(res.status_code, 200)
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)
        self.assertNotIn('Vary', res.headers)

    def test_no_origin_header(self):
        app, _ = _app(allowed_origins=[ORIGIN])
        res = _run(TestClient(app).get('/'))
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)

    def test_no_allowed_origins(self):
        app, _ = _app()
        res = _run(TestClient(app).get('/', headers={'Origin': ORIGIN}))
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)

    def test_single_origin_string(self):
        # a plain string is one origin, not a set of substrings
        app, cors = _app(allowed_origins=ORIGIN)
        self.assertEqual(cors.allowed_origins, [ORIGIN])
        client = TestClient(app)
        res = _run(client.get('/', headers={'Origin': ORIGIN}))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], ORIGIN)
        res = _run(client.get('/', headers={'Origin': 'https://example'}))
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)

    def test_wildcard_echoes_origin(self):
        app, _ = _app(allowed_origins='*')
        client = TestClient(app)
        res = _run(client.get('/', headers={'Origin': OTHER}))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], OTHER)
        self.assertEqual(res.headers['Vary'], 'Origin')

    def test_wildcard_without_origin(self):
        app, _ = _app(allowed_origins='*')
        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], '*')
        self.assertNotIn('Vary', res.headers)

    def test_credentials(self):
        app, _ = _app(allowed_origins=[ORIGIN], allow_credentials=True)
        client = TestClient(app)
        res = _run(client.get('/', headers={'Origin': ORIGIN}))
        self.assertEqual(res.headers['Access-Control-Allow-Credentials'],
                         'true')
        # never granted to an origin that is not allowed
        res = _run(client.get('/', headers={'Origin': OTHER}))
        self.assertNotIn('Access-Control-Allow-Credentials', res.headers)

    def test_expose_headers(self):
        app, _ = _app(allowed_origins=[ORIGIN],
                      expose_headers=['X-Total', 'X-Page'])
        res = _run(TestClient(app).get('/', headers={'Origin': ORIGIN}))
        self.assertEqual(res.headers['Access-Control-Expose-Headers'],
                         'X-Total, X-Page')

    def test_error_responses_get_headers(self):
        app, _ = _app(allowed_origins=[ORIGIN])
        client = TestClient(app)
        res = _run(client.get('/missing', headers={'Origin': ORIGIN}))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], ORIGIN)
        res = _run(client.get('/boom', headers={'Origin': ORIGIN}))
        self.assertEqual(res.status_code, 500)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], ORIGIN)


class TestCORSUnparsedRequest(unittest.TestCase):
    def test_dispatch_none_request(self):
        app, _ = _app(allowed_origins='*', allow_credentials=True,
                      expose_headers=['X-Id'])
        res = _run(app.dispatch_request(None))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], '*')
        self.assertEqual(res.headers['Access-Control-Allow-Credentials'],
                         'true')
        self.assertEqual(res.headers['Access-Control-Expose-Headers'],
                         'X-Id')

    def test_dispatch_none_request_listed_origins(self):
        app, cors = _app(allowed_origins=[ORIGIN])
        res = _run(app.dispatch_request(None))
        self.assertEqual(res.status_code, 400)
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)
        self.assertEqual(cors.get_cors_headers(None), {})

    def test_malformed_request_through_client(self):
        app, _ = _app(allowed_origins='*')
        res = _run(TestClient(app).request('GET', '/a b c'))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], '*')


class TestCORSVary(unittest.TestCase):
    def test_merges_existing_vary(self):
        app, _ = _app(allowed_origins=[ORIGIN])
        res = _run(TestClient(app).get('/vary', headers={'Origin': ORIGIN}))
        self.assertEqual(res.headers['Vary'], 'Accept-Encoding, Origin')

    def test_vary_kept_when_origin_not_allowed(self):
        app, _ = _app(allowed_origins=[ORIGIN])
        res = _run(TestClient(app).get('/vary', headers={'Origin': OTHER}))
        self.assertEqual(res.headers['Vary'], 'Accept-Encoding')

    def test_no_duplicate_origin(self):
        app, _ = _app(allowed_origins=[ORIGIN])
        res = _run(TestClient(app).get('/vary-origin',
                                       headers={'Origin': ORIGIN}))
        self.assertEqual(res.headers['Vary'], 'origin')

    def test_vary_star_untouched(self):
        app, _ = _app(allowed_origins=[ORIGIN])
        res = _run(TestClient(app).get('/vary-star',
                                       headers={'Origin': ORIGIN}))
        self.assertEqual(res.headers['Vary'], '*')

    def test_after_request_direct(self):
        _, cors = _app(allowed_origins='*')

        class Req:
            method = 'GET'
            headers = {'Origin': ORIGIN}

        res = Response('x', headers={'Vary': 'Cookie, Accept'})
        cors.after_request(Req(), res)
        self.assertEqual(res.headers['Vary'], 'Cookie, Accept, Origin')


class TestCORSPreflight(unittest.TestCase):
    def _preflight(self, app, method='POST', headers=None, path='/'):
        h = {'Origin': ORIGIN, 'Access-Control-Request-Method': method}
        h.update(headers or {})
        return _run(TestClient(app).request('OPTIONS', path, headers=h))

    def test_preflight_defaults(self):
        app, _ = _app(allowed_origins=[ORIGIN])
        res = self._preflight(app, headers={
            'Access-Control-Request-Headers': 'X-Token, Content-Type'})
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], ORIGIN)
        self.assertEqual(res.headers['Access-Control-Allow-Methods'], 'POST')
        self.assertEqual(res.headers['Access-Control-Allow-Headers'],
                         'X-Token, Content-Type')
        self.assertNotIn('Access-Control-Max-Age', res.headers)
        # the application's own OPTIONS answer is kept
        allow = [m.strip() for m in res.headers['Allow'].split(',')]
        self.assertIn('POST', allow)
        self.assertIn('GET', allow)
        self.assertEqual(res.headers['Vary'], 'Origin')

    def test_preflight_method_lowercase(self):
        app, _ = _app(allowed_origins=[ORIGIN], allowed_methods=['put'])
        res = self._preflight(app, method='put')
        self.assertEqual(res.headers['Access-Control-Allow-Methods'], 'PUT')

    def test_preflight_method_allowed_and_refused(self):
        app, _ = _app(allowed_origins=[ORIGIN],
                      allowed_methods=['GET', 'POST'])
        res = self._preflight(app, method='POST')
        self.assertEqual(res.headers['Access-Control-Allow-Methods'], 'POST')
        res = self._preflight(app, method='DELETE')
        self.assertNotIn('Access-Control-Allow-Methods', res.headers)

    def test_preflight_headers_filtered(self):
        app, _ = _app(allowed_origins=[ORIGIN],
                      allowed_headers=['Content-Type', 'X-Token'])
        res = self._preflight(app, headers={
            'Access-Control-Request-Headers': 'x-token, X-Other, '
                                              'content-type'})
        self.assertEqual(res.headers['Access-Control-Allow-Headers'],
                         'x-token, content-type')
        res = self._preflight(app, headers={
            'Access-Control-Request-Headers': 'X-Other'})
        self.assertNotIn('Access-Control-Allow-Headers', res.headers)

    def test_max_age(self):
        app, _ = _app(allowed_origins=[ORIGIN], max_age=600)
        res = self._preflight(app)
        self.assertEqual(res.headers['Access-Control-Max-Age'], '600')
        # only preflights carry it
        res = _run(TestClient(app).get('/', headers={'Origin': ORIGIN}))
        self.assertNotIn('Access-Control-Max-Age', res.headers)

    def test_max_age_zero(self):
        app, _ = _app(allowed_origins=[ORIGIN], max_age=0)
        res = self._preflight(app)
        self.assertEqual(res.headers['Access-Control-Max-Age'], '0')

    def test_max_age_invalid(self):
        with self.assertRaises(ValueError):
            CORS(allowed_origins=[ORIGIN], max_age=-1)
        with self.assertRaises(ValueError):
            CORS(allowed_origins=[ORIGIN], max_age='10')

    def test_preflight_without_options_handler(self):
        app = Microdot()
        app.options_handler = None

        @app.post('/')
        def index(request):
            return 'x'

        CORS(app, allowed_origins=[ORIGIN])
        res = self._preflight(app)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Access-Control-Allow-Methods'], 'POST')
        self.assertNotIn('Allow', res.headers)


class TestCORSInitialize(unittest.TestCase):
    def test_deferred_initialize(self):
        app = Microdot()

        @app.get('/')
        def index(request):
            return 'x'

        cors = CORS(allowed_origins=[ORIGIN])
        res = _run(TestClient(app).get('/', headers={'Origin': ORIGIN}))
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)
        cors.initialize(app)
        res = _run(TestClient(app).get('/', headers={'Origin': ORIGIN}))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], ORIGIN)

    def test_handle_cors_false(self):
        app = Microdot()
        cors = CORS(app, allowed_origins=[ORIGIN], handle_cors=False)

        @app.get('/')
        def index(request):
            return 'x', cors.get_cors_headers(request)

        @app.get('/plain')
        def plain(request):
            return 'x'

        client = TestClient(app)
        res = _run(client.get('/plain', headers={'Origin': ORIGIN}))
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)
        res = _run(client.get('/', headers={'Origin': ORIGIN}))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], ORIGIN)
        self.assertEqual(app.options_handler, app.default_options_handler)
