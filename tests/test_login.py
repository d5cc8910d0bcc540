import asyncio
import time
import unittest

from microdot import Microdot, urlencode
from microdot.login import Login
from microdot.session import Session, with_session
from microdot.test_client import TestClient

KEY = 'top-secret-key-for-the-login-tests!'


def _run(coro):
    return asyncio.run(coro)


def quote(s):
    # percent-encode everything but letters, digits and '/'
    out = ''
    for c in s:
        if c.isalpha() or c.isdigit() or c == '/':
            out += c
        else:
            out += ''.join('%{:02X}'.format(b) for b in c.encode())
    return out


class User:
    def __init__(self, id, name):
        self.id = id
        self.name = name


USERS = {1: User(1, 'susan'), 2: User(2, 'david')}


def make_app(login_url='/login', sync_loader=False):
    app = Microdot()
    Session(app, secret_key=KEY)
    login = Login(login_url=login_url)
    app.loads = []

    if sync_loader:
        @login.user_loader
        def load(user_id):
            app.loads.append(user_id)
            return USERS.get(user_id)
    else:
        @login.user_loader
        async def load(user_id):
            app.loads.append(user_id)
            return USERS.get(user_id)
    app.loader = load

    @app.route(login_url, methods=['GET', 'POST'])
    async def do_login(request):
        user = USERS.get(int(request.args.get('id', '1')))
        remember = request.args.get('remember')
        if remember == 'yes':
            remember = True
        elif remember:
            remember = int(remember)
        res = await login.login_user(request, user, remember=bool(remember)
                                     and remember,
                                     redirect_url='/home')
        # login_user() sets the current user, so no loader call is needed
        res.headers['X-User'] = (await login.get_current_user(request)).name
        return res

    @app.post('/logout')
    @login
    async def logout(request):
        await login.logout_user(request)
        return str(await login.get_current_user(request))

    @app.get('/secret')
    @login
    async def secret(request):
        # the user is loaded once per request
        await login.get_current_user(request)
        return 'secret for ' + request.g.current_user.name

    @app.get('/fresh')
    @login.fresh
    def fresh(request):
        return 'fresh for ' + request.g.current_user.name

    @app.get('/who')
    async def who(request):
        user = await login.get_current_user(request)
        return user.name if user else 'nobody'

    @app.get('/session')
    @with_session
    async def session(request, session):
        return {k: v for k, v in session.items()}

    return app, login


