"""JSON in and out of an application, through the test client, on every
interpreter: response bodies, request.json, request.form, and the 400 that a
body neither can parse gets. tests/test_json_cpython.py compares the codec
with the standard library under Hypothesis and sends the same over a socket.
"""
import asyncio
import sys
import unittest

import microdot.microdot as core
from microdot import Microdot, Response, HTTPException, AsyncBytesIO, \
    _jsoncodec
from microdot.test_client import TestClient

IS_CPYTHON = sys.implementation.name == 'cpython'
FORM = 'application/x-www-form-urlencoded'


def _on_cpython(*cases):
    # MicroPython's json reads a trailing comma, a missing colon and UTF-8
    # encoded surrogates, and its str() of bytes accepts encoded surrogates:
    # these cases are errors on CPython only
    return cases if IS_CPYTHON else ()


def _run(coro):
    return asyncio.run(coro)


def _app():
    app = Microdot()

    @app.post('/json')
    def json_route(request):
        return {'json': request.json, 'form': request.form is not None}

    @app.post('/form')
    def form_route(request):
        form = request.form
        fields = None if form is None else {k: form[k] for k in form}
        return {'form': fields, 'json': request.json}

    @app.post('/parse')
    def parse_route(request):
        # parses without sending the value back
        return 'parsed' if request.json is not None else 'none'

    @app.post('/catch')
    def catch_route(request):
        # code written for upstream microdot, which saw the parser's error
        try:
            return {'json': request.json}
        except ValueError:
            return 'caught', 422

    return app


class _Traces:
    """Record what the application logs as a traceback, instead of
    printing it."""
    def __enter__(self):
        self.seen = []
        self.saved = core.print_exception
        core.print_exception = self.seen.append
        return self

    def __exit__(self, *exc_info):
        core.print_exception = self.saved


class TestCodec(unittest.TestCase):
    def test_round_trip(self):
        value = {'a': [1, -2, 2.5, True, False, None, 'caf\u00e9 \u2603'],
                 'b': {'c': {}, 'd': []}, 'e': 12345678901234}
        data = _jsoncodec.dumpb(value)
        self.assertIsInstance(data, bytes)
        self.assertEqual(_jsoncodec.loads(data), value)
        text = _jsoncodec.dumps(value)
        self.assertIsInstance(text, str)
        self.assertEqual(_jsoncodec.loads(text), value)

    def test_loads_takes_text_and_utf8(self):
        self.assertEqual(_jsoncodec.loads('{"k": "\u00e9"}'), {'k': '\u00e9'})
        self.assertEqual(_jsoncodec.loads(b'{"k": "\xc3\xa9"}'),
                         {'k': '\u00e9'})
        self.assertEqual(_jsoncodec.loads(b' [1, 2] '), [1, 2])

    def test_loads_errors_are_value_errors(self):
        for doc in (b'', b'{', b'"\xff"', b'\xc3', b'{"a": 1} x', 'tru') + \
                _on_cpython(b'[1,]', b'{"a" 1}', b'"\xed\xa0\x80"'):
            with self.assertRaises(ValueError):
                _jsoncodec.loads(doc)

    def test_large_integers_stay_exact(self):
        big = 2 ** 70
        self.assertEqual(_jsoncodec.loads(str(big)), big)
        self.assertEqual(_jsoncodec.loads(_jsoncodec.dumpb([big, -big])),
                         [big, -big])

    def test_backend(self):
        self.assertIn(_jsoncodec.BACKEND, ('json', 'orjson'))
        if not IS_CPYTHON:
            self.assertEqual(_jsoncodec.BACKEND, 'json')


