import asyncio
import sys
import unittest

from microdot import Microdot, Request, URLPattern
from microdot.test_client import TestClient


def _run(coro):
    return asyncio.run(coro)


def make_request(app, method, url):
    return Request(app, None, method, url, '1.0', {})


# routes in the large tables (MicroPython's heap gets fewer)
MANY = 2000 if sys.implementation.name == 'cpython' else 200


class TestRouting(unittest.TestCase):
    def setUp(self):
        self.saved_patterns = dict(URLPattern.segment_patterns)
        self.saved_parsers = dict(URLPattern.segment_parsers)

    def tearDown(self):
        URLPattern.segment_patterns.clear()
        URLPattern.segment_patterns.update(self.saved_patterns)
        URLPattern.segment_parsers.clear()
        URLPattern.segment_parsers.update(self.saved_parsers)

    def test_priority_is_registration_order_across_kinds(self):
        # static, segment, path and regex routes compete in the order they
        # were added, whatever way each one is matched
        app = Microdot()
        names = []

        def add(pattern, name, methods=None):
            def handler(req, **kwargs):
                return name
            app.route(pattern, methods=methods)(handler)
            names.append(name)

        add('/<re:a.*:x>/b', 'regex')
        add('/a/<name>', 'string')
        add('/a/b', 'static')
        add('/<path:p>', 'path')
        client = TestClient(app)
        self.assertEqual(_run(client.get('/a/b')).text, 'regex')
        self.assertEqual(_run(client.get('/a/c')).text, 'string')
        self.assertEqual(_run(client.get('/x/y/z')).text, 'path')
        self.assertEqual(_run(client.get('/')).status_code, 404)

    def test_static_before_dynamic(self):
        app = Microdot()

        @app.get('/users/me')
        def me(req):
            return 'me'

        @app.get('/users/<int:id>')
        def user(req, id):
            return 'user {}'.format(id)

        @app.get('/users/<name>')
        def by_name(req, name):
            return 'name ' + name

        client = TestClient(app)
        self.assertEqual(_run(client.get('/users/me')).text, 'me')
        self.assertEqual(_run(client.get('/users/42')).text, 'user 42')
        self.assertEqual(_run(client.get('/users/bob')).text, 'name bob')
        self.assertEqual(_run(client.get('/users/')).status_code, 404)
        self.assertEqual(_run(client.get('/users')).status_code, 404)

    def test_method_falls_through_to_later_route(self):
        app = Microdot()

        @app.get('/item/<int:id>')
        def get_item(req, id):
            return 'get'

        @app.post('/item/<id>')
        def post_item(req, id):
            return 'post ' + id

        @app.put('/item/<path:p>')
        def put_item(req, p):
            return 'put ' + p

        client = TestClient(app)
        self.assertEqual(_run(client.get('/item/1')).text, 'get')
        self.assertEqual(_run(client.post('/item/1')).text, 'post 1')
        self.assertEqual(_run(client.put('/item/1/2')).text, 'put 1/2')
        self.assertEqual(_run(client.patch('/item/1')).status_code, 405)
        # '/item/x' matches the POST route's path: method not allowed
        self.assertEqual(_run(client.get('/item/x')).status_code, 405)
        self.assertEqual(_run(client.get('/other')).status_code, 404)
        self.assertEqual(_run(client.post('/item/x/y')).status_code, 405)

    def test_405_reports_last_matching_subapp(self):
        sub = Microdot()

        @sub.get('/x')
        def x(req):
            return 'x'

        @sub.errorhandler(405)
        def not_allowed(req):
            return 'sub 405', 405

        app = Microdot()
        app.mount(sub, url_prefix='/s', local=True)
        req = make_request(app, 'POST', '/s/x')
        f, prefix, subapp = app.find_route(req)
        self.assertEqual((f, prefix, subapp), (405, '/s', sub))
        res = _run(TestClient(app).post('/s/x'))
        self.assertEqual(res.text, 'sub 405')

    def test_custom_type_routes(self):
        URLPattern.register_type('hex', '[0-9a-f]+',
                                 parser=lambda v: int(v, 16))
        app = Microdot()

        @app.get('/color/<hex:c>')
        def color(req, c):
            return str(c)

        client = TestClient(app)
        self.assertEqual(_run(client.get('/color/ff')).text, '255')
        self.assertEqual(_run(client.get('/color/zz')).status_code, 404)

    def test_parser_error_is_500(self):
        def bad_parser(value):
            raise RuntimeError('parser failed')

        URLPattern.register_type('bad', parser=bad_parser)
        app = Microdot()

        @app.get('/b/<bad:v>')
        def b(req, v):
            return 'never'

        res = _run(TestClient(app).get('/b/1'))
        self.assertEqual(res.status_code, 500)

    def test_parser_returning_none_is_404(self):
        URLPattern.register_type(
            'small', '[0-9]+', parser=lambda v: int(v) if len(v) < 3 else None)
        app = Microdot()

        @app.get('/n/<small:n>')
        def n(req, n):
            return str(n)

        client = TestClient(app)
        self.assertEqual(_run(client.get('/n/12')).text, '12')
        self.assertEqual(_run(client.get('/n/123')).status_code, 404)

    def test_many_routes(self):
        app = Microdot()
        for i in range(200):
            def handler(req, i=i, **kwargs):
                return '{} {}'.format(i, kwargs)
            if i % 2:
                app.get('/static/{}'.format(i))(handler)
            else:
                app.get('/dyn/{}/<int:n>'.format(i))(handler)
        client = TestClient(app)
        self.assertEqual(_run(client.get('/static/199')).text, '199 {}')
        self.assertEqual(_run(client.get('/dyn/100/7')).text,
                         "100 {'n': 7}")
        self.assertEqual(_run(client.get('/static/200')).status_code, 404)
        self.assertEqual(_run(client.get('/dyn/100/x')).status_code, 404)

    def test_many_segments(self):
        app = Microdot()

        @app.get('/deep/<path:p>/end')
        def deep(req, p):
            return str(len(p.split('/')))

        client = TestClient(app)
        url = '/deep/' + '/'.join(['s'] * 100) + '/end'
        self.assertEqual(_run(client.get(url)).text, '100')
        self.assertEqual(_run(client.get(url + '/x')).status_code, 404)
        # the same shape again comes from the router's cache
        self.assertEqual(_run(client.get(url)).text, '100')

    def test_adjacent_path_segments(self):
        app = Microdot()

        @app.get('/multi/<path:a>/<path:b>/<path:c>/end')
        def multi(req, a, b, c):
            return '{} {} {}'.format(len(a.split('/')), b, c)

        client = TestClient(app)
        self.assertEqual(_run(client.get('/multi/x/y/z/end')).text, '1 y z')
        self.assertEqual(
            _run(client.get('/multi' + '/a' * 900 + '/end')).text,
            '898 a a')
        # this one backtracked for seconds (pure: minutes) before
        self.assertEqual(_run(client.get('/multi' + '/a' * 900)).status_code,
                         404)

    def test_many_routes_of_one_shape(self):
        app = Microdot()

        @app.post('/<path:p>/detail')
        def first(req, p):
            return 'first ' + p

        for k in range(MANY):
            def static(req, k=k):
                return 'static {}'.format(k)

            def item(req, id, k=k):
                return 'item {} {}'.format(k, id)

            app.get('/static{}'.format(k))(static)
            app.get('/items{}/<int:id>/detail'.format(k))(item)

        @app.route('/<kind>/<id>/detail', methods=['GET', 'PUT'])
        def fallback(req, kind, id):
            return 'fallback {} {}'.format(kind, id)

        client = TestClient(app)
        last = MANY - 1
        self.assertEqual(
            _run(client.get('/items{}/7/detail'.format(last))).text,
            'item {} 7'.format(last))
        self.assertEqual(_run(client.get('/static{}'.format(last))).text,
                         'static {}'.format(last))
        self.assertEqual(_run(client.get('/items3/x/detail')).text,
                         'fallback items3 x')
        self.assertEqual(_run(client.put('/items3/7/detail')).text,
                         'fallback items3 7')
        self.assertEqual(_run(client.post('/items3/7/detail')).text,
                         'first items3/7')
        self.assertEqual(_run(client.delete('/items3/7/detail')).status_code,
                         405)
        self.assertEqual(_run(client.get('/items3/7/other')).status_code, 404)
        req = make_request(app, 'GET', '/items{}/5/detail'.format(last))
        handler, prefix, subapp = app.find_route(req)
        self.assertEqual(handler(req, **req.url_args),
                         'item {} 5'.format(last))
        res = _run(client.request('OPTIONS', '/items3/7/detail'))
        self.assertEqual(res.headers['Allow'], 'POST, GET, PUT, HEAD, OPTIONS')

    def test_routes_added_later_are_found(self):
        app = Microdot()

        @app.get('/a/<x>')
        def a(req, x):
            return 'a ' + x

        client = TestClient(app)
        self.assertEqual(_run(client.get('/b/1')).status_code, 404)

        @app.get('/b/<int:x>')
        def b(req, x):
            return 'b {}'.format(x)

        self.assertEqual(_run(client.get('/b/1')).text, 'b 1')
        self.assertEqual(_run(client.get('/a/1')).text, 'a 1')

    def test_path_without_leading_slash(self):
        app = Microdot()

        @app.get('/<name>')
        def name(req, name):
            return name

        req = make_request(app, 'GET', 'abc')
        self.assertEqual(app.find_route(req)[0], 404)
        req = make_request(app, 'GET', '*')
        self.assertEqual(app.find_route(req)[0], 404)
