"""The JSON codec against the standard library's json module (CPython only:
Hypothesis, orjson, a real socket).

Every value json can encode must load back, from our output, as the value
json's own output loads back as; every document json.loads reads must give
the same value through our loads and through request.json; every document
it refuses must be refused (a 400 for request.json). Both codecs are
checked: the orjson one (microdot._jsonfast) and the plain one that
CPython without orjson gets (microdot/_jsoncodec.py loaded with orjson
hidden).
"""
import asyncio
import collections
import dataclasses
import datetime
import enum
import http.client
import importlib.util
import json
import math
import sys
import unittest
import uuid
from unittest import mock

import orjson
from hypothesis import given, settings, strategies as st

import microdot.microdot as core
from microdot import Microdot, _jsoncodec, _jsonfast
from microdot.test_client import TestClient
from live_server import LiveServer

NAN = float('nan')
INF = float('inf')
SETTINGS = settings(max_examples=300, deadline=None, database=None)
PASSTHROUGH = orjson.OPT_PASSTHROUGH_SUBCLASS


def _run(coro):
    return asyncio.run(coro)


def _load_without_orjson():
    # the module as CPython without orjson imports it
    with mock.patch.dict(sys.modules, {'orjson': None}):
        spec = importlib.util.spec_from_file_location(
            'microdot._jsoncodec_without_orjson', _jsoncodec.__file__)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


PLAIN = _load_without_orjson()
CODECS = (('orjson', _jsonfast), ('json', PLAIN))


