"""Hypothesis feeds generated input to both twins of every function in
``microdot._speedups``: they must give the same result, or raise the same
exception type with the same message. The route matcher and the router are
also compared with the implementation they replaced (tests/routing_oracle.py)
wherever that one finishes quickly.

Inputs come from a grammar of what the functions are for (request lines,
header lines, heads, percent-encoded text, query strings, masking keys,
segment specs with paths that match them, route tables with requests for
their routes), at sizes that reach the large-buffer branches of the compiled
twins (512-byte stack buffers, 64 stack segments, masking without the GIL
from 8 KiB); about one input in five is then mutated. Each test counts its
outcomes (also shown with ``--hypothesis-show-statistics``) and fails when
too few inputs were valid, so that it cannot end up testing error paths only.

Skipped without the compiled twins, unless MICRODOT_REQUIRE_SPEEDUPS is set
(then the tests fail, see ``test_twins_cpython.NeedsCompiled``).
"""
import random
import string
import unittest

from hypothesis import HealthCheck, event, given, settings, strategies as st

from microdot._speedups import _pure

import routing_oracle
from test_twins import INT, PATH, STR, STATIC, SEGMENTS, CALLABLE, run_case
from test_twins_cpython import COMPILED, NeedsCompiled, Spy

TWINS = settings(max_examples=300, deadline=None, derandomize=False,
                 suppress_health_check=[HealthCheck.too_slow,
                                        HealthCheck.data_too_large])
#: Smallest share of generated inputs that must be handled without error.
MIN_OK = 0.5

# -- mutation ---------------------------------------------------------------

_NASTY = [b'\r', b'\n', b'\r\n', b':', b' ', b'\t', b'\x00', b'\x0b', b'\xff',
          b'\xc3', b'\xe2\x82', b'%', b'%4', b'%zz', b'%FF', b'+', b'&', b'=',
          b'/', b'//', b'-', b'HTTP/', b'\x80']


@st.composite
def mutated(draw, base):
    """A value of ``base`` (bytes), changed by a few random edits one time
    in five."""
    data = draw(base)
    if draw(st.integers(0, 99)) < 80:
        return data
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(['insert', 'delete', 'replace', 'cut']))
        if op == 'insert':
            data = data[:i] + draw(st.sampled_from(_NASTY)) + data[i:]
        elif op == 'delete':
            data = data[:i] + data[i + draw(st.integers(1, 4)):]
        elif op == 'replace' and i < len(data):
            data = data[:i] + bytes([draw(st.integers(0, 255))]) + \
                data[i + 1:]
        else:
            data = data[:i]
    return data


def _mutated_text(base):
    # the same edits on text, through latin-1 so that any byte survives
    return mutated(base.map(lambda t: t.encode('utf-8'))).map(
        lambda b: b.decode('utf-8', 'surrogateescape'))


# -- HTTP heads -----------------------------------------------------------

_TCHAR = "!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters
_KNOWN_HEADERS = ['Host', 'User-Agent', 'Accept', 'Accept-Encoding',
                  'Cookie', 'Content-Type', 'Content-Length', 'Connection',
                  'Sec-WebSocket-Key', 'content-type', 'X-Forwarded-For',
                  'Upgrade-Insecure-Requests', 'If-None-Match']
_PCHAR = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@"

TOKEN = st.text(alphabet=_TCHAR, min_size=1, max_size=12)
# short names, known names, and names longer than the compiled twin's table
NAME = st.one_of(st.sampled_from(_KNOWN_HEADERS), TOKEN,
                 st.text(alphabet=_TCHAR, min_size=33, max_size=80))
METHOD = st.one_of(st.sampled_from(['GET', 'POST', 'PUT', 'DELETE', 'PATCH',
                                    'HEAD', 'OPTIONS']), TOKEN)
PCT = st.builds(lambda b, upper: ('%{:02X}' if upper else '%{:02x}').format(b),
                st.integers(0, 255), st.booleans())
SEGMENT = st.lists(st.one_of(st.text(alphabet=_PCHAR, min_size=1,
                                     max_size=8), PCT),
                   max_size=4).map(''.join)
