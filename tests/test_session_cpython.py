"""Sessions, logins and authentication against real PyJWT, and over a real
socket to the embedded server with http.client."""
import asyncio
import base64
import hashlib
import hmac
import http.client
import time
import unittest
import warnings

import jwt
from hypothesis import given, settings, strategies as st

from microdot import Microdot, _jwt
from microdot import session as session_module
from microdot.auth import BasicAuth, TokenAuth
from microdot.login import Login
from microdot.session import Session, with_session
from microdot.test_client import TestClient
from live_server import LiveServer

KEY = 'a-secret-key-long-enough-for-pyjwt-with-every-hmac-algorithm-0123456789'


def _run(coro):
    return asyncio.run(coro)


class TestPyJWTInterop(unittest.TestCase):
    def setUp(self):
        # the expiry is computed when each test runs, not when the module
        # is collected (a long suite would otherwise outlive it)
        self.payloads = [{}, {'a': 1},
                         {'user': 'susan', 'n': [1, 2.5, None, True]},
                         {'text': 'caf\u00e9 \u2603',
                          'exp': int(time.time()) + 60}]

    def test_ours_verify_with_pyjwt(self):
        for payload in self.payloads:
            token = _jwt.encode(payload, KEY)
            self.assertEqual(jwt.decode(token, KEY, algorithms=['HS256']),
                             payload)

    def test_pyjwt_verify_with_ours(self):
        for payload in self.payloads:
            token = jwt.encode(payload, KEY, algorithm='HS256')
            self.assertEqual(_jwt.decode(token, KEY), payload)
            self.assertEqual(_jwt.decode(token, KEY.encode()), payload)

    def test_rejections_agree(self):
        now = time.time()
        cases = [
            jwt.encode({'a': 1, 'exp': now - 1}, KEY),  # expired
            jwt.encode({'a': 1, 'nbf': now + 60}, KEY),  # not yet valid
            jwt.encode({'a': 1}, KEY + '!'),  # another key
            jwt.encode({'a': 1}, KEY)[:-4] + 'AAAA',  # tampered
            jwt.encode({'a': 1}, KEY, algorithm='HS512'),  # another alg
        ]
        for token in cases:
            with self.assertRaises(jwt.PyJWTError):
                jwt.decode(token, KEY, algorithms=['HS256'])
            with self.assertRaises(_jwt.InvalidTokenError):
                _jwt.decode(token, KEY)

    @settings(max_examples=200, deadline=None)
    @given(key=st.binary(min_size=1, max_size=200), msg=st.binary())
    def test_hmac_matches_stdlib(self, key, msg):
        self.assertEqual(_jwt.hmac_sha256(key, msg),
                         hmac.new(key, msg, hashlib.sha256).digest())

    @settings(max_examples=100, deadline=None)
    @given(st.dictionaries(st.text(max_size=10),
                           st.one_of(st.integers(-10**6, 10**6),
                                     st.text(max_size=20), st.booleans(),
                                     st.none()), max_size=5))
    def test_any_payload_round_trips(self, payload):
        payload.pop('exp', None)
        payload.pop('nbf', None)
        payload.pop('iat', None)
        self.assertEqual(jwt.decode(_jwt.encode(payload, KEY), KEY,
                                    algorithms=['HS256']), payload)
        self.assertEqual(_jwt.decode(jwt.encode(payload, KEY), KEY), payload)


def make_app():
    app = Microdot()
    Session(app, secret_key=KEY)

    @app.get('/')
    @with_session
    async def index(request, session):
        return {k: v for k, v in session.items()}

    @app.post('/save')
    @with_session
    async def save(request, session):
        session['user'] = 'susan'
        session.save()
        return 'ok'

    return app


