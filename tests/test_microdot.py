import asyncio
import sys
import unittest

from microdot import Microdot, Response, Request, HTTPException, abort, \
    invoke_handler, iscoroutine, mro
from microdot.test_client import TestClient

IS_CPYTHON = sys.implementation.name == 'cpython'


def _run(coro):
    return asyncio.run(coro)


class TestMicrodot(unittest.TestCase):
    def test_defaults(self):
        app = Microdot()
        self.assertEqual(app.url_map, [])
        self.assertFalse(app.debug)
        self.assertFalse(app.ssl)
        self.assertIsNone(app.server)
        self.assertEqual(app.options_handler, app.default_options_handler)

    def test_get_request(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            return 'foo'

        client = TestClient(app)
        res = _run(client.get('/'))
        self.assertEqual(res.status_code, 200)
        self.assertIsNone(res.reason)
        self.assertEqual(res.headers['Content-Type'],
                         'text/plain; charset=UTF-8')
        self.assertEqual(res.headers['Content-Length'], '3')
        self.assertEqual(res.text, 'foo')
        self.assertEqual(res.body, b'foo')
        self.assertIsNone(res.json)

    def test_async_handlers(self):
        app = Microdot()

        @app.route('/')
        async def index(req):
            await asyncio.sleep(0)
            return 'async foo'

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'async foo')

    def test_handlers_called_again(self):
        # from the second call on, a coroutine handler is awaited directly
        # (CPython): the same arguments, results and errors as the first
        app = Microdot()
        calls = []

        @app.route('/items/<int:id>')
        async def item(req, id):
            calls.append(id)
            if id == 3:
                raise ValueError('three')
            return {'id': id}

        @app.route('/sync/<name>')
        def sync(req, name):
            return name.upper()

        @app.errorhandler(ValueError)
        async def value_error(req, exc):
            return 'bad: ' + str(exc), 422

        client = TestClient(app)
        for id in (1, 2, 3, 4, 3):
            res = _run(client.get('/items/{}'.format(id)))
            if id == 3:
                self.assertEqual((res.status_code, res.text),
                                 (422, 'bad: three'))
            else:
                self.assertEqual(res.json, {'id': id})
        self.assertEqual(calls, [1, 2, 3, 4, 3])
        for name in ('a', 'b'):
            res = _run(client.get('/sync/' + name))
            self.assertEqual(res.text, name.upper())

    def test_http_exception_headers(self):
        app = Microdot()

        @app.route('/')
        async def index(req):
            exc = HTTPException(429, 'slow down')
            exc.headers = {'Retry-After': '3'}
            raise exc

        @app.route('/plain')
        async def plain(req):
            raise HTTPException(429)

        client = TestClient(app)
        res = _run(client.get('/'))
        self.assertEqual((res.status_code, res.text), (429, 'slow down'))
        self.assertEqual(res.headers['Retry-After'], '3')
        res = _run(client.get('/plain'))
        self.assertEqual((res.status_code, res.text), (429, '429 error'))
        self.assertNotIn('Retry-After', res.headers)

        @app.errorhandler(429)
        def too_many(req):
            return {'error': 'later'}, 429

        res = _run(client.get('/'))
        self.assertEqual((res.status_code, res.json),
                         (429, {'error': 'later'}))
        self.assertEqual(res.headers['Retry-After'], '3')

    def test_method_shortcuts(self):
        app = Microdot()

        @app.get('/')
        def get(req):
            return 'GET'

        @app.post('/')
        def post(req):
            return 'POST ' + req.body.decode()

        @app.put('/')
        def put(req):
            return 'PUT ' + req.body.decode()

        @app.patch('/')
        def patch(req):
            return 'PATCH ' + req.body.decode()

        @app.delete('/')
        def delete(req):
            return 'DELETE'

        @app.query('/')
        def query(req):
            return 'QUERY ' + req.body.decode()

        client = TestClient(app)
        self.assertEqual(_run(client.get('/')).text, 'GET')
        self.assertEqual(_run(client.post('/', body='a')).text, 'POST a')
        self.assertEqual(_run(client.put('/', body='b')).text, 'PUT b')
        self.assertEqual(_run(client.patch('/', body='c')).text, 'PATCH c')
        self.assertEqual(_run(client.delete('/')).text, 'DELETE')
        self.assertEqual(_run(client.query('/', body='d')).text, 'QUERY d')
        self.assertEqual(_run(client.request('QUERY', '/', body='e')).text,
                         'QUERY e')
        self.assertEqual([r[0] for r in app.url_map],
                         [['GET'], ['POST'], ['PUT'], ['PATCH'], ['DELETE'],
                          ['QUERY']])

    def test_route_methods(self):
        app = Microdot()

        @app.route('/', methods=['get', 'Post'])
        def index(req):
            return req.method

        client = TestClient(app)
        self.assertEqual(_run(client.get('/')).text, 'GET')
        self.assertEqual(_run(client.post('/')).text, 'POST')
        res = _run(client.put('/'))
        self.assertEqual(res.status_code, 405)
        self.assertEqual(res.text, 'Not found')
        self.assertEqual(app.url_map[0][0], ['GET', 'POST'])

    def test_decorators_return_function(self):
        app = Microdot()

        def f(req):
            return 'x'

        self.assertIs(app.route('/')(f), f)
        self.assertIs(app.get('/a')(f), f)
        self.assertIs(app.before_request(f), f)
        self.assertIs(app.after_request(f), f)
        self.assertIs(app.after_error_request(f), f)
        self.assertIs(app.errorhandler(404)(f), f)

    def test_first_route_wins(self):
        app = Microdot()

        @app.get('/users/<name>')
        def by_name(req, name):
            return 'name ' + name

        @app.get('/users/me')
        def me(req):
            return 'me'

        res = _run(TestClient(app).get('/users/me'))
        self.assertEqual(res.text, 'name me')

    def test_url_args(self):
        app = Microdot()

        @app.get('/users/<int:id>/<name>/<path:rest>')
        def user(req, id, name, rest):
            return {'id': id, 'name': name, 'rest': rest,
                    'url_args': req.url_args}

        res = _run(TestClient(app).get('/users/-12/susan/a/b/c?x=1'))
        self.assertEqual(res.json, {
            'id': -12, 'name': 'susan', 'rest': 'a/b/c',
            'url_args': {'id': -12, 'name': 'susan', 'rest': 'a/b/c'}})

    def test_route_with_regex_and_custom_type(self):
        app = Microdot()

        @app.get('/<re:[a-z]+:word>')
        def word(req, word):
            return word

        res = _run(TestClient(app).get('/abc'))
        self.assertEqual(res.text, 'abc')
        self.assertEqual(_run(TestClient(app).get('/abc1')).status_code, 404)

    def test_routes_added_after_requests(self):
        app = Microdot()

        @app.get('/a')
        def a(req):
            return 'a'

        client = TestClient(app)
        self.assertEqual(_run(client.get('/b')).status_code, 404)

        @app.get('/b')
        def b(req):
            return 'b'

        self.assertEqual(_run(client.get('/b')).text, 'b')
        self.assertEqual(_run(client.get('/a')).text, 'a')

    def test_post_request(self):
        app = Microdot()

        @app.route('/', methods=['POST'])
        def index(req):
            return {'json': req.json, 'len': req.content_length}

        client = TestClient(app)
        res = _run(client.post('/', body={'foo': 'bar'}))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Type'],
                         'application/json; charset=UTF-8')
        self.assertEqual(res.json['json'], {'foo': 'bar'})
        res = _run(client.get('/'))
        self.assertEqual(res.status_code, 405)

    def test_head_request(self):
        app = Microdot()

        @app.route('/foo')
        def index(req):
            return 'foo'

        res = _run(TestClient(app).request('HEAD', '/foo'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Type'],
                         'text/plain; charset=UTF-8')
        self.assertEqual(res.headers['Content-Length'], '3')
        self.assertIsNone(res.body)
        self.assertIsNone(res.text)
        self.assertIsNone(res.json)

        res = _run(TestClient(app).request('HEAD', '/bar'))
        self.assertEqual(res.status_code, 404)
        self.assertIsNone(res.body)

    def test_head_request_for_post_only_route(self):
        app = Microdot()

        @app.post('/foo')
        def index(req):
            return 'foo'

        res = _run(TestClient(app).request('HEAD', '/foo'))
        self.assertEqual(res.status_code, 405)

    def test_is_head_on_dispatch(self):
        app = Microdot()

        @app.get('/')
        def index(req):
            return 'abc'

        client = TestClient(app)

        async def dispatch(method):
            from microdot import AsyncBytesIO
            data = '{} / HTTP/1.0\n\n'.format(method).encode()
            req = await Request.create(app, AsyncBytesIO(data), None,
                                       ('x', 1))
            return await app.dispatch_request(req)

        self.assertTrue(_run(dispatch('HEAD')).is_head)
        self.assertFalse(_run(dispatch('GET')).is_head)
        self.assertIs(_run(dispatch('GET')).is_head, False)
        self.assertEqual(_run(client.get('/')).text, 'abc')

    def test_options_request(self):
        app = Microdot()

        @app.route('/', methods=['GET', 'DELETE'])
        async def index(req):
            return 'foo'

        @app.post('/')
        async def index_post(req):
            return 'bar'

        @app.route('/foo', methods=['POST', 'PUT'])
        async def foo(req):
            return 'baz'

        @app.get('/<name>')
        async def name(req, name):
            return name

        client = TestClient(app)
        res = _run(client.request('OPTIONS', '/'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Allow'],
                         'GET, DELETE, POST, HEAD, OPTIONS')
        self.assertEqual(res.body, b'')
        res = _run(client.request('OPTIONS', '/foo'))
        self.assertEqual(res.headers['Allow'],
                         'POST, PUT, GET, HEAD, OPTIONS')
        res = _run(client.request('OPTIONS', '/bar'))
        self.assertEqual(res.headers['Allow'], 'GET, HEAD, OPTIONS')
        res = _run(client.request('OPTIONS', '/bar/baz'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Allow'], 'OPTIONS')

    def test_options_skips_before_request(self):
        app = Microdot()
        calls = []

        @app.before_request
        def before(req):
            calls.append('before')

        @app.get('/')
        def index(req):
            return 'x'

        res = _run(TestClient(app).request('OPTIONS', '/'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(calls, [])

    def test_options_handler_none(self):
        app = Microdot()
        app.options_handler = None

        @app.get('/')
        def index(req):
            return 'foo'

        @app.route('/opt', methods=['OPTIONS'])
        def opt(req):
            return 'my options', {'Allow': 'custom'}

        client = TestClient(app)
        res = _run(client.request('OPTIONS', '/'))
        self.assertEqual(res.status_code, 405)
        self.assertNotIn('Allow', res.headers)
        res = _run(client.request('OPTIONS', '/opt'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'my options')
        self.assertEqual(res.headers['Allow'], 'custom')

    def test_custom_options_handler(self):
        app = Microdot()

        def options(req):
            return {'Allow': 'GET', 'X-Path': req.path}

        app.options_handler = options

        @app.get('/x')
        def x(req):
            return 'x'

        res = _run(TestClient(app).request('OPTIONS', '/x'))
        self.assertEqual(res.headers['Allow'], 'GET')
        self.assertEqual(res.headers['X-Path'], '/x')

    def test_default_options_handler_direct(self):
        app = Microdot()

        @app.route('/', methods=['GET', 'HEAD'])
        def index(req):
            return 'x'

        req = Request(app, None, 'OPTIONS', '/', '1.0', {})
        self.assertEqual(app.default_options_handler(req),
                         {'Allow': 'GET, HEAD, OPTIONS'})

    def test_empty_request(self):
        app = Microdot()
        res = _run(app.dispatch_request(None))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.body, b'Bad request')

    def test_bad_request_through_client(self):
        app = Microdot()
        client = TestClient(app)
        res = _run(client.get('/', headers={'Content-Length': 'abc'}))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.text, 'Bad request')
        res = _run(client.get('/ x'))
        self.assertEqual(res.status_code, 400)

    def test_400_handler(self):
        app = Microdot()
        seen = []

        @app.errorhandler(400)
        def handle_400(req):
            seen.append(req)
            return '400 handled', 400

        res = _run(app.dispatch_request(None))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.body, b'400 handled')
        self.assertEqual(seen, [None])

    def test_404(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            return 'foo'

        res = _run(TestClient(app).get('/foo'))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.text, 'Not found')
        self.assertEqual(res.headers['Content-Type'],
                         'text/plain; charset=UTF-8')

    def test_404_handler(self):
        app = Microdot()

        @app.errorhandler(404)
        def handle_404(req):
            return '404 from ' + req.path, 404

        res = _run(TestClient(app).get('/foo'))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.text, '404 from /foo')

    def test_405(self):
        app = Microdot()

        @app.route('/foo')
        def index(req):
            return 'foo'

        res = _run(TestClient(app).post('/foo', body='x'))
        self.assertEqual(res.status_code, 405)
        self.assertEqual(res.text, 'Not found')
        self.assertEqual(res.headers['Allow'], 'GET, HEAD, OPTIONS')

        @app.route('/foo', methods=['PUT'])
        def put(req):
            return 'put'

        res = _run(TestClient(app).post('/foo', body='x'))
        self.assertEqual(res.headers['Allow'], 'GET, PUT, HEAD, OPTIONS')

    def test_405_handler(self):
        app = Microdot()

        @app.route('/foo')
        def index(req):
            return 'foo'

        @app.errorhandler(405)
        def handle_405(req):
            return '405', 405

        res = _run(TestClient(app).request('PATCH', '/foo'))
        self.assertEqual(res.status_code, 405)
        self.assertEqual(res.text, '405')

    def test_413(self):
        app = Microdot()

        @app.route('/', methods=['POST'])
        def index(req):
            return 'foo'

        saved = Request.max_content_length
        try:
            Request.max_content_length = 16
            client = TestClient(app)
            res = _run(client.post('/', body='x' * 16))
            self.assertEqual(res.status_code, 200)
            res = _run(client.post('/', body='x' * 17))
            self.assertEqual(res.status_code, 413)
            self.assertEqual(res.text, 'Payload too large')
        finally:
            Request.max_content_length = saved

    def test_413_handler(self):
        app = Microdot()

        @app.route('/', methods=['POST'])
        def index(req):
            return 'foo'

        @app.errorhandler(413)
        def handle_413(req):
            return 'too big', 413

        saved = Request.max_content_length
        try:
            Request.max_content_length = 4
            res = _run(TestClient(app).post('/', body='12345'))
            self.assertEqual(res.status_code, 413)
            self.assertEqual(res.text, 'too big')
        finally:
            Request.max_content_length = saved

    def test_500(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            return 1 / 0

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 500)
        self.assertEqual(res.text, 'Internal server error')

    def test_500_handler(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            return 1 / 0

        @app.errorhandler(500)
        def handle_500(req):
            return '501', 501

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 501)
        self.assertEqual(res.text, '501')

    def test_exception_handler(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            return 1 / 0

        @app.errorhandler(ZeroDivisionError)
        def handle_div_zero(req, exc):
            return '{} {}'.format(type(exc).__name__, req.path), 501

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 501)
        self.assertEqual(res.text, 'ZeroDivisionError /')

    def test_exception_handler_parent(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            raise KeyError('x')

        @app.errorhandler(LookupError)
        def handle_lookup(req, exc):
            return 'lookup', 501

        @app.errorhandler(Exception)
        def handle_any(req, exc):
            return 'any', 502

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 501)
        self.assertEqual(res.text, 'lookup')

    def test_exception_handler_redundant_parents(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            raise KeyError('x')

        @app.errorhandler(Exception)
        def handle_any(req, exc):
            return 'any', 502

        @app.errorhandler(KeyError)
        def handle_key(req, exc):
            return 'key', 501

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 501)
        self.assertEqual(res.text, 'key')

    def test_exception_handler_multiple_inheritance(self):
        app = Microdot()

        class A(Exception):
            pass

        class B:
            # a mixin: MicroPython cannot mix two exception classes
            pass

        class C(A, B):
            pass

        @app.route('/')
        def index(req):
            raise C()

        @app.errorhandler(B)
        def handle_b(req, exc):
            return 'b', 502

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 502)
        self.assertEqual(res.text, 'b')

    def test_exception_handler_not_matching(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            raise ValueError('x')

        @app.errorhandler(KeyError)
        def handle_key(req, exc):
            return 'key', 501

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 500)
        self.assertEqual(res.text, 'Internal server error')

    def test_exception_handler_returning_none(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            raise ValueError('x')

        @app.errorhandler(ValueError)
        def handle_value(req, exc):
            return None

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 500)

    def test_exception_handler_raising(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            raise ValueError('x')

        @app.errorhandler(ValueError)
        def handle_value(req, exc):
            raise RuntimeError('handler broke')

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 500)
        self.assertEqual(res.text, 'Internal server error')

    def test_abort(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            abort(406, 'Not acceptable')
            return 'foo'

        @app.route('/default')
        def default(req):
            Microdot.abort(418)

        @app.route('/app')
        def via_app(req):
            req.app.abort(401)

        client = TestClient(app)
        res = _run(client.get('/'))
        self.assertEqual(res.status_code, 406)
        self.assertEqual(res.text, 'Not acceptable')
        res = _run(client.get('/default'))
        self.assertEqual(res.status_code, 418)
        self.assertEqual(res.text, '418 error')
        res = _run(client.get('/app'))
        self.assertEqual(res.status_code, 401)
        self.assertEqual(res.text, '401 error')

    def test_abort_handler(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            abort(406)

        @app.errorhandler(406)
        def handle_406(req):
            return 'custom 406', 406

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 406)
        self.assertEqual(res.text, 'custom 406')

    def test_http_exception(self):
        exc = HTTPException(404)
        self.assertEqual(exc.status_code, 404)
        self.assertEqual(exc.reason, '404 error')
        exc = HTTPException(400, 'Bad input')
        self.assertEqual(exc.reason, 'Bad input')
        self.assertIsInstance(exc, Exception)
        with self.assertRaises(HTTPException) as cm:
            abort(403, 'nope')
        self.assertEqual(cm.exception.status_code, 403)
        self.assertEqual(cm.exception.reason, 'nope')

    def test_http_exception_is_not_caught_by_exception_handler(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            abort(404)

        @app.errorhandler(Exception)
        def handle_any(req, exc):
            return 'any', 500

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.text, '404 error')

    def test_before_after_request(self):
        app = Microdot()

        @app.before_request
        def before_request(req):
            if req.path == '/bar':
                @req.after_request
                async def after_request(req, res):
                    res.headers['X-Two'] = '2'
                    return res
                return 'bar', 202
            req.g.message = 'baz'

        @app.after_request
        def after_request_one(req, res):
            res.headers['X-One'] = '1'

        @app.after_request
        async def after_request_two(req, res):
            res.set_cookie('foo', 'bar')
            return res

        @app.route('/bar')
        def bar(req):
            return 'not reached'

        @app.route('/baz')
        def baz(req):
            return req.g.message

        client = TestClient(app)

        res = _run(client.get('/bar'))
        self.assertEqual(res.status_code, 202)
        self.assertEqual(res.text, 'bar')
        self.assertEqual(res.headers['X-One'], '1')
        self.assertEqual(res.headers['X-Two'], '2')
        self.assertEqual(res.headers['Set-Cookie'], ['foo=bar'])
        self.assertEqual(client.cookies['foo'], 'bar')

        res = _run(client.get('/baz'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'baz')
        self.assertEqual(res.headers['X-One'], '1')
        self.assertNotIn('X-Two', res.headers)
        self.assertEqual(res.headers['Set-Cookie'], ['foo=bar'])

    def test_before_request_chain_stops_at_first_response(self):
        app = Microdot()
        calls = []

        @app.before_request
        def one(req):
            calls.append('one')

        @app.before_request
        def two(req):
            calls.append('two')
            return Response('stopped', 403)

        @app.before_request
        def three(req):
            calls.append('three')

        @app.get('/')
        def index(req):
            calls.append('index')
            return 'index'

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 403)
        self.assertEqual(res.text, 'stopped')
        self.assertEqual(calls, ['one', 'two'])

    def test_before_request_abort(self):
        app = Microdot()

        @app.before_request
        def check(req):
            abort(401)

        @app.after_request
        def after(req, res):
            res.headers['X-After'] = 'yes'
            return res

        @app.after_error_request
        def after_error(req, res):
            res.headers['X-After-Error'] = 'yes'
            return res

        @app.get('/')
        def index(req):
            return 'index'

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 401)
        self.assertNotIn('X-After', res.headers)
        self.assertEqual(res.headers['X-After-Error'], 'yes')

    def test_route_is_set_before_before_request(self):
        app = Microdot()
        seen = []

        @app.before_request
        def before(req):
            seen.append(req.route)

        @app.get('/')
        def index(req):
            return 'x'

        client = TestClient(app)
        _run(client.get('/'))
        self.assertEqual(seen, [index])
        self.assertEqual(_run(client.get('/nope')).status_code, 404)
        self.assertEqual(seen, [index])

    def test_route_is_none_for_errors(self):
        app = Microdot()
        seen = []

        @app.after_error_request
        def after_error(req, res):
            seen.append(req.route)

        @app.post('/')
        def index(req):
            return 'x'

        client = TestClient(app)
        self.assertEqual(_run(client.get('/')).status_code, 405)
        self.assertEqual(_run(client.get('/x')).status_code, 404)
        self.assertEqual(seen, [None, None])

    def test_after_request_not_run_on_error(self):
        app = Microdot()
        calls = []

        @app.get('/')
        def index(req):
            @req.after_request
            def local(req, res):
                calls.append('local')
                return res
            raise RuntimeError('boom')

        @app.after_request
        def after(req, res):
            calls.append('after')
            return res

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 500)
        self.assertEqual(calls, [])

    def test_after_request_order(self):
        app = Microdot()
        calls = []

        @app.get('/')
        def index(req):
            @req.after_request
            def local(req, res):
                calls.append('request')
                return Response('replaced by request handler')
            return 'index'

        @app.after_request
        def after(req, res):
            calls.append('app')
            return res

        res = _run(TestClient(app).get('/'))
        self.assertEqual(calls, ['app', 'request'])
        self.assertEqual(res.text, 'replaced by request handler')

    def test_after_error_request(self):
        app = Microdot()

        @app.after_error_request
        def after_error_request_one(req, res):
            res.headers['X-One'] = '1'

        @app.after_error_request
        def after_error_request_two(req, res):
            res.set_cookie('foo', 'bar')
            return res

        @app.route('/foo')
        def foo(req):
            return 'foo'

        client = TestClient(app)
        res = _run(client.get('/foo'))
        self.assertEqual(res.status_code, 200)
        self.assertNotIn('X-One', res.headers)
        self.assertNotIn('Set-Cookie', res.headers)

        res = _run(client.get('/bar'))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.headers['X-One'], '1')
        self.assertEqual(res.headers['Set-Cookie'], ['foo=bar'])
        self.assertEqual(client.cookies['foo'], 'bar')

    def test_after_error_request_for_bad_request(self):
        app = Microdot()
        seen = []

        @app.after_error_request
        def after_error(req, res):
            seen.append((req, res.status_code))
            return res

        res = _run(app.dispatch_request(None))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(seen, [(None, 400)])

    def test_after_error_request_for_error_handler_response(self):
        app = Microdot()

        @app.errorhandler(404)
        def not_found(req):
            return {'error': 'not found'}, 404

        @app.after_error_request
        def after_error(req, res):
            res.headers['X-Error'] = str(res.status_code)
            return res

        res = _run(TestClient(app).get('/missing'))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.json, {'error': 'not found'})
        self.assertEqual(res.headers['X-Error'], '404')

    def test_response_types(self):
        app = Microdot()

        @app.get('/str')
        def r_str(req):
            return 'text'

        @app.get('/bytes')
        def r_bytes(req):
            return b'\x00\xff'

        @app.get('/dict')
        def r_dict(req):
            return {'a': 1}

        @app.get('/list')
        def r_list(req):
            return [1, 2]

        @app.get('/none')
        def r_none(req):
            return None

        @app.get('/int')
        def r_int(req):
            return 202

        @app.get('/status')
        def r_status(req):
            return 'created', 201

        @app.get('/headers')
        def r_headers(req):
            return 'with headers', {'X-A': 'b'}

        @app.get('/all')
        def r_all(req):
            return {'x': 1}, 201, {'X-A': 'c'}

        @app.get('/status-only')
        def r_status_only(req):
            return (204,)

        @app.get('/status-headers')
        def r_status_headers(req):
            return 301, {'Location': '/x'}

        @app.get('/response')
        def r_response(req):
            return Response('resp', 203, reason='Non-Authoritative')

        @app.get('/gen')
        def r_gen(req):
            def gen():
                yield 'a'
                yield b'b'
            if IS_CPYTHON:
                return gen()
            # on MicroPython a generator cannot be told from a coroutine,
            # so a handler has to wrap it in a Response
            return Response(gen())

        client = TestClient(app)
        res = _run(client.get('/str'))
        self.assertEqual((res.status_code, res.text), (200, 'text'))
        res = _run(client.get('/bytes'))
        self.assertEqual(res.body, b'\x00\xff')
        self.assertIsNone(res.text)
        res = _run(client.get('/dict'))
        self.assertEqual(res.json, {'a': 1})
        self.assertEqual(res.headers['Content-Type'],
                         'application/json; charset=UTF-8')
        res = _run(client.get('/list'))
        self.assertEqual(res.json, [1, 2])
        res = _run(client.get('/none'))
        self.assertEqual(res.status_code, 204)
        self.assertEqual(res.body, b'')
        res = _run(client.get('/int'))
        self.assertEqual(res.status_code, 202)
        self.assertEqual(res.body, b'')
        res = _run(client.get('/status'))
        self.assertEqual((res.status_code, res.text), (201, 'created'))
        res = _run(client.get('/headers'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['X-A'], 'b')
        self.assertEqual(res.text, 'with headers')
        res = _run(client.get('/all'))
        self.assertEqual(res.status_code, 201)
        self.assertEqual(res.headers['X-A'], 'c')
        self.assertEqual(res.json, {'x': 1})
        res = _run(client.get('/status-only'))
        self.assertEqual(res.status_code, 204)
        self.assertEqual(res.body, b'')
        res = _run(client.get('/status-headers'))
        self.assertEqual(res.status_code, 301)
        self.assertEqual(res.headers['Location'], '/x')
        res = _run(client.get('/response'))
        self.assertEqual(res.status_code, 203)
        self.assertEqual(res.reason, 'Non-Authoritative')
        res = _run(client.get('/gen'))
        self.assertEqual(res.body, b'ab')

    def test_already_handled(self):
        app = Microdot()

        @app.get('/')
        def index(req):
            return Response.already_handled

        res = _run(TestClient(app).get('/'))
        self.assertIsNone(res.status_code)
        self.assertIsNone(res.body)

    def test_find_route(self):
        app = Microdot()

        @app.get('/a/<int:n>')
        def a(req, n):
            return 'a'

        def make(method, url):
            return Request(app, None, method, url, '1.0', {})

        req = make('GET', '/a/5')
        self.assertEqual(app.find_route(req), (a, '', None))
        self.assertEqual(req.url_args, {'n': 5})
        req = make('HEAD', '/a/5')
        self.assertEqual(app.find_route(req), (a, '', None))
        req = make('get', '/a/5')
        self.assertEqual(app.find_route(req), (a, '', None))
        self.assertEqual(app.find_route(make('POST', '/a/5'))[0], 405)
        self.assertEqual(app.find_route(make('GET', '/a/x')),
                         (404, '', None))
        f, prefix, subapp = app.find_route(make('OPTIONS', '/a/1'))
        self.assertEqual(f, {'Allow': 'GET, HEAD, OPTIONS'})

    def test_handle_request_is_coroutine(self):
        app = Microdot()
        self.assertTrue(callable(app.handle_request))
        self.assertTrue(callable(app.dispatch_request))

    def test_invoke_handler(self):
        def sync(a, b=0):
            return a + b

        async def coro(a, b=0):
            await asyncio.sleep(0)
            return a * b

        self.assertEqual(_run(invoke_handler(sync, 1, b=2)), 3)
        self.assertEqual(_run(invoke_handler(coro, 3, b=4)), 12)

    def test_invoke_handler_exception(self):
        def sync():
            raise KeyError('k')

        async def coro():
            raise IndexError('i')

        with self.assertRaises(KeyError):
            _run(invoke_handler(sync))
        with self.assertRaises(IndexError):
            _run(invoke_handler(coro))

    def test_iscoroutine(self):
        async def coro():
            pass

        c = coro()
        self.assertTrue(iscoroutine(c))
        _run(c)
        self.assertFalse(iscoroutine(coro))
        self.assertFalse(iscoroutine('abc'))
        self.assertFalse(iscoroutine(None))

    def test_mro(self):
        class A:
            pass

        class B(A):
            pass

        class C(B):
            pass

        order = list(mro(C))
        self.assertEqual(order[:3], [C, B, A])
        self.assertEqual(order[-1], object)
        order = list(mro(ZeroDivisionError))
        self.assertEqual(order[0], ZeroDivisionError)
        self.assertIn(ArithmeticError, order)
        self.assertIn(Exception, order)
        self.assertLess(order.index(ArithmeticError),
                        order.index(Exception))

    def test_handler_arguments_mismatch(self):
        app = Microdot()

        @app.get('/<name>')
        def no_args(req):
            return 'x'

        res = _run(TestClient(app).get('/abc'))
        self.assertEqual(res.status_code, 500)

    def test_very_long_segment(self):
        app = Microdot()

        @app.get('/<name>')
        def name(req, name):
            return str(len(name))

        @app.get('/int/<int:n>')
        def number(req, n):
            return str(n)

        @app.get('/re/<re:[a-z]+:w>/end')
        def regex(req, w):
            return w

        client = TestClient(app)
        long = 'y' * 5000
        # the default max_readline rejects such a request line with a 400
        res = _run(client.get('/' + long))
        self.assertEqual(res.status_code, 400)
        saved = Request.max_readline
        try:
            Request.max_readline = 16 * 1024
            res = _run(client.get('/' + long))
            self.assertEqual(res.text, '5000')
            res = _run(client.get('/int/' + long))
            self.assertEqual(res.status_code, 404)
            res = _run(client.get('/re/' + long + '1/end'))
            self.assertEqual(res.status_code, 404)
            res = _run(client.get('/nope/' + long + '/x'))
            self.assertEqual(res.status_code, 404)
        finally:
            Request.max_readline = saved


class _Log:
    """Capture what microdot prints (messages and tracebacks)."""
    def __init__(self):
        self.lines = []

    def __enter__(self):
        import microdot.microdot as core
        self.core = core
        self.saved = core.print_exception
        core.print_exception = lambda exc: self.lines.append(repr(exc))
        core.print = lambda *args: self.lines.append(
            ' '.join(str(a) for a in args))
        return self

    def __exit__(self, *exc):
        self.core.print_exception = self.saved
        del self.core.print

    def text(self):
        return '\n'.join(self.lines)


class TestAlwaysAResponse(unittest.TestCase):
    """dispatch_request always ends in a complete response."""

    def test_failing_500_handler(self):
        app = Microdot()

        @app.route('/')
        def index(req):
            raise ValueError('the handler')

        @app.errorhandler(500)
        def broken_500(req):
            raise RuntimeError('the 500 handler')

        with _Log() as log:
            res = _run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 500)
        self.assertEqual(res.text, 'Internal server error')
        self.assertIn('the handler', log.text())
        self.assertIn('the 500 handler', log.text())

    def test_failing_413_and_404_handlers(self):
        app = Microdot()

        @app.post('/')
        def index(req):
            return 'never'

        @app.errorhandler(413)
        def broken_413(req):
            raise RuntimeError('the 413 handler')

        @app.errorhandler(404)
        def broken_404(req):
            raise RuntimeError('the 404 handler')

        saved = Request.max_content_length
        Request.max_content_length = 4
        try:
            with _Log():
                res = _run(TestClient(app).post('/', body='too long'))
                missing = _run(TestClient(app).get('/nope'))
        finally:
            Request.max_content_length = saved
        self.assertEqual((res.status_code, res.text),
                         (500, 'Internal server error'))
        self.assertEqual(missing.status_code, 500)

    def test_failing_after_error_handler(self):
        app = Microdot()

        @app.after_error_request
        def broken(req, res):
            raise RuntimeError('after error')

        with _Log() as log:
            res = _run(TestClient(app).get('/nope'))
        self.assertEqual((res.status_code, res.text), (404, 'Not found'))
        self.assertIn('after error', log.text())

    def test_unsupported_return_value(self):
        app = Microdot()

        @app.route('/float')
        def returns_a_float(req):
            return 1.5

        @app.route('/object')
        def returns_an_object(req):
            return object(), 200

        with _Log() as log:
            res = _run(TestClient(app).get('/float'))
            res2 = _run(TestClient(app).get('/object'))
        self.assertEqual((res.status_code, res.text),
                         (500, 'Internal server error'))
        self.assertEqual(res2.status_code, 500)
        self.assertIn('returns_a_float returned float', log.text())
        self.assertIn('returns_an_object returned tuple', log.text())

    def test_error_handler_returning_garbage(self):
        app = Microdot()

        @app.errorhandler(404)
        def odd_404(req):
            return 3.25

        with _Log() as log:
            res = _run(TestClient(app).get('/nope'))
        self.assertEqual(res.status_code, 500)
        self.assertIn('float', log.text())


