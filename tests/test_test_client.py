import asyncio
import unittest

from microdot import Microdot, Response
from microdot.test_client import TestClient, TestResponse


def _run(coro):
    return asyncio.run(coro)


def make_app():
    app = Microdot()

    @app.route('/echo', methods=['GET', 'POST', 'PUT', 'PATCH', 'DELETE',
                                 'QUERY'])
    def echo(req):
        return {'method': req.method, 'body': req.body.decode(),
                'headers': {k.lower(): v for k, v in req.headers.items()},
                'cookies': req.cookies, 'scheme': req.scheme,
                'args': {k: req.args.getlist(k) for k in req.args},
                'client_addr': list(req.client_addr)}

    @app.get('/set')
    def set_cookies(req):
        res = Response('set')
        res.set_cookie('root', 'r')
        res.set_cookie('scoped', 's', path='/echo')
        res.set_cookie('other', 'o', path='/elsewhere', http_only=True)
        return res

    @app.get('/delete-root')
    def delete_root(req):
        res = Response('deleted')
        res.delete_cookie('root')
        return res

    @app.get('/delete-scoped-wrong-path')
    def delete_scoped_wrong(req):
        res = Response('not deleted')
        res.delete_cookie('scoped')
        return res

    @app.get('/delete-scoped')
    def delete_scoped(req):
        res = Response('deleted')
        res.delete_cookie('scoped', path='/echo')
        return res

    @app.get('/expire')
    def expire(req):
        res = Response('expired')
        res.set_cookie('other', 'x', path='/elsewhere', max_age=0)
        return res

    @app.get('/single-cookie')
    def single_cookie(req):
        return 'x', {'Set-Cookie': 'plain=1'}

    @app.get('/events')
    def events(req):
        return ('event: greet\nid: 7\nretry: 1500\ndata: {"a": 1}\n\n'
                'data: plain\n\n'), {'Content-Type': 'text/event-stream'}

    return app


