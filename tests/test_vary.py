"""The Vary header: merge_vary(), and the names that extensions and routes
note in request.g._vary while a request runs."""
import asyncio
import unittest

from microdot import Microdot
from microdot.microdot import merge_vary
from microdot.session import Session, with_session
from microdot.test_client import TestClient


def _run(coro):
    return asyncio.run(coro)


class TestMergeVary(unittest.TestCase):
    def test_merge(self):
        self.assertEqual(merge_vary(None, 'Origin'), 'Origin')
        self.assertEqual(merge_vary('', ['Cookie']), 'Cookie')
        self.assertEqual(merge_vary('X-Foo, X-Bar', 'Origin'),
                         'X-Foo, X-Bar, Origin')
        self.assertEqual(merge_vary('Origin', 'origin, Cookie'),
                         'Origin, Cookie')
        self.assertEqual(merge_vary('Accept', {'Cookie', 'Origin'}),
                         'Accept, Cookie, Origin')
        self.assertEqual(merge_vary('*', 'Origin'), '*')
        self.assertEqual(merge_vary(' , Accept ,', ' , '), 'Accept')


class TestVaryFromRequest(unittest.TestCase):
    def test_route_and_session_names(self):
        app = Microdot()
        Session(app, secret_key='top-secret')

        @app.get('/noted')
        def noted(request):
            request.g._vary = {'Accept-Language'}
            return 'hi', {'Vary': 'Accept'}

        @app.get('/session')
        @with_session
        def session(request, session):
            return 'hi'

        @app.get('/plain')
        def plain(request):
            return 'hi'

        @app.get('/missing')
        def missing(request):
            request.g._vary = {'Accept-Language'}
            return 'gone', 404

        client = TestClient(app)
        res = _run(client.get('/noted'))
        self.assertEqual(res.headers['Vary'], 'Accept, Accept-Language')
        res = _run(client.get('/session'))
        self.assertEqual(res.headers['Vary'], 'Cookie')
        res = _run(client.get('/plain'))
        self.assertNotIn('Vary', res.headers)
        res = _run(client.get('/missing'))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.headers['Vary'], 'Accept-Language')


if __name__ == '__main__':
    unittest.main()
