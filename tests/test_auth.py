import asyncio
import binascii
import unittest

from microdot import Microdot
from microdot.auth import BasicAuth, TokenAuth
from microdot.test_client import TestClient


def _run(coro):
    return asyncio.run(coro)


def basic(user, password):
    raw = '{}:{}'.format(user, password).encode()
    return 'Basic ' + binascii.b2a_base64(raw).decode().strip()


def make_app(auth):
    app = Microdot()

    @app.get('/')
    @auth
    async def index(request, **kwargs):
        return 'hello ' + request.g.current_user

    @app.get('/sync/<int:n>')
    @auth
    def sync_route(request, n):
        return '{} {}'.format(request.g.current_user, n + 1)

    @app.get('/optional')
    @auth.optional
    async def optional(request):
        return 'hi ' + str(request.g.current_user)

    return app


def get(app, url, authorization=None, headers=None):
    h = dict(headers or {})
    if authorization:
        h['Authorization'] = authorization
    return _run(TestClient(app).get(url, headers=h))


class TestBasicAuth(unittest.TestCase):
    def setUp(self):
        self.auth = BasicAuth()
        self.calls = []

        @self.auth.authenticate
        async def check(request, username, password):
            self.calls.append((username, password))
            if username == 'susan' and password == 'h:llo w\u00f6rld':
                return username
        self.check = check
        self.app = make_app(self.auth)

    def test_decorator_returns_the_function(self):
        self.assertEqual(self.check.__name__, 'check')

    def test_valid_credentials(self):
        res = get(self.app, '/', basic('susan', 'h:llo w\u00f6rld'))
        self.assertEqual((res.status_code, res.text), (200, 'hello susan'))
        self.assertEqual(self.calls, [('susan', 'h:llo w\u00f6rld')])
        res = get(self.app, '/sync/41', basic('susan', 'h:llo w\u00f6rld'))
        self.assertEqual(res.text, 'susan 42')
        auth = 'bAsIc ' + basic('susan', 'h:llo w\u00f6rld')[6:]
        self.assertEqual(get(self.app, '/', auth).status_code, 200)

    def test_rejected(self):
        cases = [None, basic('susan', 'wrong'), basic('bob', 'h:llo'),
                 'Basic', 'Basic !!!notbase64', 'Basic ' + 'bm9jb2xvbg==',
                 'Basic /w==', 'Bearer abc', 'Digest x=1']
        for value in cases:
            res = get(self.app, '/', value)
            self.assertEqual(res.status_code, 401, value)
            self.assertEqual(res.body, b'')
            self.assertEqual(res.headers['WWW-Authenticate'],
                             'Basic realm="Please login", charset="UTF-8"')
        # the callback only ran for well-formed credentials
        self.assertEqual(self.calls, [('susan', 'wrong'), ('bob', 'h:llo')])

    def test_challenge_options(self):
        auth = BasicAuth(realm='Staff', charset='latin-1', scheme='XBasic',
                         error_status=403)
        auth.authenticate(lambda request, u, p: None)
        res = get(make_app(auth), '/', basic('a', 'b'))
        self.assertEqual(res.status_code, 403)
        self.assertEqual(res.headers['WWW-Authenticate'],
                         'XBasic realm="Staff", charset="latin-1"')

    def test_optional(self):
        res = get(self.app, '/optional')
        self.assertEqual(res.text, 'hi None')
        res = get(self.app, '/optional', basic('susan', 'nope'))
        self.assertEqual(res.text, 'hi None')
        res = get(self.app, '/optional', basic('susan', 'h:llo w\u00f6rld'))
        self.assertEqual(res.text, 'hi susan')

    def test_custom_error_handlers(self):
        @self.auth.errorhandler
        async def async_error(request):
            return {'error': 'who are you?'}, 401
        res = get(self.app, '/')
        self.assertEqual((res.status_code, res.json),
                         (401, {'error': 'who are you?'}))

        @self.auth.errorhandler
        def sync_error(request):
            return 'go away', 418
        self.assertEqual(sync_error.__name__, 'sync_error')
        res = get(self.app, '/')
        self.assertEqual((res.status_code, res.text), (418, 'go away'))

    def test_no_callback(self):
        app = make_app(BasicAuth())
        self.assertEqual(get(app, '/', basic('a', 'b')).status_code, 500)
        self.assertEqual(get(app, '/').status_code, 401)


class TestTokenAuth(unittest.TestCase):
    def setUp(self):
        self.auth = TokenAuth()

        @self.auth.authenticate
        def check(request, token):
            return {'t0ken': 'susan'}.get(token)
        self.app = make_app(self.auth)

    def test_valid_token(self):
        for value in ('Bearer t0ken', 'bearer t0ken', 'BEARER   t0ken '):
            res = get(self.app, '/', value)
            self.assertEqual((res.status_code, res.text),
                             (200, 'hello susan'), value)

    def test_rejected(self):
        for value in (None, 'Bearer bad', 'Basic t0ken', 'Bearer', 't0ken'):
            res = get(self.app, '/', value)
            self.assertEqual(res.status_code, 401, value)
            self.assertNotIn('WWW-Authenticate', res.headers)

    def test_custom_header_and_scheme(self):
        auth = TokenAuth(header='X-API-Key', error_status=403)
        auth.authenticate(lambda request, token: token == 'k' and 'api')
        app = make_app(auth)
        res = get(app, '/', headers={'X-API-Key': 'k'})
        self.assertEqual(res.text, 'hello api')
        res = get(app, '/', headers={'X-API-Key': 'Bearer k'})
        self.assertEqual(res.status_code, 403)
        self.assertEqual(get(app, '/', 'Bearer k').status_code, 403)

        auth = TokenAuth(scheme='Token')
        auth.authenticate(lambda request, token: token == 'k' and 'tok')
        app = make_app(auth)
        self.assertEqual(get(app, '/', 'token k').text, 'hello tok')
        self.assertEqual(get(app, '/', 'Bearer k').status_code, 401)

    def test_optional(self):
        self.assertEqual(get(self.app, '/optional').text, 'hi None')
        self.assertEqual(get(self.app, '/optional', 'Bearer no').text,
                         'hi None')
        self.assertEqual(get(self.app, '/optional', 'Bearer t0ken').text,
                         'hi susan')

    def test_async_error_handler(self):
        @self.auth.errorhandler
        async def error(request):
            await asyncio.sleep(0)
            return 'token please', 401
        res = get(self.app, '/', 'Bearer bad')
        self.assertEqual((res.status_code, res.text), (401, 'token please'))
