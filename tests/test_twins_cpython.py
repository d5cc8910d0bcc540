"""The compiled twins against the contract of ``test_twins.py``, a
differential comparison of both twins on every corpus (plus inputs only
CPython can build), and the selector in ``microdot._speedups``.

When the compiled modules cannot be imported these tests are skipped, unless
``MICRODOT_REQUIRE_SPEEDUPS`` is set: then they fail.
"""
import array
import os
import subprocess
import sys
import types
import unittest

import microdot
from microdot import _speedups
from microdot._speedups import _pure

import routing_oracle
from test_twins import (
    HEADS, HEAD_ENDS, HEADER_LINES, REQUEST_LINES, SEGMENT_CASES,
    GREEDY_CASES, HeadEndChecks,
    URLDECODE, URLENCODED, MASK_KEY, MASK_SIZES, ROUTER_LOOKUPS,
    ROUTER_MATCHES, TREE_LOOKUPS, TREE_MATCHES, STR, INT, PATH, SEGMENTS,
    CALLABLE, ParseRequestLineChecks, ParseHeaderLineChecks, ParseHeadChecks,
    UrldecodeChecks, ParseUrlencodedChecks, MaskChecks, MatchSegmentsChecks,
    RouterChecks, run_case, _payload, _table, _tree_table)


def _flag(name):
    return os.environ.get(name, '').strip().lower() in ('1', 'true', 'yes',
                                                        'on')


REQUIRED = _flag('MICRODOT_REQUIRE_SPEEDUPS')
try:
    from microdot._speedups import _chttp, _cmask, _crouting
except ImportError as exc:
    COMPILED = None
    MISSING = str(exc)
else:
    COMPILED = types.SimpleNamespace(
        parse_request_line=_chttp.parse_request_line,
        parse_header_line=_chttp.parse_header_line,
        parse_head=_chttp.parse_head,
        head_end=_chttp.head_end,
        urldecode=_chttp.urldecode,
        parse_urlencoded=_chttp.parse_urlencoded,
        match_segments=_crouting.match_segments,
        Router=_crouting.Router,
        mask=_cmask.mask)
    MISSING = None


class NeedsCompiled:
    """Skips, or fails under MICRODOT_REQUIRE_SPEEDUPS, without the
    compiled twins."""
    impl = COMPILED

    def setUp(self):
        if COMPILED is None:
            message = 'the compiled twins cannot be imported ({}); build ' \
                'them with `python setup.py build_ext --inplace`'.format(
                    MISSING)
            if REQUIRED:
                self.fail('MICRODOT_REQUIRE_SPEEDUPS is set but ' + message)
            self.skipTest(message)


class CompiledParseRequestLineTests(NeedsCompiled, ParseRequestLineChecks,
                                    unittest.TestCase):
    pass


class CompiledParseHeaderLineTests(NeedsCompiled, ParseHeaderLineChecks,
                                   unittest.TestCase):
    pass


class CompiledParseHeadTests(NeedsCompiled, ParseHeadChecks,
                             unittest.TestCase):
    pass


class CompiledHeadEndTests(NeedsCompiled, HeadEndChecks, unittest.TestCase):
    pass


class CompiledUrldecodeTests(NeedsCompiled, UrldecodeChecks,
                             unittest.TestCase):
    pass


class CompiledParseUrlencodedTests(NeedsCompiled, ParseUrlencodedChecks,
                                   unittest.TestCase):
    pass


class CompiledMaskTests(NeedsCompiled, MaskChecks, unittest.TestCase):
    pass


class CompiledMatchSegmentsTests(NeedsCompiled, MatchSegmentsChecks,
                                 unittest.TestCase):
    pass


class CompiledRouterTests(NeedsCompiled, RouterChecks, unittest.TestCase):
    pass


class Text(str):
    """A str subclass: the compiled twins take their generic path."""


class Blob(bytes):
    """A bytes subclass."""


_SURROGATE = chr(0xd800)
_ODD_VIEW = memoryview(array.array('H', [1, 2, 3, 4]))
_RELEASED = memoryview(b'abcd')
_RELEASED.release()

