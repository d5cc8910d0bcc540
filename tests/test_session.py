import asyncio
import binascii
import time
import unittest

from microdot import Microdot
from microdot import _jwt
from microdot.session import Session, SessionDict, with_session
from microdot.test_client import TestClient


def _run(coro):
    return asyncio.run(coro)


def _hex(data):
    return binascii.hexlify(data).decode()


class TestJWT(unittest.TestCase):
    def test_hmac_rfc4231(self):
        # test cases 1, 2 and 6 of RFC 4231 (6: a key longer than a block)
        self.assertEqual(
            _hex(_jwt.hmac_sha256(b'\x0b' * 20, b'Hi There')),
            'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7')
        self.assertEqual(
            _hex(_jwt.hmac_sha256('Jefe', b'what do ya want for nothing?')),
            '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
        self.assertEqual(
            _hex(_jwt.hmac_sha256(
                b'\xaa' * 131,
                b'Test Using Larger Than Block-Size Key - Hash Key First')),
            '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54')

    def test_round_trip(self):
        token = _jwt.encode({'a': 1, 'b': 'x\u00e9'}, 'key')
        self.assertEqual(token.count('.'), 2)
        self.assertEqual(_jwt.decode(token, 'key', algorithms=['HS256']),
                         {'a': 1, 'b': 'x\u00e9'})
        self.assertEqual(_jwt.decode(token.encode(), b'key'),
                         {'a': 1, 'b': 'x\u00e9'})

    def test_known_token(self):
        # made by PyJWT: jwt.encode({'user': 'susan'}, 'secret')
        token = ('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoic3VzYW4'
                 'ifQ.j-_B4bSsYah6xFjI6mflboEq8KQzPVQnc3w4GiCeseE')
        self.assertEqual(_jwt.decode(token, 'secret'), {'user': 'susan'})
        with self.assertRaises(_jwt.InvalidTokenError):
            _jwt.decode(token, 'secreT')

    def test_expiry_and_not_before(self):
        token = _jwt.encode({'exp': 1000, 'nbf': 500}, 'k')
        self.assertEqual(_jwt.decode(token, 'k', now=999),
                         {'exp': 1000, 'nbf': 500})
        self.assertEqual(_jwt.decode(token, 'k', now=500)['exp'], 1000)
        for now in (1000, 1001, 499):
            with self.assertRaises(_jwt.InvalidTokenError):
                _jwt.decode(token, 'k', now=now)
        token = _jwt.encode({'exp': time.time() - 1}, 'k')
        with self.assertRaises(_jwt.InvalidTokenError):
            _jwt.decode(token, 'k')
        token = _jwt.encode({'exp': time.time() + 60}, 'k')
        self.assertIn('exp', _jwt.decode(token, 'k'))

    def test_invalid_tokens(self):
        good = _jwt.encode({'a': 1}, 'k')
        head, body, sig = good.split('.')
        alg_none = _jwt._b64encode(b'{"alg":"none","typ":"JWT"}')
        not_object = _jwt._b64encode(b'[1, 2]')
        bad_claim = _jwt._b64encode(b'{"exp": "soon"}')
        cases = [
            '', 'abc', 'a.b', 'a.b.c', 'a.b.c.d', good + 'x', good[:-2],
            head + '.' + body + '.',
            head + '.' + body + '.' + sig[1:] + sig[0],
            alg_none + '.' + body + '.', alg_none + '.' + body + '.' + sig,
            head + '.' + body[:-1] + '.' + sig, head + '.!!.' + sig,
            head + '.' + body + '.' + sig + '=',
            '\u00e9.\u00e9.\u00e9', b'\xff.\xff.\xff', 42, None,
        ]
        for token in cases:
            with self.assertRaises(_jwt.InvalidTokenError):
                _jwt.decode(token, 'k')
        for payload in (not_object, bad_claim):
            signing = (head + '.' + payload).encode()
            token = head + '.' + payload + '.' + _jwt._b64encode(
                _jwt.hmac_sha256('k', signing))
            with self.assertRaises(_jwt.InvalidTokenError):
                _jwt.decode(token, 'k')

    def test_misuse(self):
        with self.assertRaises(ValueError):
            _jwt.encode({'a': 1}, 'k', algorithm='HS512')
        with self.assertRaises(ValueError):
            _jwt.encode({'a': 1}, '')
        with self.assertRaises(TypeError):
            _jwt.encode([1], 'k')
        with self.assertRaises(ValueError):
            _jwt.decode('a.b.c', 'k', algorithms=['RS256'])
        with self.assertRaises(ValueError):
            _jwt.decode('a.b.c', None)


KEY = 'top-secret-key-for-the-session-tests'


def make_app(secret_key=KEY, cookie_options=None):
    app = Microdot()
    Session(app, secret_key=secret_key, cookie_options=cookie_options)

    @app.get('/')
    @with_session
    async def index(request, session):
        return {'session': {k: v for k, v in session.items()},
                'is_dict': isinstance(session, SessionDict)}

    @app.post('/set/<key>/<value>')
    @with_session
    def set_value(request, session, key, value):
        session[key] = value
        session.save()
        return 'ok'

    @app.post('/twice')
    @with_session
    async def twice(request, session):
        session['n'] = 1
        session.save()
        session['n'] = 2
        session.save()
        return 'ok'

    @app.post('/save-then-delete')
    @with_session
    async def save_then_delete(request, session):
        session['n'] = 1
        session.save()
        session.delete()
        return 'ok'

    @app.post('/delete')
    @with_session
    async def delete(request, session):
        session.delete()
        return 'ok'

    @app.get('/same')
    async def same(request):
        s = request.app._session
        return str(s.get(request) is s.get(request))

    return app


class TestSession(unittest.TestCase):
    def test_save_and_read_back(self):
        app = make_app()
        client = TestClient(app)

        async def run():
            res = await client.get('/')
            self.assertEqual(res.json, {'session': {}, 'is_dict': True})
            self.assertNotIn('Set-Cookie', res.headers)
            res = await client.post('/set/name/susan')
            cookie = res.headers['Set-Cookie']
            self.assertEqual(len(cookie), 1)
            self.assertTrue(cookie[0].startswith('session='))
            self.assertIn('Path=/', cookie[0])
            self.assertIn('HttpOnly', cookie[0])
            await client.post('/set/color/blue')
            res = await client.get('/')
            self.assertEqual(res.json['session'],
                             {'name': 'susan', 'color': 'blue'})
            res = await client.post('/delete')
            self.assertIn('Max-Age=0', res.headers['Set-Cookie'][0])
            self.assertNotIn('session', client.cookies)
            res = await client.get('/')
            self.assertEqual(res.json['session'], {})
        _run(run())

    def test_one_cookie_per_request(self):
        client = TestClient(make_app())

        async def run():
            res = await client.post('/twice')
            self.assertEqual(len(res.headers['Set-Cookie']), 1)
            res = await client.get('/')
            self.assertEqual(res.json['session'], {'n': 2})
            res = await client.post('/save-then-delete')
            self.assertEqual(len(res.headers['Set-Cookie']), 1)
            self.assertIn('Max-Age=0', res.headers['Set-Cookie'][0])
            res = await client.get('/')
            self.assertEqual(res.json['session'], {})
        _run(run())

    def test_session_is_cached_per_request(self):
        res = _run(TestClient(make_app()).get('/same'))
        self.assertEqual(res.text, 'True')

    def test_bad_cookies_give_an_empty_session(self):
        app = make_app()
        good = app._session.encode({'name': 'susan'})
        other = Session(secret_key=KEY + '!').encode({'name': 'eve'})
        head, body, sig = good.split('.')
        forged_body = _jwt._b64encode(b'{"name":"admin"}')
        cases = [
            good[:-3] + 'AAA',  # tampered signature
            head + '.' + forged_body + '.' + sig,  # tampered payload
            other,  # signed with another key
            app._session.encode({'name': 'x', 'exp': time.time() - 10}),
            'garbage', '', '...', 'a.b.c', '\u00e9t\u00e9',
        ]
        for cookie in cases:
            client = TestClient(app, cookies={'session': cookie})
            res = _run(client.get('/'))
            self.assertEqual(res.status_code, 200, cookie)
            self.assertEqual(res.json['session'], {}, cookie)
        client = TestClient(app, cookies={'session': good})
        self.assertEqual(_run(client.get('/')).json['session'],
                         {'name': 'susan'})

    def test_expiry_in_session(self):
        app = make_app()
        token = app._session.encode({'a': 1, 'exp': time.time() + 60})
        client = TestClient(app, cookies={'session': token})
        self.assertEqual(_run(client.get('/')).json['session']['a'], 1)

    def test_cookie_options(self):
        app = make_app(cookie_options={'secure': True, 'path': '/app',
                                       'http_only': False})
        res = _run(TestClient(app).post('/set/a/b'))
        cookie = res.headers['Set-Cookie'][0]
        self.assertIn('Path=/app', cookie)
        self.assertIn('Secure', cookie)
        self.assertNotIn('HttpOnly', cookie)

    def test_initialize_later(self):
        app = Microdot()
        options = {'secure': True}
        session = Session(cookie_options=options)
        session.initialize(app, secret_key=KEY)
        self.assertIs(app._session, session)
        self.assertEqual(options, {'secure': True})  # not changed
        self.assertEqual(session.cookie_options,
                         {'secure': True, 'path': '/', 'http_only': True})
        session.initialize(app, cookie_options={'domain': 'x.com'})
        self.assertEqual(session.cookie_options,
                         {'domain': 'x.com', 'path': '/', 'http_only': True})
        token = session.encode({'a': 1})
        self.assertEqual(session.decode(token), {'a': 1})
        self.assertEqual(session.decode(token, secret_key=KEY + 'x'), {})
        token = session.encode({'a': 2}, secret_key='explicit-' + KEY)
        self.assertEqual(session.decode(token, secret_key='explicit-' + KEY),
                         {'a': 2})
        self.assertEqual(session.decode(token), {})

    def test_misuse(self):
        app = make_app(secret_key=None)
        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 500)
        with self.assertRaises(ValueError):
            Session().encode({'a': 1})
        with self.assertRaises(ValueError):
            Session().decode('a.b.c')
        with self.assertRaises(TypeError):
            Session(secret_key=1234).encode({'a': 1})

        plain = Microdot()

        @plain.get('/')
        @with_session
        async def index(request, session):
            return 'never'
        res = _run(TestClient(plain).get('/'))
        self.assertEqual(res.status_code, 500)
