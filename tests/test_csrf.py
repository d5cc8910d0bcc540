import asyncio
import unittest

from microdot import Microdot
from microdot.cors import CORS
from microdot.csrf import CSRF
from microdot.test_client import TestClient


def _run(coro):
    return asyncio.run(coro)


ORIGIN = 'https://example.com'
SELF = 'http://example.com:1234'  # the test client's Host, as an origin


def _app(cors_origins=None, **kwargs):
    app = Microdot()
    cors = None
    if cors_origins is not None:
        cors = CORS(app, allowed_origins=cors_origins)
    csrf = CSRF(app, cors, **kwargs)

    @app.route('/', methods=['GET', 'HEAD', 'POST', 'PUT', 'PATCH',
                             'DELETE'])
    def index(request):
        return 'done ' + request.method

    @app.post('/hook')
    @csrf.exempt
    def hook(request):
        return 'hook'

    @app.post('/form')
    @csrf.protect
    def form(request):
        return 'form'

    return app, csrf


def _send(app, method, headers, path='/'):
    return _run(TestClient(app).request(method, path, headers=headers))


class TestCSRFSecFetchSite(unittest.TestCase):
    def test_safe_methods_never_checked(self):
        app, csrf = _app()
        self.assertEqual(CSRF.SAFE_METHODS, ['GET', 'HEAD', 'OPTIONS'])
        for method in ('GET', 'HEAD', 'OPTIONS'):
            res = _send(app, method, {'Sec-Fetch-Site': 'cross-site',
                                      'Origin': 'https://evil.example'})
            self.assertEqual(res.status_code, 200, method)

    def test_unsafe_cross_site_refused(self):
        app, _ = _app()
        for method in ('POST', 'PUT', 'PATCH', 'DELETE'):
            res = _send(app, method, {'Sec-Fetch-Site': 'cross-site'})
            self.assertEqual(res.status_code, 403, method)
            self.assertEqual(res.text, 'Forbidden')

    def test_same_origin_and_none_pass(self):
        app, _ = _app()
        for value in ('same-origin', 'none', 'Same-Origin'):
            res = _send(app, 'POST', {'Sec-Fetch-Site': value})
            self.assertEqual(res.status_code, 200, value)
            self.assertEqual(res.text, 'done POST')

    def test_same_site_needs_allow_subdomains(self):
        app, _ = _app()
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'same-site'})
        self.assertEqual(res.status_code, 403)
        app, _ = _app(allow_subdomains=True)
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'same-site'})
        self.assertEqual(res.status_code, 200)

    def test_unknown_value_refused(self):
        app, _ = _app()
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'bogus'})
        self.assertEqual(res.status_code, 403)

    def test_neither_header_passes(self):
        app, _ = _app()
        res = _send(app, 'POST', {})
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'done POST')


class TestCSRFOrigin(unittest.TestCase):
    def test_cross_site_with_allowed_origin(self):
        app, _ = _app(cors_origins=[ORIGIN])
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site',
                                  'Origin': ORIGIN})
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], ORIGIN)

    def test_cross_site_with_other_origin(self):
        app, _ = _app(cors_origins=[ORIGIN])
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site',
                                  'Origin': 'https://evil.example'})
        self.assertEqual(res.status_code, 403)

    def test_origin_only_fallback(self):
        # older browsers send Origin but no Sec-Fetch-Site
        app, _ = _app(cors_origins=[ORIGIN])
        self.assertEqual(_send(app, 'POST', {'Origin': ORIGIN}).status_code,
                         200)
        for origin in ('https://evil.example', 'null', 'http://example.com',
                       'https://example.com:8443'):
            res = _send(app, 'POST', {'Origin': origin})
            self.assertEqual(res.status_code, 403, origin)

    def test_own_origin_is_not_trusted_by_itself(self):
        # as in microdot, only the CORS origins are trusted: a browser that
        # sends Origin without Sec-Fetch-Site needs its origin listed
        app, _ = _app()
        res = _send(app, 'POST', {'Origin': SELF})
        self.assertEqual(res.status_code, 403)
        res = _send(app, 'POST', {'Origin': SELF,
                                  'Sec-Fetch-Site': 'cross-site'})
        self.assertEqual(res.status_code, 403)
        res = _send(app, 'POST', {'Origin': SELF,
                                  'Sec-Fetch-Site': 'same-origin'})
        self.assertEqual(res.status_code, 200)
        self.assertIn('Sec-Fetch-Site', res.headers['Vary'])

    def test_no_cors_refuses_foreign_origin(self):
        app, _ = _app()
        res = _send(app, 'POST', {'Origin': ORIGIN})
        self.assertEqual(res.status_code, 403)

    def test_wildcard_cors_trusts_no_origin(self):
        # '*' lets browsers read responses; it does not let any site change
        # state on the user's behalf
        app, _ = _app(cors_origins='*')
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site',
                                  'Origin': 'https://anything.example'})
        self.assertEqual(res.status_code, 403)
        res = _send(app, 'POST', {'Origin': 'https://anything.example'})
        self.assertEqual(res.status_code, 403)

    def test_protect_covers_safe_methods(self):
        app = Microdot()
        csrf = CSRF(app)

        @app.get('/guarded')
        @csrf.protect
        def guarded(request):
            return 'ok'

        client = TestClient(app)
        res = _run(client.get('/guarded',
                              headers={'Sec-Fetch-Site': 'cross-site'}))
        self.assertEqual(res.status_code, 403)
        res = _run(client.get('/guarded',
                              headers={'Sec-Fetch-Site': 'same-origin'}))
        self.assertEqual(res.status_code, 200)
        res = _run(client.get('/guarded'))
        self.assertEqual(res.status_code, 200)

    def test_subdomains(self):
        app, _ = _app(cors_origins=[ORIGIN])
        sub = 'https://api.example.com'
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site',
                                  'Origin': sub})
        self.assertEqual(res.status_code, 403)

        app, _ = _app(cors_origins=[ORIGIN], allow_subdomains=True)
        for origin in (sub, 'https://a.b.example.com'):
            res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site',
                                      'Origin': origin})
            self.assertEqual(res.status_code, 200, origin)
        for origin in ('http://api.example.com',   # other scheme
                       'https://api.example.com:444',  # other port
                       'https://badexample.com',   # not a subdomain
                       'https://example.com.evil.example',
                       'https://.example.com/x', 'example.com'):
            res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site',
                                      'Origin': origin})
            self.assertEqual(res.status_code, 403, origin)

    def test_subdomains_with_port(self):
        app, _ = _app(cors_origins=['http://example.com:8080'],
                      allow_subdomains=True)
        res = _send(app, 'POST', {'Origin': 'http://x.example.com:8080'})
        self.assertEqual(res.status_code, 200)
        res = _send(app, 'POST', {'Origin': 'http://x.example.com'})
        self.assertEqual(res.status_code, 403)