# inputs that only CPython can build, or unusual ones, that the compiled
# twins handle themselves (errors included): compared compiled vs pure
EXTRA_REQUEST_LINES = []
EXTRA_HEADER_LINES = []
EXTRA_HEADS = []
EXTRA_URLDECODE = [_SURROGATE + '+x', _SURROGATE + '%41', 'a%41' + _SURROGATE]
EXTRA_URLENCODED = []
EXTRA_MASKS = [
    (memoryview(array.array('H', [1, 2])), b'abcd'), ('abcd', b''),
    (MASK_KEY, 5), (5, b'x'), (MASK_KEY, _RELEASED), (_RELEASED, b'x'),
    (MASK_KEY, None), (b'abc', None)]
EXTRA_SEGMENTS = [
    (['a', [STR, 'n', None]], '/a/b'), ((Text('a'),), '/a'),
    (('a', (INT, 'n', None)), '/a/' + _SURROGATE), ((5,), '/a'),
    (((STR,),), '/a'), (None, '/a')]

#: Inputs that the compiled twins hand to ``_pure`` whole (types other than
#: exact bytes/str, lone surrogates in a query string): comparing the twins
#: on these compares the pure twin with itself, so CompiledDelegationTests
#: checks them apart, and DifferentialTests fails if a corpus input is
#: delegated.
DELEGATED = {
    'parse_request_line': [
        'GET / HTTP/1.1', bytearray(b'GET / HTTP/1.1'),
        Blob(b'GET / HTTP/1.1'), bytearray(b'GET /\xff HTTP/1.1'),
        memoryview(b'GET / HTTP/1.1'), None, 5],
    'parse_header_line': [
        'Host: x', bytearray(b'Host: x'), Blob(b' A : b'), Blob(b'A: b'),
        memoryview(b'A: b'), None],
    'parse_head': [
        'GET / HTTP/1.1\r\n\r\n',
        bytearray(b'GET / HTTP/1.1\r\nA: b\r\n\r\n'),
        Blob(b'GET / HTTP/1.1\r\nA: b\r\n'), None],
    'urldecode': [
        Text('a+b%41'), Text('a+b'), Blob(b'%41+'), bytearray(b'a+b%41%zz'),
        bytearray(b'\xff'), memoryview(b'a%41'), memoryview(b'ab'), None, 3],
    'parse_urlencoded': [
        _SURROGATE + '=1', 'a=' + _SURROGATE, _SURROGATE + '%41=1',
        'a=1&b=%41' + _SURROGATE, 'a=1&' + _SURROGATE + '%41',
        Text('a=1&b'), Blob(b'a=1&b'), bytearray(b'a=%41&b'), None, 5],
    'mask': [
        (MASK_KEY, _ODD_VIEW), (MASK_KEY, memoryview(b'abcdefghij')[::2]),
        ('abcd', b'x'), (MASK_KEY, [1, 2, 3]), (MASK_KEY, 'text'),
        (Blob(MASK_KEY), Blob(b'xyz'))],
    'match_segments': [
        (('a',), b'/a'), (('a',), Text('/a')),
        ((Text('a'), (PATH, 'p', None)), Text('/a/b/c')), (('a',), None)],
}
#: Paths that the compiled Router hands to the pure methods.
DELEGATED_PATHS = [Text('/users/5'), Text('nope'), Text('/'), Text(''),
                   b'/', b'/a/1', None, 5]


