"""Hypothesis feeds random input to both twins of every function in
``microdot._speedups``: they must give the same result, or raise the same
exception type with the same message.

Skipped without the compiled twins, unless MICRODOT_REQUIRE_SPEEDUPS is set
(then the tests fail, see ``test_twins_cpython.NeedsCompiled``).
"""
import unittest

from hypothesis import HealthCheck, given, settings, strategies as st

from microdot._speedups import _pure

from test_twins import INT, PATH, STR, STATIC, SEGMENTS, CALLABLE, run_case
from test_twins_cpython import COMPILED, NeedsCompiled

settings.register_profile(
    'twins', max_examples=300, deadline=None, derandomize=False,
    suppress_health_check=[HealthCheck.too_slow])
TWINS = settings.get_profile('twins')

# bytes that matter to the parsers, mixed with anything at all
_SPECIAL = [b'%', b'+', b'\r', b'\n', b':', b' ', b'\t', b'\x0b', b'\x0c',
            b'&', b'=', b'/', b'-', b'0', b'9', b'a', b'f', b'A', b'F', b'g',
            b'\xff', b'\xc3', b'\xa9', b'\xe2\x82\xac', b'\x00', b'HTTP/',
            b'GET ', b' HTTP/1.1', b'\r\n', b'%4', b'%C3', b'%A9', b'%zz']
_CHUNK = st.one_of(st.sampled_from(_SPECIAL), st.binary(max_size=6))
RAW = st.lists(_CHUNK, max_size=40).map(b''.join)

_TEXT_SPECIAL = ['%', '+', '&', '=', '/', '-', ' ', '0', '7', 'a', 'F', 'z',
                 '\u00e9', '\u20ac', '\U0001f600', '\ud800', '%41', '%e2%82',
                 '%ff', '%C3%A9', '\x00', '\u0663']
_TEXT_CHUNK = st.one_of(st.sampled_from(_TEXT_SPECIAL), st.text(max_size=4))
TEXT = st.lists(_TEXT_CHUNK, max_size=40).map(''.join)

HEAD = st.builds(
    lambda line, headers, end, tail: line + b''.join(headers) + end + tail,
    st.one_of(st.just(b'GET / HTTP/1.1\r\n'), RAW.map(lambda b: b + b'\n')),
    st.lists(st.one_of(
        st.builds(lambda n, v, e: n + b':' + v + e, RAW, RAW,
                  st.sampled_from([b'\r\n', b'\n', b'\r\r\n'])),
        RAW.map(lambda b: b + b'\n')), max_size=8),
    st.sampled_from([b'', b'\r\n', b'\n', b'\r']),
    RAW)


def same(test, name, *args):
    """Assert that both twins of ``name`` agree on ``args``."""
    expected = run_case(getattr(_pure, name), args)
    actual = run_case(getattr(COMPILED, name), args)
    test.assertEqual(actual, expected, 'diverged on {!r}'.format(args))
    if expected[0] == 'ok':
        test.assertEqual(type(actual[1]), type(expected[1]))


class ParsingDiffTests(NeedsCompiled, unittest.TestCase):
    @TWINS
    @given(RAW)
    def test_parse_request_line(self, data):
        same(self, 'parse_request_line', data)

    @TWINS
    @given(RAW)
    def test_parse_header_line(self, data):
        same(self, 'parse_header_line', data)

    @TWINS
    @given(st.one_of(HEAD, RAW))
    def test_parse_head(self, data):
        same(self, 'parse_head', data)


class UrlDiffTests(NeedsCompiled, unittest.TestCase):
    @TWINS
    @given(RAW)
    def test_urldecode_bytes(self, data):
        same(self, 'urldecode', data)

    @TWINS
    @given(TEXT)
    def test_urldecode_text(self, data):
        same(self, 'urldecode', data)

    @TWINS
    @given(RAW)
    def test_parse_urlencoded_bytes(self, data):
        same(self, 'parse_urlencoded', data)

    @TWINS
    @given(TEXT)
    def test_parse_urlencoded_text(self, data):
        same(self, 'parse_urlencoded', data)


class MaskDiffTests(NeedsCompiled, unittest.TestCase):
    @TWINS
    @given(st.binary(min_size=0, max_size=6), st.binary(max_size=300),
           st.sampled_from([bytes, bytearray, memoryview]))
    def test_mask(self, key, data, kind):
        same(self, 'mask', key, kind(data))


_SEGMENT_TEXT = st.sampled_from(['a', 'b', '1', '-1', '', '00', 'x y', '-',
                                 '\u00e9', '\u0663'])
_PARSERS = st.sampled_from([None, int, str.upper, lambda v: None,
                            lambda v: v or None])
_ITEM = st.one_of(
    _SEGMENT_TEXT,
    st.tuples(st.sampled_from([STR, INT, PATH]),
              st.sampled_from(['p', 'q', 'r']), _PARSERS))
SPEC = st.lists(_ITEM, max_size=6).map(tuple)
PATHS = st.one_of(
    st.lists(_SEGMENT_TEXT, max_size=8).map(lambda s: '/' + '/'.join(s)),
    TEXT)


class RoutingDiffTests(NeedsCompiled, unittest.TestCase):
    @TWINS
    @given(SPEC, PATHS)
    def test_match_segments(self, spec, path):
        same(self, 'match_segments', spec, path)

    @TWINS
    @given(st.lists(st.one_of(
        st.tuples(st.just(STATIC), PATHS),
        st.tuples(st.just(SEGMENTS), SPEC),
        st.tuples(st.just(CALLABLE), st.sampled_from([
            lambda p: {} if p.endswith('a') else None,
            lambda p: None]))), max_size=8),
        st.lists(st.tuples(st.sampled_from(['GET', 'POST']), PATHS),
                 max_size=6))
    def test_router(self, routes, requests):
        routers = (_pure.Router(), COMPILED.Router())
        for router in routers:
            for i, (kind, data) in enumerate(routes):
                router.add(['GET'] if i % 2 else ['GET', 'POST'], kind, data)
        for method, path in requests:
            self.assertEqual(run_case(routers[1].lookup, (method, path)),
                             run_case(routers[0].lookup, (method, path)))
            self.assertEqual(run_case(routers[1].matches, (path,)),
                             run_case(routers[0].matches, (path,)))
        self.assertEqual(routers[1].cache, routers[0].cache)