class TestMount(unittest.TestCase):
    def test_mount(self):
        subapp = Microdot()

        @subapp.before_request
        def before(req):
            req.g.before = 'before'

        @subapp.after_request
        def after(req, res):
            res.headers['X-After'] = 'yes'

        @subapp.after_error_request
        def after_error(req, res):
            res.headers['X-After-Error'] = 'yes'

        @subapp.errorhandler(404)
        def not_found(req):
            return '404 from subapp', 404

        @subapp.route('/app')
        def index(req):
            return '{} {} {}'.format(req.g.before, req.url_prefix,
                                     req.subapp is subapp)

        app = Microdot()
        app.mount(subapp, url_prefix='/sub')

        @app.get('/main')
        def main(req):
            return 'main {}'.format(req.g.before)

        client = TestClient(app)
        res = _run(client.get('/app'))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.text, '404 from subapp')
        self.assertEqual(res.headers['X-After-Error'], 'yes')

        res = _run(client.get('/sub/app'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'before /sub True')
        self.assertEqual(res.headers['X-After'], 'yes')

        # handlers of a non-local mount apply to the whole application
        res = _run(client.get('/main'))
        self.assertEqual(res.text, 'main before')
        self.assertEqual(res.headers['X-After'], 'yes')
        self.assertEqual(subapp.before_request_handlers, [])
        self.assertEqual(subapp.after_request_handlers, [])
        self.assertEqual(subapp.after_error_request_handlers, [])
        self.assertEqual(subapp.error_handlers, {})

    def test_mount_local(self):
        subapp = Microdot()

        @subapp.before_request
        def before(req):
            req.g.before = 'before'

        @subapp.after_request
        def after(req, res):
            res.headers['X-After'] = 'yes'

        @subapp.after_error_request
        def after_error(req, res):
            res.headers['X-After-Error'] = 'yes'

        @subapp.errorhandler(405)
        def not_allowed(req):
            return '405 from subapp', 405

        @subapp.errorhandler(ValueError)
        def value_error(req, exc):
            return 'value error from subapp', 501

        @subapp.route('/app')
        def index(req):
            return '{} {}'.format(req.g.before, req.url_prefix)

        @subapp.route('/error')
        def error(req):
            raise ValueError('x')

        @subapp.route('/abort')
        def sub_abort(req):
            abort(405)

        app = Microdot()
        app.mount(subapp, url_prefix='/sub', local=True)

        @app.get('/main')
        def main(req):
            return 'main {}'.format(getattr(req.g, 'before', None))

        @app.get('/main/error')
        def main_error(req):
            raise ValueError('y')

        @app.errorhandler(405)
        def app_not_allowed(req):
            return '405 from app', 405

        client = TestClient(app)
        res = _run(client.get('/sub/app'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'before /sub')
        self.assertEqual(res.headers['X-After'], 'yes')

        res = _run(client.get('/main'))
        self.assertEqual(res.text, 'main None')
        self.assertNotIn('X-After', res.headers)

        res = _run(client.get('/sub/error'))
        self.assertEqual(res.status_code, 501)
        self.assertEqual(res.text, 'value error from subapp')
        self.assertEqual(res.headers['X-After-Error'], 'yes')

        res = _run(client.get('/main/error'))
        self.assertEqual(res.status_code, 500)
        self.assertNotIn('X-After-Error', res.headers)

        res = _run(client.post('/sub/app'))
        self.assertEqual(res.status_code, 405)
        self.assertEqual(res.text, '405 from subapp')
        res = _run(client.get('/sub/abort'))
        self.assertEqual(res.text, '405 from subapp')
        res = _run(client.post('/main'))
        self.assertEqual(res.text, '405 from app')

        res = _run(client.get('/sub/nothing'))
        self.assertEqual(res.status_code, 404)
        self.assertNotIn('X-After-Error', res.headers)

        self.assertEqual(len(subapp.before_request_handlers), 1)

    def test_mount_local_handler_order(self):
        calls = []
        subapp = Microdot()

        @subapp.before_request
        def sub_before(req):
            calls.append('sub before')

        @subapp.after_request
        def sub_after(req, res):
            calls.append('sub after')

        @subapp.get('/x')
        def x(req):
            calls.append('handler')
            return 'x'

        app = Microdot()

        @app.before_request
        def app_before(req):
            calls.append('app before')

        @app.after_request
        def app_after(req, res):
            calls.append('app after')

        app.mount(subapp, url_prefix='/s', local=True)
        _run(TestClient(app).get('/s/x'))
        self.assertEqual(calls, ['app before', 'sub before', 'handler',
                                 'sub after', 'app after'])

    def test_mount_without_prefix(self):
        subapp = Microdot()

        @subapp.get('/hello')
        def hello(req):
            return 'hello ' + repr(req.url_prefix)

        app = Microdot()
        app.mount(subapp)
        res = _run(TestClient(app).get('/hello'))
        self.assertEqual(res.text, "hello ''")

    def test_nested_mounts(self):
        inner = Microdot()

        @inner.get('/leaf/<int:n>')
        def leaf(req, n):
            return '{} {} {}'.format(n, req.url_prefix, req.subapp is inner)

        middle = Microdot()
        middle.mount(inner, url_prefix='/inner')
        app = Microdot()
        app.mount(middle, url_prefix='/middle')
        res = _run(TestClient(app).get('/middle/inner/leaf/3'))
        self.assertEqual(res.text, '3 /middle/inner True')

    def test_subapp_exception_handler_hierarchy(self):
        subapp = Microdot()

        @subapp.get('/x')
        def x(req):
            raise KeyError('k')

        @subapp.errorhandler(LookupError)
        def lookup(req, exc):
            return 'sub lookup', 502

        app = Microdot()

        @app.errorhandler(KeyError)
        def key(req, exc):
            return 'app key', 501

        app.mount(subapp, url_prefix='/s', local=True)
        res = _run(TestClient(app).get('/s/x'))
        # the exact class is found first, then the hierarchy is walked
        self.assertEqual(res.text, 'app key')

        app2 = Microdot()

        @app2.errorhandler(Exception)
        def anything(req, exc):
            return 'app anything', 503

        sub2 = Microdot()

        @sub2.get('/x')
        def x2(req):
            raise KeyError('k')

        @sub2.errorhandler(LookupError)
        def lookup2(req, exc):
            return 'sub lookup', 502

        app2.mount(sub2, url_prefix='/s', local=True)
        res = _run(TestClient(app2).get('/s/x'))
        self.assertEqual(res.text, 'sub lookup')