TARGET_PATH = st.one_of(
    st.lists(SEGMENT, max_size=8),
    # more segments than the compiled twin keeps on the stack (repeated:
    # Hypothesis is slow to draw many values one by one)
    st.builds(lambda segs, n: segs * n, st.lists(SEGMENT, min_size=1,
                                                 max_size=3),
              st.integers(22, 60))).map(lambda segs: '/' + '/'.join(segs))


@st.composite
def query_strings(draw, max_pairs=6):
    """``key=value`` pairs, percent-encoded, joined by ``&``."""
    pairs = []
    for _ in range(draw(st.integers(0, max_pairs))):
        key = draw(ENCODED_TEXT)
        if draw(st.integers(0, 9)) == 0:
            pairs.append(key)  # no '=' at all
        else:
            pairs.append(key + '=' + draw(ENCODED_TEXT))
    return '&'.join(pairs)


TARGET = st.one_of(
    st.builds(lambda p, q: p + ('?' + q if q else ''), TARGET_PATH,
              st.deferred(lambda: query_strings())),
    st.just('*'))
VERSION = st.sampled_from(['HTTP/1.1', 'HTTP/1.0'])
EOL = st.sampled_from([b'\r\n', b'\n', b''])
VALUE = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits +
            string.punctuation + ' \t\u00e9\u20ac', max_size=40),
    # longer than the compiled twin's 512-byte stack buffers
    st.builds(lambda c, n: c * n, st.sampled_from('abcXYZ09 ;='),
              st.integers(513, 3000))).map(lambda v: v.strip(' \t'))
OWS = st.sampled_from(['', ' ', '  ', '\t'])

REQUEST_LINE = mutated(st.builds(
    lambda m, t, v, eol: (m + ' ' + t + ' ' + v).encode() + eol,
    METHOD, TARGET, VERSION, EOL))
HEADER_LINE = mutated(st.builds(
    lambda n, o1, v, o2, eol: (n + ':' + o1 + v + o2).encode() + eol,
    NAME, OWS, VALUE, OWS, EOL))
HEAD = mutated(st.builds(
    lambda line, headers, end, body: line + b''.join(headers) + end + body,
    st.builds(lambda m, t, v: (m + ' ' + t + ' ' + v + '\r\n').encode(),
              METHOD, TARGET, VERSION),
    st.one_of(st.lists(st.builds(
        lambda n, v: (n + ': ' + v + '\r\n').encode(), NAME, VALUE),
        max_size=12),
        st.builds(lambda lines, n: lines * n, st.lists(st.builds(
            lambda n, v: (n + ':' + v + '\n').encode(), TOKEN, VALUE),
            min_size=1, max_size=3), st.integers(20, 40))),
    st.sampled_from([b'\r\n', b'\n', b'']),
    st.sampled_from([b'', b'body', b'{"a": 1}\r\nX: y\r\n'])))

# -- percent-encoded text ---------------------------------------------------

_PLAIN = st.characters(blacklist_categories=('Cs',))


@st.composite
def encoded_text(draw, min_size=0, max_size=30):
    """Text with some characters percent-encoded (their UTF-8 bytes, upper
    or lower case hex) and some spaces written as ``+``."""
    out = []
    for c in draw(st.text(alphabet=_PLAIN, min_size=min_size,
                          max_size=max_size)):
        how = draw(st.integers(0, 3))
        if c in '%+&=' or how == 0:
            fmt = '%{:02X}' if draw(st.booleans()) else '%{:02x}'
            out.extend(fmt.format(b) for b in c.encode())
        elif c == ' ' and how == 1:
            out.append('+')
        else:
            out.append(c)
    return ''.join(out)


ENCODED_TEXT = encoded_text()
# long ones take the compiled twin's heap buffer
ENCODED = st.one_of(ENCODED_TEXT,
                    st.builds(lambda t, n: t * n,
                              encoded_text(min_size=1, max_size=10),
                              st.integers(60, 300)))
URLDECODE_INPUT = st.one_of(
    _mutated_text(ENCODED),
    mutated(ENCODED.map(lambda t: t.encode('utf-8'))))
URLENCODED_INPUT = st.one_of(
    _mutated_text(st.one_of(query_strings(), st.builds(
        lambda q, n: '&'.join([q] * n), query_strings(max_pairs=3),
        st.integers(30, 150)))),
    mutated(query_strings().map(lambda t: t.encode('utf-8'))))