class TestLogin(unittest.TestCase):
    def test_requires_login(self):
        app, _ = make_app()
        res = _run(TestClient(app).get('/secret?a=1&b=2'))
        self.assertEqual(res.status_code, 302)
        self.assertEqual(res.headers['Location'],
                         '/login?next=' + urlencode('/secret?a=1&b=2'))
        self.assertEqual(app.loads, [])
        app, _ = make_app(login_url='/auth/sign-in')
        res = _run(TestClient(app).get('/fresh'))
        self.assertEqual(res.headers['Location'],
                         '/auth/sign-in?next=/fresh')

    def test_login_flow(self):
        app, _ = make_app()
        client = TestClient(app)

        async def run():
            res = await client.get('/secret?x=1')
            res = await client.post(res.headers['Location'])
            self.assertEqual(res.status_code, 302)
            self.assertEqual(res.headers['Location'], '/secret?x=1')
            self.assertEqual(res.headers['X-User'], 'susan')
            self.assertEqual(app.loads, [])
            res = await client.get('/secret?x=1')
            self.assertEqual(res.text, 'secret for susan')
            self.assertEqual(app.loads, [1])
            res = await client.get('/fresh')
            self.assertEqual(res.text, 'fresh for susan')
            res = await client.get('/session')
            self.assertEqual(res.json, {'_user_id': 1, '_fresh': True})
            res = await client.post('/logout')
            self.assertEqual(res.text, 'None')
            self.assertNotIn('_remember', res.text)
            res = await client.get('/session')
            self.assertEqual(res.json, {})
            res = await client.get('/secret')
            self.assertEqual(res.status_code, 302)
            res = await client.get('/who')
            self.assertEqual(res.text, 'nobody')
        _run(run())

    def test_sync_loader_and_redirect_url(self):
        app, _ = make_app(sync_loader=True)
        client = TestClient(app)

        async def run():
            res = await client.post('/login?id=2')
            self.assertEqual(res.headers['Location'], '/home')
            res = await client.get('/who')
            self.assertEqual(res.text, 'david')
        _run(run())

    def test_unknown_user_in_session(self):
        app, _ = make_app()
        token = app._session.encode({'_user_id': 99, '_fresh': True})
        client = TestClient(app, cookies={'session': token})
        res = _run(client.get('/secret'))
        self.assertEqual(res.status_code, 302)
        self.assertEqual(app.loads, [99])

    def test_next_only_local(self):
        app, _ = make_app()
        bad = ['//evil.com', '//evil.com/x', 'http://evil.com',
               'https://evil.com/', '\\\\evil.com', '/\\evil.com',
               '/ok\\..\\x', 'evil.com', 'javascript:alert(1)', '',
               '/a\r\nSet-Cookie: x=1', '/a\tb', ' /x', '///evil.com']
        for url in bad:
            res = _run(TestClient(app).post('/login?next=' + quote(url)))
            self.assertEqual(res.status_code, 302, url)
            self.assertEqual(res.headers['Location'], '/home', url)
        good = ['/', '/a/b?c=d&e=f', '/x#frag', '/%2F%2Fencoded']
        for url in good:
            res = _run(TestClient(app).post('/login?next=' + quote(url)))
            self.assertEqual(res.headers['Location'], url)

    def test_remember_me(self):
        app, _ = make_app()
        client = TestClient(app)

        async def run():
            res = await client.post('/login?remember=yes')
            cookies = res.headers['Set-Cookie']
            self.assertEqual(len(cookies), 2)
            remember = [c for c in cookies if c.startswith('_remember=')][0]
            self.assertIn('Max-Age={}'.format(30 * 24 * 3600), remember)
            self.assertIn('HttpOnly', remember)
            self.assertIn('Path=/', remember)
            # the browser is closed: the session cookie is gone
            del client.cookies['session']
            res = await client.get('/fresh')
            self.assertEqual(res.status_code, 302)
            res = await client.get('/secret')
            self.assertEqual(res.text, 'secret for susan')
            res = await client.get('/session')
            self.assertEqual(res.json, {'_user_id': 1, '_fresh': False})
            res = await client.get('/fresh')
            self.assertEqual(res.status_code, 302)
            self.assertEqual(res.headers['Location'], '/login?next=/fresh')
            # logging in again makes the login fresh
            res = await client.post('/login')
            res = await client.get('/fresh')
            self.assertEqual(res.text, 'fresh for susan')
            # logging out forgets the remember cookie too
            res = await client.post('/logout')
            self.assertNotIn('_remember', client.cookies)
            res = await client.get('/secret')
            self.assertEqual(res.status_code, 302)
        _run(run())

    def test_remember_days(self):
        app, _ = make_app()
        client = TestClient(app)
        res = _run(client.post('/login?remember=2'))
        remember = [c for c in res.headers['Set-Cookie']
                    if c.startswith('_remember=')][0]
        self.assertIn('Max-Age={}'.format(2 * 24 * 3600), remember)
        payload = app._session.decode(client.cookies['_remember'])
        self.assertEqual(payload['days'], 2)
        self.assertEqual(payload['user_id'], 1)
        self.assertTrue(time.time() + 2 * 24 * 3600 - 60 < payload['exp'] <=
                        time.time() + 2 * 24 * 3600)
        # a login restored from the cookie keeps its duration
        del client.cookies['session']
        res = _run(client.get('/secret'))
        remember = [c for c in res.headers['Set-Cookie']
                    if c.startswith('_remember=')][0]
        self.assertIn('Max-Age={}'.format(2 * 24 * 3600), remember)

    def test_bad_remember_cookies(self):
        app, _ = make_app()
        session = app._session
        cases = [
            session.encode({'user_id': 1, 'days': 1,
                            'exp': time.time() - 1}),
            session.encode({'days': 1}),
            Session(secret_key=KEY + 'x').encode({'user_id': 1, 'days': 1}),
            'garbage',
        ]
        for cookie in cases:
            client = TestClient(app, cookies={'_remember': cookie})
            res = _run(client.get('/secret'))
            self.assertEqual(res.status_code, 302, cookie)

    def test_misuse(self):
        app, login = make_app()
        login.user_loader_callback = None
        token = app._session.encode({'_user_id': 1})
        res = _run(TestClient(app, cookies={'session': token}).get('/who'))
        self.assertEqual(res.status_code, 500)
        res = _run(TestClient(app).post('/login?remember=-1'))
        self.assertEqual(res.status_code, 500)
        plain = Microdot()
        plain_login = Login()

        @plain.get('/')
        @plain_login
        async def index(request):
            return 'never'
        res = _run(TestClient(plain).get('/'))
        self.assertEqual(res.status_code, 500)

    def test_fresh_redirect_sets_no_cookie(self):
        # as microdot 2.7: @login.fresh decides from the session alone, so a
        # remember cookie is not turned into a (stale) login on the way to
        # the login page
        app, _ = make_app()
        client = TestClient(app)

        async def run():
            await client.post('/login?remember=yes')
            del client.cookies['session']
            res = await client.get('/fresh')
            self.assertEqual(res.status_code, 302)
            self.assertEqual(res.headers['Location'], '/login?next=/fresh')
            self.assertNotIn('Set-Cookie', res.headers)
            self.assertNotIn('session', client.cookies)
            self.assertEqual(app.loads, [])
            # a route that only needs a login restores it
            res = await client.get('/secret')
            self.assertEqual(res.text, 'secret for susan')
            names = [c.split('=', 1)[0] for c in res.headers['Set-Cookie']]
            self.assertEqual(sorted(names), ['_remember', 'session'])
        _run(run())

    def test_remember_cookie_follows_session_cookie_options(self):
        # a deliberate difference from microdot 2.7, which sets only Max-Age:
        # the remember cookie is a credential that lasts for days, so it
        # takes the session cookie's attributes (HttpOnly, Path=/ by default)
        app = Microdot()
        Session(app, secret_key=KEY, cookie_options={
            'path': '/app', 'domain': 'example.com', 'secure': True})
        login = Login()

        @login.user_loader
        def load(user_id):
            return USERS.get(user_id)

        @app.post('/app/login')
        async def do_login(request):
            return await login.login_user(request, USERS[1], remember=3)

        @app.post('/app/logout')
        async def logout(request):
            await login.logout_user(request)
            return 'bye'

        client = TestClient(app)

        def remember_header(res):
            found = [c for c in res.headers['Set-Cookie']
                     if c.startswith('_remember=')]
            self.assertEqual(len(found), 1)
            return found[0].split('; ')

        async def run():
            res = await client.post('/app/login')
            parts = remember_header(res)
            self.assertEqual(sorted(parts[1:]), sorted([
                'Path=/app', 'Domain=example.com',
                'Max-Age={}'.format(3 * 24 * 3600), 'Secure', 'HttpOnly']))
            self.assertIn('_remember', client.cookies)
            # logging out deletes it with the same Path and Domain (else a
            # browser keeps it) and an empty value instead of a signed token
            res = await client.post('/app/logout')
            parts = remember_header(res)
            self.assertEqual(parts[0], '_remember=')
            self.assertEqual(sorted(parts[1:]), sorted([
                'Path=/app', 'Domain=example.com',
                'Expires=Thu, 01 Jan 1970 00:00:01 GMT', 'Max-Age=0',
                'Secure', 'HttpOnly']))
            self.assertNotIn('_remember', client.cookies)
        _run(run())

    def test_default_remember_cookie_attributes(self):
        app, _ = make_app()
        res = _run(TestClient(app).post('/login?remember=yes'))
        remember = [c for c in res.headers['Set-Cookie']
                    if c.startswith('_remember=')][0].split('; ')
        self.assertEqual(sorted(remember[1:]), [
            'HttpOnly', 'Max-Age={}'.format(30 * 24 * 3600), 'Path=/'])

    def test_user_loader_returns_the_function(self):
        # microdot 2.7's decorator returns None, leaving the decorated name
        # unusable; returning the function changes nothing else
        login = Login()

        def load(user_id):
            return None
        self.assertIs(login.user_loader(load), load)
        self.assertIs(login.user_loader_callback, load)

    def test_user_id_zero(self):
        # microdot 2.7 takes a false user ID for "nobody" and redirects
        app = Microdot()
        Session(app, secret_key=KEY)
        login = Login()
        zero = User(0, 'root')

        @login.user_loader
        def load(user_id):
            return zero if user_id == 0 else None

        @app.post('/login')
        async def do_login(request):
            return await login.login_user(request, zero)

        @app.get('/')
        @login
        async def index(request):
            return 'hello ' + request.g.current_user.name

        client = TestClient(app)

        async def run():
            await client.post('/login')
            res = await client.get('/')
            self.assertEqual(res.text, 'hello root')
        _run(run())