class Spy:
    """Counts the calls of ``owner.name`` while in a ``with`` block."""

    def __init__(self, owner, name):
        self.owner = owner
        self.name = name
        self.calls = 0

    def __enter__(self):
        original = self.original = getattr(self.owner, self.name)

        def spy(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        setattr(self.owner, self.name, spy)
        return self

    def __exit__(self, *exc):
        setattr(self.owner, self.name, self.original)


def _outcome(func, args):
    kind = run_case(func, args)
    if kind[0] == 'ok' and isinstance(kind[1], (bytes, str)):
        # the result types matter too
        return kind + (type(kind[1]),)
    return kind


def compiled_outcome(name, args):
    """The outcome of the compiled twin of ``name`` on ``args``, and whether
    it handed them to the pure twin."""
    with Spy(_pure, name) as spy:
        outcome = _outcome(getattr(COMPILED, name), args)
    return outcome, spy.calls > 0


class DifferentialTests(NeedsCompiled, unittest.TestCase):
    """Both twins give the same result, or the same exception type and
    message, for every input of every corpus; each input is checked to be
    handled by the compiled code itself, so that no comparison here is the
    pure twin compared with itself."""

    def compare(self, name, inputs):
        pure = getattr(_pure, name)
        for args in inputs:
            if not isinstance(args, tuple):
                args = (args,)
            with self.subTest(name=name, twins='compiled-vs-pure',
                              args=repr(args)[:80]):
                outcome, delegated = compiled_outcome(name, args)
                self.assertFalse(delegated, 'handed to _pure: list this '
                                 'input in DELEGATED')
                self.assertEqual(outcome, _outcome(pure, args))

    def test_request_lines(self):
        self.compare('parse_request_line',
                     [c[0] for c in REQUEST_LINES] + EXTRA_REQUEST_LINES)

    def test_header_lines(self):
        self.compare('parse_header_line',
                     [c[0] for c in HEADER_LINES] + EXTRA_HEADER_LINES)

    def test_heads(self):
        self.compare('parse_head', [c[0] for c in HEADS] + EXTRA_HEADS)

    def test_head_ends(self):
        heads = [c[0] for c in HEADS] + EXTRA_HEADS
        self.compare('head_end', [c[0] for c in HEAD_ENDS] +
                     [(h, 0) for h in heads if isinstance(h, bytes)] +
                     [(h, 3) for h in heads if isinstance(h, bytes)])

    def test_urldecode(self):
        self.compare('urldecode',
                     [c[0] for c in URLDECODE] + EXTRA_URLDECODE)

    def test_parse_urlencoded(self):
        self.compare('parse_urlencoded',
                     [c[0] for c in URLENCODED] + EXTRA_URLENCODED)

    def test_mask(self):
        keys = (MASK_KEY, b'\x00\x00\x00\x00', b'\xff\xfe\xfd\xfc')
        self.compare('mask', [(k, _payload(n)) for k in keys
                              for n in MASK_SIZES] + EXTRA_MASKS)

    def test_match_segments(self):
        self.compare('match_segments',
                     [(c[0], c[1]) for c in SEGMENT_CASES + GREEDY_CASES] +
                     EXTRA_SEGMENTS)

    def test_int_segments_of_every_length(self):
        # short int segments are parsed without a string in the compiled
        # twin, longer ones with int(): both sides of the limit, signs,
        # leading zeros, and paths of every string kind
        inputs = []
        for digits in range(1, 26):
            for sign in ('', '-', '+'):
                number = sign + ('9' * digits if digits % 2 else
                                 '0' + '7' * (digits - 1))
                for literal in ('€', 'x'):
                    spec = (literal, (INT, 'n', int))
                    inputs.append((spec, '/{}/{}'.format(literal, number)))
        inputs += [(('x', (INT, 'n', int)), '/x/' + s)
                   for s in ('-', '-0', '0', '١٢', '1-', '--1', '9' * 18,
                             '-' + '9' * 18, '9' * 19)]
        self.compare('match_segments', inputs)
        self.assertEqual(COMPILED.match_segments(
            ('x', (INT, 'n', int)), '/x/-' + '9' * 18),
            {'n': -999999999999999999})

    def compare_routers(self, table, paths):
        pure, compiled = table(_pure), table(COMPILED)
        for method in ('GET', 'POST', 'DELETE'):
            for path in paths:
                with self.subTest(method=method, twins='compiled-vs-pure',
                                  path=repr(path)[:40]):
                    with Spy(_pure.Router, '_found') as spy:
                        lookup = run_case(compiled.lookup, (method, path))
                        matches = run_case(compiled.matches, (path,))
                    self.assertEqual(spy.calls, 0)
                    self.assertEqual(lookup,
                                     run_case(pure.lookup, (method, path)))
                    self.assertEqual(matches,
                                     run_case(pure.matches, (path,)))
        self.assertEqual([e[:2] for e in compiled.entries],
                         [e[:2] for e in pure.entries])
        self.assertEqual(compiled.tree, pure.tree)

    def test_router(self):
        self.compare_routers(_table, [c[1] for c in ROUTER_LOOKUPS] +
                             [c[0] for c in ROUTER_MATCHES])

    def test_tree_router(self):
        self.compare_routers(_tree_table, [c[1] for c in TREE_LOOKUPS] +
                             [c[0] for c in TREE_MATCHES])

    def test_router_bookkeeping_has_one_source(self):
        # the compiled Router is the pure one with a compiled search
        self.assertTrue(issubclass(COMPILED.Router, _pure.Router))
        for name in ('__init__', 'add', '_found'):
            self.assertIs(getattr(COMPILED.Router, name),
                          getattr(_pure.Router, name))
        for name in ('lookup', 'matches'):
            self.assertIsNot(getattr(COMPILED.Router, name),
                             getattr(_pure.Router, name))

    def test_router_with_list_specs_and_odd_paths(self):
        routers = []
        for impl in (_pure, COMPILED):
            router = impl.Router()
            router.add(['GET'], SEGMENTS, ['a', [INT, 'n', int]])
            router.add(['GET'], SEGMENTS, ['a', [PATH, 'p', None]])
            router.add(['GET'], CALLABLE, lambda path: {'p': path})
            routers.append(router)
        for path in ('/a/1', '/a/b/c', '/a/' + _SURROGATE, '/', ''):
            with self.subTest(path=repr(path), twins='compiled-vs-pure'):
                self.assertEqual(run_case(routers[1].lookup, ('GET', path)),
                                 run_case(routers[0].lookup, ('GET', path)))
                self.assertEqual(run_case(routers[1].matches, (path,)),
                                 run_case(routers[0].matches, (path,)))


class CompiledDelegationTests(NeedsCompiled, unittest.TestCase):
    """The inputs that the compiled twins hand to ``_pure`` (counted apart
    from DifferentialTests: here the pure twin meets itself). Each one must
    really be delegated, and give the pure result."""

    def test_delegated_inputs(self):
        count = 0
        for name, inputs in DELEGATED.items():
            pure = getattr(_pure, name)
            for args in inputs:
                if not isinstance(args, tuple):
                    args = (args,)
                with self.subTest(name=name, twins='pure-vs-pure (delegated)',
                                  args=repr(args)[:80]):
                    outcome, delegated = compiled_outcome(name, args)
                    self.assertTrue(delegated, 'handled by the compiled '
                                    'code: move this input to a corpus')
                    self.assertEqual(outcome, _outcome(pure, args))
                    count += 1
        self.assertEqual(count, sum(len(v) for v in DELEGATED.values()))

    def test_delegated_router_paths(self):
        pure, compiled = _table(_pure), _table(COMPILED)
        for path in DELEGATED_PATHS:
            with self.subTest(path=repr(path),
                              twins='pure-vs-pure (delegated)'):
                with Spy(_pure.Router, '_found') as spy:
                    lookup = run_case(compiled.lookup, ('GET', path))
                    matches = run_case(compiled.matches, (path,))
                self.assertEqual(spy.calls, 2)
                self.assertEqual(lookup, run_case(pure.lookup, ('GET', path)))
                self.assertEqual(matches, run_case(pure.matches, (path,)))


def _oracle_cost(spec, path):
    # a rough bound on the steps of the old backtracking matcher: give it
    # only what it finishes in milliseconds
    paths = sum(1 for item in spec
                if not isinstance(item, str) and item[0] == PATH)
    return (path.count('/') + 1) ** max(paths, 1)


class OracleTests(unittest.TestCase):
    """The twins give exactly the results of the matcher and router that
    microdot had before the bounded ones (tests/routing_oracle.py); the
    compiled twin too when it is built."""

    def impls(self):
        impls = [('pure', _pure)]
        if COMPILED is not None:
            impls.append(('compiled', COMPILED))
        return impls

    def test_match_segments(self):
        cases = [c for c in SEGMENT_CASES + GREEDY_CASES
                 if _oracle_cost(c[0], c[1]) < 100000]
        self.assertGreater(len(cases), 60)
        for spec, path, _ in cases:
            expected = run_case(routing_oracle.match_segments, (spec, path))
            for label, impl in self.impls():
                with self.subTest(impl=label, spec=spec[:5], path=path[:40]):
                    self.assertEqual(run_case(impl.match_segments,
                                              (spec, path)), expected)

    def test_routers(self):
        for table, paths in (
                (_table, [c[1] for c in ROUTER_LOOKUPS] +
                 [c[0] for c in ROUTER_MATCHES]),
                (_tree_table, [c[1] for c in TREE_LOOKUPS] +
                 [c[0] for c in TREE_MATCHES])):
            oracle = table(routing_oracle)
            for label, impl in self.impls():
                router = table(impl)
                for path in paths:
                    with self.subTest(impl=label, path=path[:40]):
                        for method in ('GET', 'POST', 'PUT', 'DELETE'):
                            self.assertEqual(router.lookup(method, path),
                                             oracle.lookup(method, path))
                        self.assertEqual(router.matches(path),
                                         oracle.matches(path))


def _python(code, **env):
    """Run ``python -c code`` with the microdot that this process imported
    and the given MICRODOT_* variables; return (exit status, output)."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('MICRODOT_')}
    environ.update(env)
    root = os.path.dirname(os.path.dirname(os.path.abspath(
        microdot.__file__)))
    proc = subprocess.run([sys.executable, '-c', code], cwd=root,
                          env=environ, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=60)
    return proc.returncode, proc.stdout.decode()


_SHOW = ('import microdot._speedups as s; '
         'print(s.IMPLEMENTATION, "|", s.REASON)')
_BREAK = 'import sys; sys.modules["microdot._speedups._chttp"] = None; '


class SelectorTests(unittest.TestCase):
    def test_pure_flag_values(self):
        for value in ('1', 'true', 'yes', 'on', 'TRUE', ' On '):
            with self.subTest(value=value):
                status, out = _python(_SHOW, MICRODOT_PURE=value)
                self.assertEqual(status, 0, out)
                self.assertEqual(out.strip(), 'pure | MICRODOT_PURE is set')

    def test_pure_flag_off_values(self):
        for value in ('0', '', 'no', 'off', 'false'):
            with self.subTest(value=value):
                status, out = _python(_SHOW, MICRODOT_PURE=value)
                self.assertEqual(status, 0, out)
                if COMPILED is not None:
                    self.assertEqual(out.strip(),
                                     'compiled | compiled twins imported')
                else:
                    self.assertTrue(out.startswith('pure | compiled twins '
                                                   'unavailable'), out)

    def test_broken_compiled_import_falls_back(self):
        status, out = _python(_BREAK + _SHOW)
        self.assertEqual(status, 0, out)
        self.assertTrue(out.startswith('pure | compiled twins unavailable'),
                        out)

    def test_require_turns_fallback_into_import_error(self):
        status, out = _python(_BREAK + _SHOW, MICRODOT_REQUIRE_SPEEDUPS='1')
        self.assertNotEqual(status, 0)
        self.assertIn('ImportError: MICRODOT_REQUIRE_SPEEDUPS is set but the '
                      'compiled twins cannot be imported', out)

    def test_require_off_values(self):
        for value in ('0', ''):
            status, out = _python(_BREAK + _SHOW,
                                  MICRODOT_REQUIRE_SPEEDUPS=value)
            self.assertEqual(status, 0, out)
            self.assertTrue(out.startswith('pure |'), out)

    def test_pure_wins_over_require(self):
        status, out = _python(_BREAK + _SHOW, MICRODOT_PURE='1',
                              MICRODOT_REQUIRE_SPEEDUPS='1')
        self.assertEqual(status, 0, out)
        self.assertEqual(out.strip(), 'pure | MICRODOT_PURE is set')

    def test_main_reports_implementation(self):
        code = ('import runpy; '
                'runpy.run_module("microdot", run_name="__main__")')
        status, out = _python(code, MICRODOT_PURE='1')
        self.assertEqual(status, 0, out)
        self.assertIn('speedups: pure (MICRODOT_PURE is set)', out)
        self.assertIn('urldecode            microdot._speedups._pure', out)
        if COMPILED is not None:
            status, out = _python(code)
            self.assertEqual(status, 0, out)
            self.assertIn('speedups: compiled (compiled twins imported)', out)
            self.assertIn('mask                 microdot._speedups._cmask',
                          out)

    def test_this_process(self):
        if REQUIRED and not _flag('MICRODOT_PURE'):
            self.assertEqual(_speedups.IMPLEMENTATION, 'compiled')
        if _speedups.IMPLEMENTATION == 'compiled':
            self.assertIs(_speedups.parse_head, COMPILED.parse_head)
            self.assertIs(_speedups.Router, COMPILED.Router)
            self.assertEqual(set(_speedups.describe().values()), {
                'microdot._speedups._chttp', 'microdot._speedups._crouting',
                'microdot._speedups._cmask'})
        else:
            self.assertIs(_speedups.parse_head, _pure.parse_head)
            self.assertEqual(set(_speedups.describe().values()),
                             {'microdot._speedups._pure'})


if __name__ == '__main__':
    unittest.main()