class TestCSRFRoutes(unittest.TestCase):
    def test_exempt_route(self):
        app, csrf = _app()
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site'}, '/hook')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'hook')
        self.assertEqual(len(csrf.exempt_routes), 1)

    def test_protect_all_false(self):
        app, _ = _app(protect_all=False)
        cross = {'Sec-Fetch-Site': 'cross-site'}
        # not decorated: not checked
        self.assertEqual(_send(app, 'POST', cross).status_code, 200)
        self.assertEqual(_send(app, 'POST', cross, '/hook').status_code, 200)
        # decorated with protect: checked
        res = _send(app, 'POST', cross, '/form')
        self.assertEqual(res.status_code, 403)
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'same-origin'}, '/form')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'form')

    def test_protect_all_true_covers_protected(self):
        app, _ = _app()
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site'}, '/form')
        self.assertEqual(res.status_code, 403)

    def test_decorator_outside_route(self):
        app = Microdot()
        csrf = CSRF(app)

        @csrf.exempt
        @app.post('/outer')
        def outer(request):
            return 'outer'

        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site'}, '/outer')
        self.assertEqual(res.status_code, 200)

    def test_not_found_is_not_forbidden(self):
        app, _ = _app()
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site'}, '/nope')
        self.assertEqual(res.status_code, 404)

    def test_decorator_misuse(self):
        csrf = CSRF()
        with self.assertRaises(TypeError):
            csrf.exempt('/path')
        with self.assertRaises(TypeError):
            csrf.protect(None)

    def test_deferred_initialize(self):
        app = Microdot()

        @app.post('/')
        def index(request):
            return 'x'

        cors = CORS(app, allowed_origins=[ORIGIN])
        csrf = CSRF()
        cross = {'Sec-Fetch-Site': 'cross-site', 'Origin': 'https://e.x'}
        self.assertEqual(_send(app, 'POST', cross).status_code, 200)
        csrf.initialize(app, cors)
        self.assertIs(csrf.cors, cors)
        self.assertEqual(_send(app, 'POST', cross).status_code, 403)
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site',
                                  'Origin': ORIGIN})
        self.assertEqual(res.status_code, 200)

    def test_forbidden_has_cors_headers(self):
        app, _ = _app(cors_origins=[ORIGIN])
        res = _send(app, 'POST', {'Sec-Fetch-Site': 'same-site',
                                  'Origin': ORIGIN.replace('https', 'http')})
        self.assertEqual(res.status_code, 403)
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)
        app, _ = _app(cors_origins='*')
        res = _send(app, 'DELETE', {'Sec-Fetch-Site': 'same-site',
                                    'Origin': 'null'})
        self.assertEqual(res.status_code, 403)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], 'null')

    def test_error_handler_for_403(self):
        app, _ = _app()

        @app.errorhandler(403)
        def forbidden(request):
            return {'error': 'csrf'}, 403

        res = _send(app, 'POST', {'Sec-Fetch-Site': 'cross-site'})
        self.assertEqual(res.status_code, 403)
        self.assertEqual(res.json, {'error': 'csrf'})