class TestJSONRequests(unittest.TestCase):
    def setUp(self):
        self.client = TestClient(_app())

    def post(self, path, body, content_type='application/json'):
        return _run(self.client.post(path, headers={
            'Content-Type': content_type}, body=body))

    def test_response_body(self):
        res = _run(TestClient(_app()).post('/json', body={'x': [1, 2]}))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Type'],
                         'application/json; charset=UTF-8')
        self.assertEqual(res.json, {'json': {'x': [1, 2]}, 'form': False})
        self.assertEqual(_jsoncodec.loads(res.body), res.json)

    def test_list_response(self):
        res = Response([1, 'two', None])
        self.assertEqual(res.headers['Content-Type'],
                         'application/json; charset=UTF-8')
        self.assertIsInstance(res.body, bytes)
        self.assertEqual(_jsoncodec.loads(res.body), [1, 'two', None])

    def test_valid_bodies(self):
        for body, value in ((b'{"a": 1}', {'a': 1}), (b'[]', []),
                            (b'"\xe2\x98\x83"', '\u2603'),
                            (b'123456789012345678901234567890',
                             123456789012345678901234567890),
                            (b' {"a": [1.5, -0.25, null]} ',
                             {'a': [1.5, -0.25, None]})):
            res = self.post('/json', body)
            self.assertEqual(res.status_code, 200, body)
            self.assertEqual(res.json['json'], value)

    def test_null_body_is_none(self):
        res = self.post('/json', b'null')
        self.assertEqual(res.status_code, 200)
        self.assertIsNone(res.json['json'])

    def test_not_json_content_type_is_none(self):
        for content_type in ('text/plain', 'application/jsonx',
                             'application/x-json'):
            res = self.post('/json', b'{not json', content_type)
            self.assertEqual(res.status_code, 200, content_type)
            self.assertIsNone(res.json['json'])
        res = _run(self.client.post('/json', body=b'{"a": 1}'))
        self.assertIsNone(res.json['json'])

    def test_content_type_with_parameters(self):
        res = self.post('/json', b'[1]', 'application/json; charset=utf-8')
        self.assertEqual(res.json['json'], [1])

    def test_malformed_json_is_400(self):
        for body in (b'{not json', b'{"a": 1', b"{'a': 1}",
                     b'{"a": 1} {"b": 2}', b'', b'   ', b'NaNa',
                     b'\xef\xbb\xbf{}') + _on_cpython(b'[1,]', b'{"a" 1}'):
            with _Traces() as traces:
                res = self.post('/json', body)
            self.assertEqual(res.status_code, 400, body)
            self.assertEqual(res.text, 'Invalid JSON body')
            self.assertEqual(traces.seen, [], body)

    def test_invalid_utf8_json_is_400(self):
        for body in (b'"\xff"', b'{"a": "\xc3"}') + \
                _on_cpython(b'["\xed\xa0\x80"]', b'\x80[]'):
            with _Traces() as traces:
                res = self.post('/json', body)
            self.assertEqual(res.status_code, 400, body)
            self.assertEqual(res.text, 'Invalid UTF-8 in JSON body')
            self.assertEqual(traces.seen, [])

    def test_deeply_nested_json_is_not_500(self):
        # CPython: deeper than the parser allows, a 400; MicroPython's
        # parser has no recursion limit and reads it
        depth = 5000
        body = b'[' * depth + b']' * depth
        with _Traces() as traces:
            res = self.post('/parse', body)
        if IS_CPYTHON:
            self.assertEqual(res.status_code, 400)
            self.assertEqual(res.text, 'Invalid JSON body')
        else:
            self.assertEqual(res.text, 'parsed')
        self.assertEqual(traces.seen, [])
        res = self.post('/parse', b'[' * depth)
        self.assertEqual(res.status_code, 400)

    def test_error_handler_for_400_runs(self):
        app = _app()

        @app.errorhandler(400)
        def bad_request(request):
            return {'error': 'bad request'}, 400

        res = _run(TestClient(app).post('/json', headers={
            'Content-Type': 'application/json'}, body=b'{'))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.json, {'error': 'bad request'})

    def test_property_raises_http_exception(self):
        seen = []
        app = Microdot()

        @app.post('/')
        def index(request):
            try:
                request.json
            except HTTPException as exc:
                seen.append(exc)
                raise
            return 'not reached'

        res = _run(TestClient(app).post('/', headers={
            'Content-Type': 'application/json'}, body=b'{'))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(len(seen), 1)
        self.assertEqual(seen[0].status_code, 400)
        self.assertEqual(seen[0].reason, 'Invalid JSON body')

    def test_upstream_code_catching_value_error(self):
        res = self.post('/catch', b'{')
        if IS_CPYTHON:
            self.assertEqual(res.status_code, 422)
            self.assertEqual(res.text, 'caught')
        else:
            # MicroPython cannot make the exception a ValueError as well
            self.assertEqual(res.status_code, 400)
        self.assertEqual(self.post('/catch', b'[2]').json, {'json': [2]})