class TestTestClient(unittest.TestCase):
    def test_methods(self):
        client = TestClient(make_app())
        for name in ['get', 'delete']:
            res = _run(getattr(client, name)('/echo'))
            self.assertEqual(res.status_code, 200)
            self.assertEqual(res.json['method'], name.upper())
            self.assertEqual(res.json['body'], '')
        for name in ['post', 'put', 'patch', 'query']:
            res = _run(getattr(client, name)('/echo', body='data ' + name))
            self.assertEqual(res.json['method'], name.upper())
            self.assertEqual(res.json['body'], 'data ' + name)
            self.assertEqual(res.json['headers']['content-length'],
                             str(len('data ' + name)))
        res = _run(client.request('PUT', '/echo', body=b'\x00bin'))
        self.assertEqual(res.json['body'], '\x00bin')

    def test_default_headers(self):
        res = _run(TestClient(make_app()).get('/echo'))
        self.assertEqual(res.json['headers'], {'host': 'example.com:1234'})
        self.assertEqual(res.json['client_addr'], ['127.0.0.1', 1234])
        self.assertEqual(res.json['scheme'], 'http')

    def test_host(self):
        client = TestClient(make_app(), host='myhost:8000')
        res = _run(client.get('/echo'))
        self.assertEqual(res.json['headers']['host'], 'myhost:8000')
        res = _run(client.get('/echo', headers={'Host': 'override'}))
        self.assertEqual(res.json['headers']['host'], 'override')

    def test_scheme(self):
        res = _run(TestClient(make_app(), scheme='https').get('/echo'))
        self.assertEqual(res.json['scheme'], 'https')
        res = _run(TestClient(make_app(), scheme='http').get('/echo'))
        self.assertEqual(res.json['scheme'], 'http')

    def test_custom_headers_and_query(self):
        client = TestClient(make_app())
        res = _run(client.get('/echo?a=1&a=2&b=x+y',
                              headers={'X-Foo': 'bar'}))
        self.assertEqual(res.json['headers']['x-foo'], 'bar')
        self.assertEqual(res.json['args'], {'a': ['1', '2'], 'b': ['x y']})

    def test_json_body(self):
        client = TestClient(make_app())
        res = _run(client.post('/echo', body={'x': [1, 2]}))
        self.assertEqual(res.json['headers']['content-type'],
                         'application/json')
        self.assertEqual(res.json['body'].replace(' ', ''), '{"x":[1,2]}')
        res = _run(client.post('/echo', body=[1],
                               headers={'Content-Type': 'text/x-json'}))
        self.assertEqual(res.json['headers']['content-type'], 'text/x-json')

    def test_initial_cookies(self):
        client = TestClient(make_app(), cookies={'a': '1', 'b': '2'})
        res = _run(client.get('/echo'))
        self.assertEqual(res.json['cookies'], {'a': '1', 'b': '2'})
        res = _run(client.get('/echo', headers={'Cookie': 'c=3'}))
        self.assertEqual(res.json['cookies'], {'a': '1', 'b': '2', 'c': '3'})

    def test_cookie_jar(self):
        client = TestClient(make_app())
        res = _run(client.get('/set'))
        self.assertEqual(res.text, 'set')
        self.assertEqual(client.cookies, {'root': 'r',
                                          'scoped': ('s', '/echo'),
                                          'other': ('o', '/elsewhere')})
        res = _run(client.get('/echo'))
        self.assertEqual(res.json['cookies'], {'root': 'r', 'scoped': 's'})
        res = _run(client.get('/echo/sub'))
        self.assertEqual(res.status_code, 404)

        # a deletion for another path leaves the cookie alone
        _run(client.get('/delete-scoped-wrong-path'))
        self.assertIn('scoped', client.cookies)
        _run(client.get('/delete-scoped'))
        self.assertNotIn('scoped', client.cookies)
        _run(client.get('/delete-root'))
        self.assertNotIn('root', client.cookies)
        _run(client.get('/expire'))
        self.assertEqual(client.cookies, {})
        res = _run(client.get('/echo'))
        self.assertEqual(res.json['cookies'], {})

    def test_single_set_cookie_string(self):
        client = TestClient(make_app())
        _run(client.get('/single-cookie'))
        self.assertEqual(client.cookies, {'plain': '1'})

    def test_test_response_fields(self):
        client = TestClient(make_app())
        res = _run(client.get('/set'))
        self.assertIsInstance(res, TestResponse)
        self.assertEqual(res.status_code, 200)
        self.assertIsNone(res.reason)
        self.assertEqual(res.headers['Content-Length'], '3')
        self.assertEqual(res.body, b'set')
        self.assertEqual(res.text, 'set')
        self.assertIsNone(res.json)
        self.assertIsNone(res.events)

    def test_events(self):
        res = _run(TestClient(make_app()).get('/events'))
        self.assertEqual(len(res.events), 2)
        first, second = res.events
        self.assertEqual(first['event'], 'greet')
        self.assertEqual(first['event_id'], '7')
        self.assertEqual(first['data'], b'{"a": 1}')
        self.assertEqual(first['data_json'], {'a': 1})
        self.assertEqual(second['data'], b'plain')
        self.assertIsNone(second['data_json'])
        self.assertIsNone(second['event'])

    def test_empty_test_response(self):
        res = TestResponse()
        self.assertIsNone(res.status_code)
        self.assertIsNone(res.reason)
        self.assertEqual(res.headers, {})
        self.assertIsNone(res.body)
        self.assertIsNone(res.text)
        self.assertIsNone(res.json)
        self.assertIsNone(res.events)

    def test_head_response(self):
        res = _run(TestClient(make_app()).request('HEAD', '/set'))
        self.assertEqual(res.status_code, 200)
        self.assertIsNone(res.body)
        self.assertEqual(res.headers['Content-Length'], '3')