# -- segment specs and paths that match them --------------------------------

_LITERALS = ['a', 'b', 'x', 'api', 'v1', '', 'caf\u00e9', '1']
_PARSERS = {STR: [None, None, str.upper, lambda v: v if v != 'b' else None],
            INT: [None, int, int], PATH: [None, None, str.upper]}


@st.composite
def segment_specs(draw, max_items=6, literals=_LITERALS, max_paths=3):
    """A spec as URLPattern.compile makes it: literals, and ``string``,
    ``int`` and ``path`` items with their parsers; sometimes a short spec
    repeated into more items than the compiled twin keeps on the stack."""
    spec = []
    paths = 0
    for k in range(draw(st.integers(0, max_items))):
        kind = draw(st.sampled_from(['lit', 'lit', STR, INT, PATH]))
        if kind == PATH:
            if paths >= max_paths:
                kind = STR
            paths += 1
        if kind == 'lit':
            spec.append(draw(st.sampled_from(literals)))
        else:
            spec.append((kind, 'v%d' % k,
                         draw(st.sampled_from(_PARSERS[kind]))))
    if spec and draw(st.integers(0, 9)) == 0:
        spec = spec * (65 // len(spec) + 1)
    return tuple(spec)


_SEGS = ['a', 'b', 'x', '1', '-2', '007', 'caf\u00e9', 'x y', '\u0663']


@st.composite
def matching_path(draw, spec):
    """A path that ``spec`` matches (before parsers), mutated one time in
    five."""
    segs = []
    for item in spec:
        if isinstance(item, str):
            segs.append(item)
        elif item[0] == INT:
            segs.append(draw(st.sampled_from(['-', ''])) +
                        str(draw(st.integers(0, 10 ** 6))))
        elif item[0] == STR:
            segs.append(draw(st.sampled_from(_SEGS)))
        else:
            part = draw(st.lists(st.sampled_from(_SEGS + ['']), min_size=1,
                                 max_size=4))
            if draw(st.integers(0, 9)) == 0:
                part = part * (65 // len(part) + 1)
            if part == ['']:
                part = ['p']
            segs.extend(part)
    path = '/' + '/'.join(segs)
    if draw(st.integers(0, 99)) < 80:
        return path
    segs = path[1:].split('/')
    i = draw(st.integers(0, len(segs)))
    edit = draw(st.sampled_from(['insert', 'delete', 'replace', 'slash']))
    if edit == 'insert':
        segs.insert(i, draw(st.sampled_from(_SEGS + [''])))
    elif edit == 'delete':
        del segs[i:i + 1]
    elif edit == 'replace' and i < len(segs):
        segs[i] = draw(st.sampled_from(_SEGS + ['', 'zz']))
    else:
        return path.lstrip('/')
    return '/' + '/'.join(segs)


@st.composite
def spec_and_path(draw, **kwargs):
    spec = draw(segment_specs(**kwargs))
    return spec, draw(matching_path(spec))


def _oracle_cheap(spec, path):
    # the old backtracking matcher is slow on some inputs: only use it where
    # it answers in milliseconds
    paths = sum(1 for item in spec
                if not isinstance(item, str) and item[0] == PATH)
    return (path.count('/') + 1) ** max(paths, 1) <= 20000 and paths < 50


# -- helpers ------------------------------------------------------------------

def same(test, name, *args):
    """Assert that both twins of ``name`` agree on ``args``; return the
    outcome, and whether the compiled twin handed the input to _pure."""
    expected = run_case(getattr(_pure, name), args)
    with Spy(_pure, name) as spy:
        actual = run_case(getattr(COMPILED, name), args)
    test.assertEqual(actual, expected, 'diverged on {!r}'.format(args)[:2000])
    if expected[0] == 'ok':
        test.assertEqual(type(actual[1]), type(expected[1]))
    return expected, spy.calls > 0


class Tally:
    """Counts the outcomes of one property test. Inputs that the compiled
    twin handed to _pure (lone surrogates in text, for some functions) are
    counted apart: for them the pure twin was compared with itself."""

    def __init__(self):
        self.counts = {}

    def add(self, result, delegated=False):
        outcome = result
        if delegated:
            key = 'delegated to _pure (pure vs pure)'
        elif outcome[0] == 'ok':
            key = 'ok'
        else:
            key = 'error: ' + outcome[1].__name__
        event(key)
        self.counts[key] = self.counts.get(key, 0) + 1
        return outcome

    def note(self, label, condition=True):
        """Count an input that reached a branch worth covering."""
        if condition:
            event(label)
            self.counts[label] = self.counts.get(label, 0) + 1

    def require(self, test, *labels):
        """Fail unless every label was noted at least once."""
        for label in labels:
            test.assertIn(label, self.counts, 'no input reached ' + label)

    def check(self, test, minimum=MIN_OK, key='ok'):
        total = sum(n for k, n in self.counts.items()
                    if k == 'ok' or k.startswith(('error', 'delegated')))
        test.assertGreater(total, 0)
        share = self.counts.get(key, 0) / total
        test.assertGreaterEqual(share, minimum, 'only {:.0%} of {} inputs '
                                'gave {!r}: {}'.format(share, total, key,
                                                       self.counts))


class ParsingDiffTests(NeedsCompiled, unittest.TestCase):
    def test_parse_request_line(self):
        tally = Tally()

        @TWINS
        @given(REQUEST_LINE)
        def check(data):
            tally.add(*same(self, 'parse_request_line', data))
            tally.note('a line over 512 bytes', len(data) > 512)

        check()
        tally.check(self)
        tally.require(self, 'a line over 512 bytes')

    def test_parse_header_line(self):
        tally = Tally()

        @TWINS
        @given(HEADER_LINE)
        def check(data):
            tally.add(*same(self, 'parse_header_line', data))
            tally.note('a name over 32 bytes', len(data.split(b':')[0]) > 32)
            tally.note('a line over 512 bytes', len(data) > 512)

        check()
        tally.check(self)
        tally.require(self, 'a name over 32 bytes', 'a line over 512 bytes')

    def test_parse_head(self):
        tally = Tally()

        @TWINS
        @given(HEAD)
        def check(data):
            tally.add(*same(self, 'parse_head', data))
            tally.note('30 headers or more', data.count(b'\n') > 30)
            tally.note('a line over 512 bytes',
                       max(len(x) for x in data.split(b'\n')) > 512)

        check()
        tally.check(self)
        tally.require(self, '30 headers or more', 'a line over 512 bytes')

    def test_head_end(self):
        # the heads of the grammar, after some bytes and cut at any point
        tally = Tally()

        @TWINS
        @given(st.binary(max_size=20), HEAD, st.data())
        def check(before, head, data):
            full = before + head
            cut = data.draw(st.integers(len(before), len(full)))
            for end in (len(full), cut):
                expected, delegated = same(self, 'head_end', full[:end],
                                           len(before))
                tally.add(expected, delegated)
                tally.note('a complete head', expected[1] >= 0)
                tally.note('an incomplete head', expected[1] == -1)

        check()
        tally.check(self)
        tally.require(self, 'a complete head', 'an incomplete head')


class UrlDiffTests(NeedsCompiled, unittest.TestCase):
    def test_urldecode(self):
        tally = Tally()

        @TWINS
        @given(URLDECODE_INPUT)
        def check(data):
            tally.add(*same(self, 'urldecode', data))
            tally.note('over 512 bytes', len(data) > 512)

        check()
        tally.check(self)
        tally.require(self, 'over 512 bytes')

    def test_parse_urlencoded(self):
        tally = Tally()

        @TWINS
        @given(URLENCODED_INPUT)
        def check(data):
            tally.add(*same(self, 'parse_urlencoded', data))
            tally.note('over 512 bytes', len(data) > 512)

        check()
        tally.check(self)
        tally.require(self, 'over 512 bytes')


def _payload(seed, n):
    return random.Random(seed).randbytes(n)


# a masking key, of a wrong length one time in ten
KEY = st.builds(lambda key, bad, wrong: wrong if bad >= 90 else key,
                st.binary(min_size=4, max_size=4), st.integers(0, 99),
                st.one_of(st.binary(max_size=3),
                          st.binary(min_size=5, max_size=8)))
SIZES = st.one_of(st.integers(0, 300), st.integers(8000, 8400),
                  st.integers(16000, 70000))


class MaskDiffTests(NeedsCompiled, unittest.TestCase):
    def test_mask(self):
        tally = Tally()

        @TWINS
        @given(KEY, st.integers(0, 2 ** 32), SIZES,
               st.sampled_from([bytes, bytearray, memoryview]))
        def check(key, seed, size, kind):
            data = kind(_payload(seed, size))
            outcome = tally.add(*same(self, 'mask', key, data))
            tally.note('masked 8 KiB or more',
                       outcome[0] == 'ok' and size >= 8192)

        check()
        tally.check(self)
        tally.require(self, 'masked 8 KiB or more')


class RoutingDiffTests(NeedsCompiled, unittest.TestCase):
    def test_match_segments(self):
        tally = Tally()
        matched = Tally()

        @TWINS
        @given(spec_and_path())
        def check(case):
            spec, path = case
            outcome = tally.add(*same(self, 'match_segments', spec, path))
            matched.add(('ok',) if outcome[0] == 'ok' and
                        outcome[1] is not None else ('error', LookupError))
            if _oracle_cheap(spec, path):
                self.assertEqual(
                    outcome, run_case(routing_oracle.match_segments,
                                      (spec, path)))
            tally.note('over 64 items', len(spec) > 64)
            tally.note('over 64 segments', path.count('/') > 64)

        check()
        tally.check(self)
        tally.require(self, 'over 64 items', 'over 64 segments')
        matched.check(self)

    def test_match_segments_adversarial(self):
        # many placements to choose from: path items among literals that
        # recur in a long path of few distinct segments
        @TWINS
        @given(segment_specs(max_items=10, literals=['a', 'b'], max_paths=6),
               st.lists(st.sampled_from(['a', 'b', '']), min_size=1,
                        max_size=12),
               st.integers(1, 300))
        def check(spec, unit, repeat):
            path = '/' + '/'.join(unit * repeat)
            outcome = same(self, 'match_segments', spec, path)[0]
            if _oracle_cheap(spec, path):
                self.assertEqual(outcome, run_case(
                    routing_oracle.match_segments, (spec, path)))

        check()

    def test_router(self):
        tally = Tally()

        @TWINS
        @given(st.data())
        def check(data):
            routes = data.draw(st.lists(st.one_of(
                st.tuples(st.just(SEGMENTS), segment_specs(
                    max_items=4, literals=['a', 'b', 'x', ''])),
                st.tuples(st.just(STATIC), st.sampled_from(
                    ['/', '/a', '/a/b', '/x/', '//'])),
                st.tuples(st.just(CALLABLE), st.sampled_from([
                    lambda p: {'p': p} if p.endswith('a') else None,
                    lambda p: None]))), min_size=1, max_size=12))
            routers = [impl.Router() for impl in (
                routing_oracle, _pure, COMPILED)]
            for i, (kind, route) in enumerate(routes):
                for router in routers:
                    router.add(('GET', 'POST', 'PUT')[:1 + i % 3], kind,
                               route)
            for _ in range(data.draw(st.integers(1, 6))):
                kind, route = data.draw(st.sampled_from(routes))
                if kind == SEGMENTS:
                    path = data.draw(matching_path(route))
                elif kind == STATIC:
                    path = route
                else:
                    path = data.draw(st.sampled_from(['/a', '/b/a', '/x']))
                method = data.draw(st.sampled_from(['GET', 'POST', 'PUT',
                                                    'DELETE']))
                cheap = all(_oracle_cheap(r, path) for k, r in routes
                            if k == SEGMENTS)
                expected = run_case(routers[1].lookup, (method, path))
                self.assertEqual(run_case(routers[2].lookup, (method, path)),
                                 expected)
                self.assertEqual(run_case(routers[2].matches, (path,)),
                                 run_case(routers[1].matches, (path,)))
                if cheap:
                    self.assertEqual(run_case(routers[0].lookup,
                                              (method, path)), expected)
                    self.assertEqual(run_case(routers[0].matches, (path,)),
                                     run_case(routers[1].matches, (path,)))
                found = expected[0] == 'ok' and expected[1][1] >= 0
                tally.add(('ok',) if found else ('error', LookupError))
                tally.note('over 64 segments', path.count('/') > 64)

        check()
        tally.check(self)
        tally.require(self, 'over 64 segments')