def same(a, b):
    """Equal values of equal types, keys in the same order, NaN equal to
    NaN and 0.0 not equal to -0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if a != a:
            return b != b
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


# ---- values json can encode ----------------------------------------------

class Text(str):
    pass


class Int(int):
    def __repr__(self):
        return 'Int({})'.format(int(self))


class Float(float):
    pass


class Items(dict):
    # json encodes a dict subclass through its own items()
    def items(self):
        return sorted(super().items(), key=lambda kv: str(kv[0]),
                      reverse=True)


class Array(list):
    pass


class Color(enum.IntEnum):
    RED = 1


Pair = collections.namedtuple('Pair', 'a b')


def _moved(d):
    od = collections.OrderedDict(d)
    if od:
        od.move_to_end(next(iter(od)))
    return od


EDGE_FLOATS = (0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308,
               2.225073858507201e-308, 1.7976931348623157e308, 1e16, 1e-7,
               0.1, 9007199254740993.0, 9.223372036854776e18, INF, -INF, NAN)
EDGE_INTS = (0, -1, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64,
             -2 ** 63, -2 ** 63 - 1, 2 ** 70, -2 ** 70, 10 ** 100,
             int('9' * 1900))
# every code point, lone surrogates included
CHARS = st.characters(exclude_categories=())
TEXTS = st.one_of(
    st.text(CHARS, max_size=12),
    st.sampled_from(['null', 'NaN', 'Infinity', '-0', '\u2028\u2029', '"\\',
                     '\x00\x1f\x7f', '\ud800', '\udfff\ud800', '\U0001f600',
                     '1' * 25]))
INTS = st.one_of(st.integers(), st.sampled_from(EDGE_INTS),
                 st.integers(-2 ** 65, 2 ** 65),
                 st.integers(-10 ** 400, 10 ** 400))
FLOATS = st.one_of(st.floats(), st.sampled_from(EDGE_FLOATS))
SCALARS = st.one_of(st.none(), st.booleans(), INTS, FLOATS, TEXTS,
                    INTS.map(Int), FLOATS.map(Float), TEXTS.map(Text),
                    st.just(Color.RED))
KEYS = st.one_of(st.text(CHARS, max_size=8), st.sampled_from(['a', 'b', '1']),
                 st.integers(-3, 3), INTS, FLOATS, st.booleans(), st.none(),
                 st.text(max_size=3).map(Text))


def _containers(children):
    lists = st.lists(children, max_size=5)
    dicts = st.dictionaries(KEYS, children, max_size=5)
    return st.one_of(lists, dicts, lists.map(tuple), lists.map(Array),
                     dicts.map(Items), dicts.map(_moved),
                     st.tuples(children, children).map(lambda t: Pair(*t)))


def _nested(depth, leaf, as_dict):
    value = leaf
    for i in range(depth):
        value = {'k': value} if as_dict and i % 2 else [value]
    return value


# what APIs send: orjson encodes these itself, through the fast path
PLAIN_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(),
                          st.floats(allow_nan=False, allow_infinity=False),
                          st.text(max_size=12))
PLAIN_VALUES = st.recursive(PLAIN_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=5),
    st.dictionaries(st.text(max_size=8), children, max_size=5)),
    max_leaves=30)
# deeper than orjson's 254 levels, well within json's recursion
DEEP = st.builds(_nested, st.integers(1, 400),
                 st.sampled_from([None, NAN, 2 ** 70, 'x', {1: 2}]),
                 st.booleans())
VALUES = st.one_of(PLAIN_VALUES,
                   st.recursive(SCALARS, _containers, max_leaves=30), DEEP)


def expected_dump(value):
    return json.loads(json.dumps(value))


# ---- documents -------------------------------------------------------------

NUMBERS = st.from_regex(
    r'\A-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,7})?\Z')
SPECIALS = st.sampled_from([
    'NaN', 'Infinity', '-Infinity', '1e999999', '-1e400', '1e-400', '-0',
    '-0.0', '0e0', '"\\ud800"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"',
    '{"a": 1, "b": 2, "a": 3}', '[1, 2, ]', '01', '1.', '.5', '+1', '\ufeff1',
    ' \t\n\r1 \t\n\r', '\x0c1', '"\x7f"', '"\x1f"', '"\\u0000"', 'nul',
    '[' * 600 + ']' * 600, '{"a":' * 300 + '1' + '}' * 300])


def _format(value, style):
    return json.dumps(value, **style)


STYLES = st.fixed_dictionaries({}, optional={
    'indent': st.sampled_from([None, 0, 2, '\t']),
    'separators': st.sampled_from([(',', ':'), (', ', ': '), (' ,', ' : ')]),
    'ensure_ascii': st.booleans(), 'sort_keys': st.just(False)})
FORMATTED = st.builds(_format, st.recursive(SCALARS, _containers,
                                            max_leaves=20), STYLES)
JSONISH = st.text(st.sampled_from(list('{}[],:"\\ 0123456789.eE+-tfnulrsaNIy'
                                       '\u00e9\ud800\x00')), max_size=30)


@st.composite
def _mutated(draw, docs):
    doc = draw(docs)
    for _ in range(draw(st.integers(1, 3))):
        if not doc:
            break
        i = draw(st.integers(0, len(doc) - 1))
        how = draw(st.sampled_from(['drop', 'insert', 'cut']))
        if how == 'drop':
            doc = doc[:i] + doc[i + 1:]
        elif how == 'insert':
            doc = doc[:i] + draw(st.sampled_from(
                list('{}[],:"\\0-e.n') + ['\ud800', '\x01'])) + doc[i:]
        else:
            doc = doc[:i]
    return doc


VALID_DOCS = st.one_of(FORMATTED, NUMBERS, SPECIALS)
DOCUMENTS = st.one_of(VALID_DOCS, VALID_DOCS, _mutated(VALID_DOCS), JSONISH)


def reference_loads(doc):
    """``('ok', value)`` or ``('error', exception type)`` from json."""
    try:
        if isinstance(doc, bytes):
            doc = doc.decode()
        return 'ok', json.loads(doc)
    except (ValueError, RecursionError) as exc:
        return 'error', type(exc)


def _as_bytes(doc, draw_bad):
    try:
        data = doc.encode()
    except UnicodeError:
        data = doc.encode('utf-8', 'surrogatepass')  # invalid UTF-8
    if draw_bad:
        data = data[:len(data) // 2] + b'\xff' + data[len(data) // 2:]
    return data


class TestDumps(unittest.TestCase):
    def test_differential(self):
        paths = collections.Counter()

        @SETTINGS
        @given(VALUES)
        def check(value):
            expected = expected_dump(value)
            for name, codec in CODECS:
                data = codec.dumpb(value)
                self.assertIsInstance(data, bytes)
                self.assertTrue(same(json.loads(data), expected),
                                (name, value, data))
                text = codec.dumps(value)
                self.assertIsInstance(text, str)
                self.assertTrue(same(json.loads(text), expected), name)
                self.assertTrue(same(codec.loads(data), expected), name)
            try:
                fast = orjson.dumps(value, option=PASSTHROUGH)
            except TypeError:
                fast = None
            paths['orjson' if fast == _jsonfast.dumpb(value) else 'json'] += 1

        check()
        # both paths are exercised, and neither is a rarity
        total = sum(paths.values())
        self.assertGreater(paths['orjson'], total // 5, paths)
        self.assertGreater(paths['json'], total // 5, paths)

    def test_differences_from_orjson(self):
        od = collections.OrderedDict([('a', 1), ('b', 2)])
        od.move_to_end('a')
        cases = [
            {1: 'x'}, {True: 1, None: 2, 1.5: 3, -0.0: 4, NAN: 5, INF: 6},
            {1: 'a', '1': 'b'}, 2 ** 70, -2 ** 63 - 1, 2 ** 64,
            int('7' * 1900), [NAN, INF, -INF, None], NAN, '\ud800',
            {'\udc00': 'k'}, Text('t'), Int(3), Float(1.5), {'a': Float(2)},
            Items(a=1, b=2), od, Array([1]), Pair(1, 2), (1, None),
            {Text('k'): 1}, {Color.RED: 'r'}, _nested(300, None, False),
            _nested(300, 'x', True)]
        for value in cases:
            expected = expected_dump(value)
            for name, codec in CODECS:
                self.assertTrue(same(json.loads(codec.dumpb(value)), expected),
                                (name, value))
        self.assertEqual(_jsonfast.dumpb(od), b'{"b":2,"a":1}')
        self.assertEqual(_jsonfast.dumpb([NAN, INF, -INF]),
                         b'[NaN,Infinity,-Infinity]')
        self.assertEqual(_jsonfast.dumpb({1: 'x'}), b'{"1":"x"}')

    def test_errors_are_json_errors(self):
        circular = []
        circular.append(circular)
        for name, codec in CODECS:
            with self.assertRaisesRegex(ValueError, 'Circular reference'):
                codec.dumpb(circular)
            for value in ({'a': {1, 2}}, b'x', [object()], {(1, 2): 3}):
                with self.assertRaises(TypeError):
                    json.dumps(value)
                with self.assertRaises(TypeError):
                    codec.dumpb(value)
        with self.assertRaisesRegex(TypeError, 'Object of type set is not '
                                    'JSON serializable'):
            _jsonfast.dumpb({'a': {1}})

    def test_types_only_orjson_encodes(self):
        @dataclasses.dataclass
        class Point:
            x: int
            y: float

        class Plain(enum.Enum):
            A = 'a'

        when = datetime.datetime(2024, 5, 1, 12, 30,
                                 tzinfo=datetime.timezone.utc)
        value = {'when': when, 'day': when.date(), 'at': when.time(),
                 'id': uuid.UUID(int=7), 'plain': Plain.A,
                 'point': Point(1, 2.5)}
        fast = orjson.loads(orjson.dumps(value))
        self.assertEqual(json.loads(_jsonfast.dumpb(value)), fast)
        # through json (a non-str key forces it) they come out the same
        self.assertEqual(json.loads(_jsonfast.dumpb({1: value}))['1'], fast)
        # ... and with a null in the output, which is checked by parsing
        self.assertEqual(json.loads(_jsonfast.dumpb([value, None]))[0], fast)
        # without orjson, json refuses them as it always did
        with self.assertRaises(TypeError):
            PLAIN.dumpb(value)

    def test_fast_path_is_orjson(self):
        typical = {'id': 1, 'name': 'caf\u00e9', 'tags': ['a', 'b'],
                   'price': 9.5, 'ok': True, 'parent': None}
        with mock.patch.object(_jsonfast, '_encoder') as encoder:
            self.assertEqual(_jsonfast.dumpb(typical), orjson.dumps(typical))
            encoder.encode.assert_not_called()
            _jsonfast.dumpb({1: 2})
            encoder.encode.assert_called_once_with({1: 2})

    def test_plain_codec_is_json(self):
        value = {'a': [1, 2.5, None, 'caf\u00e9'], 1: NAN}
        self.assertEqual(PLAIN.dumps(value), json.dumps(value))
        self.assertEqual(PLAIN.dumpb(value), json.dumps(value).encode())
        self.assertEqual(PLAIN.BACKEND, 'json')
        self.assertEqual(_jsoncodec.BACKEND, 'orjson')
        self.assertIs(_jsoncodec.dumpb, _jsonfast.dumpb)

    def test_responses_use_the_codec(self):
        response = core.Response({1: NAN, 'big': 2 ** 70})
        self.assertEqual(response.body,
                         b'{"1":NaN,"big":1180591620717411303424}')
        self.assertEqual(response.headers['Content-Type'],
                         'application/json; charset=UTF-8')


class TestLoads(unittest.TestCase):
    def test_differential(self):
        outcomes = collections.Counter()

        @SETTINGS
        @given(DOCUMENTS, st.booleans())
        def check(doc, bad_utf8):
            kind, expected = reference_loads(doc)
            outcomes[kind] += 1
            data = _as_bytes(doc, bad_utf8)
            data_kind, data_expected = reference_loads(data)
            for name, codec in CODECS:
                if kind == 'ok':
                    self.assertTrue(same(codec.loads(doc), expected),
                                    (name, doc))
                else:
                    with self.assertRaises(ValueError, msg=(name, doc)):
                        codec.loads(doc)
                if data_kind == 'ok':
                    self.assertTrue(same(codec.loads(data), data_expected),
                                    (name, data))
                    self.assertTrue(same(codec.loads(bytearray(data)),
                                         data_expected), name)
                else:
                    with self.assertRaises(ValueError, msg=(name, data)):
                        codec.loads(data)

        check()
        total = sum(outcomes.values())
        self.assertGreater(outcomes['ok'], total * 2 // 5, outcomes)
        self.assertGreater(outcomes['error'], total // 10, outcomes)

    def test_differences_from_orjson(self):
        for doc, value in (
                ('1180591620717411303424', 2 ** 70),
                ('-9223372036854775809', -2 ** 63 - 1),
                ('18446744073709551616', 2 ** 64),
                ('[1.0, 12345678901234567890123]',
                 [1.0, 12345678901234567890123]),
                ('1' * 1900, int('1' * 1900)),
                ('1e999999', INF), ('-1e400', -INF), ('NaN', NAN),
                ('Infinity', INF), ('[-Infinity]', [-INF]),
                ('"\\ud800"', '\ud800'), ('"\\udc00\\ud800"', '\udc00\ud800'),
                ('"\ud800"', '\ud800'), ('-0', 0), ('-0.0', -0.0),
                ('{"a": 1, "b": 2, "a": 3}', {'a': 3, 'b': 2})):
            for name, codec in CODECS:
                self.assertTrue(same(codec.loads(doc), value), (name, doc))
                self.assertTrue(same(json.loads(doc), value), doc)

    def test_deeper_than_orjson_reads(self):
        doc = '[' * 1100 + ']' * 1100
        with self.assertRaises(orjson.JSONDecodeError):
            orjson.loads(doc)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(10000)
        try:
            self.assertTrue(same(_jsonfast.loads(doc), json.loads(doc)))
        finally:
            sys.setrecursionlimit(limit)
        with self.assertRaises(RecursionError):
            _jsonfast.loads('[' * 100000 + ']' * 100000)

    def test_bytes_are_utf8_only(self):
        # json.loads(bytes) also reads these; RFC 8259 JSON is UTF-8
        for data in (b'\xef\xbb\xbf[1]', '[1]'.encode('utf-16'),
                     '[1]'.encode('utf-32-le'), b'"\xed\xa0\x80"'):
            json.loads(data)
            for name, codec in CODECS:
                with self.assertRaises(ValueError, msg=(name, data)):
                    codec.loads(data)

    def test_errors_are_json_errors(self):
        for doc in ('', '{', '[1,]', '1' * 5000, '{"a" 1}'):
            with self.assertRaises(ValueError) as expected:
                json.loads(doc)
            with self.assertRaises(ValueError) as got:
                _jsonfast.loads(doc)
            self.assertIs(type(got.exception), type(expected.exception))
            self.assertEqual(str(got.exception), str(expected.exception))


def _echo_app(seen):
    app = Microdot()

    @app.post('/json')
    def read_json(request):
        seen.append(request.json)
        return 'ok'

    @app.post('/echo')
    def echo(request):
        return {'value': request.json}

    @app.post('/form')
    def read_form(request):
        return {k: request.form[k] for k in request.form}

    @app.get('/id/<int:id>')
    def by_id(request, id):
        return {'id': id}

    return app


class TestRequestJSON(unittest.TestCase):
    def test_differential_through_test_client(self):
        seen = []
        client = TestClient(_echo_app(seen))
        outcomes = collections.Counter()

        @settings(max_examples=150, deadline=None, database=None)
        @given(DOCUMENTS, st.booleans())
        def check(doc, bad_utf8):
            data = _as_bytes(doc, bad_utf8)
            kind, expected = reference_loads(data)
            outcomes[kind] += 1
            del seen[:]
            with mock.patch.object(core, 'print_exception') as traces:
                res = _run(client.post('/json', headers={
                    'Content-Type': 'application/json'}, body=data))
            traces.assert_not_called()
            if kind == 'ok':
                self.assertEqual(res.status_code, 200, data)
                self.assertTrue(same(seen[0], expected), data)
            else:
                self.assertEqual(res.status_code, 400, data)
                self.assertIn(res.text, ('Invalid JSON body',
                                         'Invalid UTF-8 in JSON body'))

        check()
        self.assertGreater(outcomes['ok'], 30, outcomes)
        self.assertGreater(outcomes['error'], 15, outcomes)

    def test_hostile_numbers(self):
        # issue 8, item 7: both were 500s with orjson
        client = TestClient(_echo_app([]))
        digits = '9' * 1900
        res = _run(client.get('/id/' + digits))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json, {'id': int(digits)})
        res = _run(client.post('/echo', headers={
            'Content-Type': 'application/json'}, body=b'[1e999999]'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.body, b'{"value":[Infinity]}')
        self.assertEqual(res.json, {'value': [INF]})


class TestOverSocket(unittest.TestCase):
    def test_statuses(self):
        server = LiveServer(_echo_app([])).start()
        self.addCleanup(server.stop)
        saved = core.Request.max_body_length
        core.Request.max_body_length = 64
        self.addCleanup(setattr, core.Request, 'max_body_length', saved)

        def request(method, path, body=None, content_type=None):
            conn = http.client.HTTPConnection('127.0.0.1', server.port,
                                              timeout=10)
            try:
                headers = {'Content-Type': content_type} if content_type \
                    else {}
                conn.request(method, path, body=body, headers=headers)
                res = conn.getresponse()
                return res.status, res.read()
            finally:
                conn.close()

        with mock.patch.object(core, 'print_exception') as traces:
            self.assertEqual(request('POST', '/echo', b'{"a": [1,',
                                     'application/json'),
                             (400, b'Invalid JSON body'))
            self.assertEqual(request('POST', '/echo', b'{"a": "\xff"}',
                                     'application/json'),
                             (400, b'Invalid UTF-8 in JSON body'))
            self.assertEqual(request('POST', '/form', b'a=%C3%28',
                                     'application/x-www-form-urlencoded'),
                             (400, b'Invalid UTF-8 in form data'))
            status, body = request('POST', '/echo', b'[1e999999, 2e0]',
                                   'application/json')
            self.assertEqual((status, json.loads(body)),
                             (200, {'value': [INF, 2.0]}))
            status, body = request('GET', '/id/' + '9' * 1900)
            self.assertEqual((status, json.loads(body)),
                             (200, {'id': int('9' * 1900)}))
            # over max_body_length: left in request.stream, not parsed
            self.assertEqual(request('POST', '/echo', json.dumps(
                {'k': 'x' * 100}).encode(), 'application/json'),
                (413, b'Payload too large'))
        traces.assert_not_called()


if __name__ == '__main__':
    unittest.main()