class TestBodiesNotRead(unittest.TestCase):
    # bodies over Request.max_body_length are left in request.stream
    def setUp(self):
        self.saved = core.Request.max_body_length
        core.Request.max_body_length = 16

    def tearDown(self):
        core.Request.max_body_length = self.saved

    def chunked(self, content_type, body):
        # an HTTP/1.1 request with a chunked body, as a transport reads it
        head = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: {}\r\n' \
            'Transfer-Encoding: chunked\r\n\r\n'.format(content_type)
        chunks = b''.join(b'%x\r\n%s\r\n' % (len(part), part)
                          for part in (body[:10], body[10:]) if part)
        reader = AsyncBytesIO(head.encode() + chunks + b'0\r\n\r\n')
        return _run(core.Request.create(Microdot(), reader,
                                        AsyncBytesIO(b''), 'addr'))

    def test_chunked_bodies(self):
        req = self.chunked('application/json', b'[1, {"a": null}]')
        self.assertEqual(req.json, [1, {'a': None}])
        req = self.chunked(FORM, b'a=1&b=%C3%A9')
        self.assertEqual(req.form['b'], '\u00e9')
        for content_type, body in (
                ('application/json', b'["a longer body than 16 bytes"]'),
                (FORM, b'a=a+longer+body+than+16+bytes')):
            req = self.chunked(content_type, body)
            with self.assertRaises(HTTPException) as cm:
                req.json if content_type == 'application/json' else req.form
            self.assertEqual(cm.exception.status_code, 413)
            self.assertEqual(cm.exception.reason, 'Payload too large')

    def test_json_and_form_too_large_to_read_are_413(self):
        client = TestClient(_app())
        for path, content_type, body in (
                ('/json', 'application/json', b'{"key": "a longer value"}'),
                ('/form', FORM, b'key=a+longer+value&x=1')):
            with _Traces() as traces:
                res = _run(client.post(path, headers={
                    'Content-Type': content_type}, body=body))
            self.assertEqual(res.status_code, 413, path)
            self.assertEqual(res.text, 'Payload too large')
            self.assertEqual(traces.seen, [])
            res = _run(client.post(path, headers={
                'Content-Type': content_type}, body=body[:16]))
            self.assertNotEqual(res.status_code, 413, path)


class TestFormRequests(unittest.TestCase):
    def setUp(self):
        self.client = TestClient(_app())

    def post(self, body, content_type=FORM):
        return _run(self.client.post('/form', headers={
            'Content-Type': content_type}, body=body))

    def test_valid_form(self):
        res = self.post(b'a=1&b=caf%C3%A9&c=x+y')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json['form'],
                         {'a': '1', 'b': 'caf\u00e9', 'c': 'x y'})

    def test_undecodable_form_is_400(self):
        for body in (b'a=%FF', b'a=%C3', b'a=\xff', b'ok=1&bad=%C3%28') + \
                _on_cpython(b'%ED%A0%80=1'):
            with _Traces() as traces:
                res = self.post(body)
            self.assertEqual(res.status_code, 400, body)
            self.assertEqual(res.text, 'Invalid UTF-8 in form data')
            self.assertEqual(traces.seen, [])

    def test_form_of_other_content_type_is_none(self):
        res = self.post(b'a=%FF', 'text/plain')
        self.assertEqual(res.status_code, 200)
        self.assertIsNone(res.json['form'])


if __name__ == '__main__':
    unittest.main()