class TestSessionBackends(unittest.TestCase):
    def tearDown(self):
        session_module._pyjwt = jwt

    def _cookie_from(self, use_pyjwt):
        session_module._pyjwt = jwt if use_pyjwt else None
        client = TestClient(make_app())
        _run(client.post('/save'))
        return client.cookies['session']

    def test_cookies_cross_backends(self):
        for made_with in (True, False):
            cookie = self._cookie_from(made_with)
            for read_with in (True, False):
                session_module._pyjwt = jwt if read_with else None
                client = TestClient(make_app(), cookies={'session': cookie})
                self.assertEqual(_run(client.get('/')).json,
                                 {'user': 'susan'})

    def test_bad_cookies_with_pyjwt(self):
        now = time.time()
        head, body, sig = jwt.encode({'user': 'susan'}, KEY).split('.')
        forged = base64.urlsafe_b64encode(b'{"user":"admin"}').rstrip(
            b'=').decode()
        cases = [
            jwt.encode({'user': 'susan', 'exp': now - 5}, KEY),
            jwt.encode({'user': 'susan'}, 'wrong-' + KEY),
            head + '.' + forged + '.' + sig,
            head + '.' + body + '.' + sig[:-2],
            jwt.encode({'user': 'susan'}, KEY, algorithm='HS384'),
            'eyJhbGciOiJub25lIn0.eyJ1c2VyIjoiYWRtaW4ifQ.',  # alg none
        ]
        for use_pyjwt in (True, False):
            session_module._pyjwt = jwt if use_pyjwt else None
            for cookie in cases:
                client = TestClient(make_app(), cookies={'session': cookie})
                res = _run(client.get('/'))
                self.assertEqual((res.status_code, res.json), (200, {}),
                                 cookie)

    @settings(max_examples=150, deadline=None)
    @given(st.text(alphabet=st.characters(
        blacklist_categories=('Cs', 'Cc'), blacklist_characters=';'),
        max_size=200))
    def test_fuzzed_cookies_never_fail(self, cookie):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            session = Session(secret_key=KEY)
            session_module._pyjwt = jwt
            self.assertEqual(session.decode(cookie), {})
            session_module._pyjwt = None
            self.assertEqual(session.decode(cookie), {})


class User:
    def __init__(self, id):
        self.id = id


def make_login_app():
    app = Microdot()
    Session(app, secret_key=KEY)
    login = Login()
    basic = BasicAuth()
    token = TokenAuth()

    @login.user_loader
    async def load(user_id):
        return User(user_id) if user_id == 7 else None

    @basic.authenticate
    def check(request, username, password):
        return username if password == 'pw' else None

    @token.authenticate
    async def check_token(request, value):
        return 'api' if value == 'tok' else None

    @app.post('/login')
    async def do_login(request):
        return await login.login_user(request, User(7),
                                      remember=True)

    @app.get('/me')
    @login
    async def me(request):
        return 'user {}'.format(request.g.current_user.id)

    @app.get('/basic')
    @basic
    async def basic_route(request):
        return 'basic ' + request.g.current_user

    @app.get('/token')
    @token
    async def token_route(request):
        return 'token ' + request.g.current_user

    return app


class TestOverRealSocket(unittest.TestCase):
    def setUp(self):
        self.server = LiveServer(make_login_app()).start()

    def tearDown(self):
        self.server.stop()

    def request(self, method, url, headers=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
                                          timeout=10)
        try:
            conn.request(method, url, headers=headers or {})
            res = conn.getresponse()
            return res.status, res.getheaders(), res.read()
        finally:
            conn.close()

    def test_login_with_cookies(self):
        status, headers, _ = self.request('GET', '/me?x=1')
        self.assertEqual(status, 302)
        self.assertEqual(dict(headers)['Location'], '/login?next=/me%3Fx%3D1')
        status, headers, _ = self.request('POST', '/login?next=/me%3Fx%3D1')
        self.assertEqual(status, 302)
        self.assertEqual(dict(headers)['Location'], '/me?x=1')
        cookies = {}
        for name, value in headers:
            if name.lower() == 'set-cookie':
                k, v = value.split(';')[0].split('=', 1)
                cookies[k] = v
        self.assertEqual(sorted(cookies), ['_remember', 'session'])
        self.assertEqual(jwt.decode(cookies['session'], KEY,
                                    algorithms=['HS256']),
                         {'_user_id': 7, '_fresh': True})
        status, _, body = self.request(
            'GET', '/me', {'Cookie': 'session=' + cookies['session']})
        self.assertEqual((status, body), (200, b'user 7'))
        # only the remember cookie: the login is restored
        status, headers, body = self.request(
            'GET', '/me', {'Cookie': '_remember=' + cookies['_remember']})
        self.assertEqual((status, body), (200, b'user 7'))
        # a tampered cookie is no login, and no error
        status, _, _ = self.request(
            'GET', '/me', {'Cookie': 'session=' + cookies['session'][:-2]})
        self.assertEqual(status, 302)

    def test_basic_and_token(self):
        good = base64.b64encode(b'susan:pw').decode()
        status, _, body = self.request('GET', '/basic',
                                       {'Authorization': 'Basic ' + good})
        self.assertEqual((status, body), (200, b'basic susan'))
        status, headers, _ = self.request('GET', '/basic')
        self.assertEqual(status, 401)
        self.assertEqual(dict(headers)['WWW-Authenticate'],
                         'Basic realm="Please login", charset="UTF-8"')
        status, _, body = self.request('GET', '/token',
                                       {'Authorization': 'Bearer tok'})
        self.assertEqual((status, body), (200, b'token api'))
        status, _, _ = self.request('GET', '/token',
                                    {'Authorization': 'Bearer nope'})
        self.assertEqual(status, 401)
