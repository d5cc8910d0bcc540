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

from test_twins import (
    HEADS, HEADER_LINES, REQUEST_LINES, SEGMENT_CASES, URLDECODE, URLENCODED,
    MASK_KEY, MASK_SIZES, ROUTER_LOOKUPS, ROUTER_MATCHES, STR, INT, PATH,
    STATIC, SEGMENTS, CALLABLE, ParseRequestLineChecks, ParseHeaderLineChecks,
    ParseHeadChecks, UrldecodeChecks, ParseUrlencodedChecks, MaskChecks,
    MatchSegmentsChecks, RouterChecks, run_case, _payload, _table)


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

# inputs that only CPython can build, or types other than the usual ones;
# these take the compiled twins' fallback paths
EXTRA_REQUEST_LINES = [
    'GET / HTTP/1.1', bytearray(b'GET / HTTP/1.1'), Blob(b'GET / HTTP/1.1'),
    bytearray(b'GET /\xff HTTP/1.1'), memoryview(b'GET / HTTP/1.1'), None, 5]
EXTRA_HEADER_LINES = [
    'Host: x', bytearray(b'Host: x'), Blob(b' A : b'), Blob(b'A: b'),
    memoryview(b'A: b'), None]
EXTRA_HEADS = [
    'GET / HTTP/1.1\r\n\r\n', bytearray(b'GET / HTTP/1.1\r\nA: b\r\n\r\n'),
    Blob(b'GET / HTTP/1.1\r\nA: b\r\n'), None]
EXTRA_URLDECODE = [
    _SURROGATE + '+x', _SURROGATE + '%41', 'a%41' + _SURROGATE,
    Text('a+b%41'), Text('a+b'), Blob(b'%41+'), bytearray(b'a+b%41%zz'),
    bytearray(b'\xff'), memoryview(b'a%41'), memoryview(b'ab'), None, 3]
EXTRA_URLENCODED = [
    _SURROGATE + '=1', 'a=' + _SURROGATE, _SURROGATE + '%41=1',
    'a=1&b=%41' + _SURROGATE, 'a=1&' + _SURROGATE + '%41',
    Text('a=1&b'), Blob(b'a=1&b'), bytearray(b'a=%41&b'), None, 5]
EXTRA_MASKS = [
    (MASK_KEY, _ODD_VIEW), (memoryview(array.array('H', [1, 2])), b'abcd'),
    (MASK_KEY, memoryview(b'abcdefghij')[::2]), ('abcd', b'x'), ('abcd', b''),
    (MASK_KEY, [1, 2, 3]), (MASK_KEY, 'text'), (MASK_KEY, 5), (5, b'x'),
    (MASK_KEY, _RELEASED), (_RELEASED, b'x'), (Blob(MASK_KEY), Blob(b'xyz')),
    (MASK_KEY, None), (b'abc', None)]
EXTRA_SEGMENTS = [
    (('a',), b'/a'), (('a',), Text('/a')), (['a', [STR, 'n', None]], '/a/b'),
    ((Text('a'),), '/a'), (('a', (INT, 'n', None)), '/a/' + _SURROGATE),
    ((Text('a'), (PATH, 'p', None)), Text('/a/b/c')), ((5,), '/a'),
    (((STR,),), '/a'), (None, '/a'), (('a',), None)]


def _outcome(func, args):
    kind = run_case(func, args)
    if kind[0] == 'ok' and isinstance(kind[1], (bytes, str)):
        # the result types matter too
        return kind + (type(kind[1]),)
    return kind


class DifferentialTests(NeedsCompiled, unittest.TestCase):
    """Both twins give the same result, or the same exception type and
    message, for every input of every corpus."""

    def compare(self, name, inputs):
        pure = getattr(_pure, name)
        compiled = getattr(COMPILED, name)
        for args in inputs:
            if not isinstance(args, tuple):
                args = (args,)
            with self.subTest(name=name, args=repr(args)[:80]):
                self.assertEqual(_outcome(compiled, args),
                                 _outcome(pure, args))

    def test_request_lines(self):
        self.compare('parse_request_line',
                     [c[0] for c in REQUEST_LINES] + EXTRA_REQUEST_LINES)

    def test_header_lines(self):
        self.compare('parse_header_line',
                     [c[0] for c in HEADER_LINES] + EXTRA_HEADER_LINES)

    def test_heads(self):
        self.compare('parse_head', [c[0] for c in HEADS] + EXTRA_HEADS)

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
                     [(c[0], c[1]) for c in SEGMENT_CASES] + EXTRA_SEGMENTS)

    def test_router(self):
        pure, compiled = _table(_pure), _table(COMPILED)
        paths = [c[1] for c in ROUTER_LOOKUPS] + [c[0] for c in
                                                  ROUTER_MATCHES]
        paths += [Text('/users/5'), Text('nope'), b'/', None, 5]
        for method in ('GET', 'POST', 'DELETE'):
            for path in paths:
                with self.subTest(method=method, path=repr(path)[:40]):
                    self.assertEqual(
                        run_case(compiled.lookup, (method, path)),
                        run_case(pure.lookup, (method, path)))
                    self.assertEqual(run_case(compiled.matches, (path,)),
                                     run_case(pure.matches, (path,)))
        self.assertEqual(compiled.cache, pure.cache)
        self.assertEqual([e[:2] for e in compiled.entries],
                         [e[:2] for e in pure.entries])

    def test_router_add_errors(self):
        for args in ((['GET'], STATIC, ['unhashable']),
                     (None, STATIC, '/x'), (['GET'], SEGMENTS, None),
                     (['GET'], SEGMENTS, ((STR,),)), (['GET'], 7, '/'),
                     (['GET'], SEGMENTS, [(PATH, 'p', None)]),
                     (['GET'], CALLABLE, None)):
            pure, compiled = _pure.Router(), COMPILED.Router()
            with self.subTest(args=args):
                self.assertEqual(run_case(compiled.add, args),
                                 run_case(pure.add, args))
                self.assertEqual(
                    (compiled.entries, compiled.static, compiled.fixed,
                     compiled.variable, compiled.always),
                    (pure.entries, pure.static, pure.fixed, pure.variable,
                     pure.always))

    def test_router_with_list_specs_and_odd_paths(self):
        routers = []
        for impl in (_pure, COMPILED):
            router = impl.Router()
            router.add(['GET'], SEGMENTS, ['a', [INT, 'n', int]])
            router.add(['GET'], SEGMENTS, ['a', [PATH, 'p', None]])
            router.add(['GET'], CALLABLE, lambda path: {'p': path})
            routers.append(router)
        for path in ('/a/1', Text('/a/1'), '/a/b/c', '/a/' + _SURROGATE, '/',
                     Text('/'), Text(''), b'/a/1'):
            with self.subTest(path=repr(path)):
                self.assertEqual(run_case(routers[1].lookup, ('GET', path)),
                                 run_case(routers[0].lookup, ('GET', path)))
                self.assertEqual(run_case(routers[1].matches, (path,)),
                                 run_case(routers[0].matches, (path,)))


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
