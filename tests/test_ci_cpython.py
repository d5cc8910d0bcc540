"""The CI scripts cannot be fooled (CPython only: runs bash, make and the
build). ci/test.sh is sourced so that its helpers run on made-up runner
output; the Makefile and setup.py build a copy of the checkout with a
broken twin. These files belong to the checkout: ci/check_dist.sh leaves
this test out of the installed-package runs."""
import ast
import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, 'tests')
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), 'micropython')


def _bash(script, timeout=120, **env):
    """Run ``script`` in bash after sourcing ci/test.sh; return (rc, out)."""
    environ = dict(os.environ, PY=sys.executable)
    environ.update(env)
    proc = subprocess.run(
        ['bash', '-c', 'source ci/test.sh\n' + script], cwd=ROOT,
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=timeout)
    return proc.returncode, proc.stdout.decode(errors='replace')


def _fake_runner(output, rc=0):
    """A shell command that prints ``output`` and exits with ``rc``."""
    return "sh -c 'printf \"%s\" \"$0\"; exit {}' '{}'".format(rc, output)


class CountedTests(unittest.TestCase):
    def assertStepFails(self, output, rc, message):
        status, out = _bash('counted ' + _fake_runner(output, rc))
        self.assertNotEqual(status, 0, out)
        self.assertIn(message, out)

    def test_pytest_exit_5_fails(self):
        self.assertStepFails('no tests ran in 0.01s\n', 5,
                             'collected no test (exit 5)')

    def test_real_pytest_collecting_nothing_fails(self):
        with tempfile.TemporaryDirectory() as empty:
            status, out = _bash('counted "$PY" -m pytest -q -p '
                                'no:cacheprovider ' + empty)
        self.assertEqual(status, 5, out)
        self.assertIn('collected no test', out)

    def test_micropython_run_without_files_fails(self):
        if not os.path.exists(MICROPYTHON):
            self.skipTest('no micropython next to ' + sys.executable)
        with tempfile.TemporaryDirectory() as tmp:
            # the runner and its unittest, in a tests directory that holds
            # no test file
            os.mkdir(os.path.join(tmp, 'tests'))
            for name in ('run_micropython.py', 'mpunittest.py'):
                shutil.copy(os.path.join(TESTS, name),
                            os.path.join(tmp, 'tests'))
            status, out = _bash('counted "$MICROPYTHON" {}'.format(
                os.path.join(tmp, 'tests', 'run_micropython.py')),
                MICROPYTHON=MICROPYTHON)
        self.assertEqual(status, 5, out)
        self.assertIn('0 passed, 0 failed, 0 skipped', out)

    def test_no_summary_line_fails(self):
        self.assertStepFails('all good\n', 0, 'printed no summary line')

    def test_nothing_passed_fails(self):
        self.assertStepFails('0 passed, 0 failed, 0 skipped\n', 0,
                             'passed no test')
        self.assertStepFails('4 skipped in 0.10s\n', 0, 'passed no test')

    def test_failures_with_exit_0_fail(self):
        self.assertStepFails('1 failed, 9 passed in 0.50s\n', 0,
                             'reports failures')

    def test_runner_failure_is_the_step_failure(self):
        status, out = _bash(
            'step_fake() { counted ' + _fake_runner(
                '1 failed, 9 passed in 0.50s\n', 3) + '; }\n'
            'main fake')
        self.assertEqual(status, 3, out)
        self.assertIn('=== fake: FAILED (exit 3)', out)
        self.assertNotIn('total:', out)

    def test_totals_add_every_summary_line(self):
        # two suites in one step (ci/check_dist.sh's wheel and sdist runs),
        # with note lines quoting them that must not count again; then a
        # MicroPython run in another step
        dist = ('10 passed, 2 skipped in 1.00s\n'
                '--- wheel suite: 10 passed, 2 skipped in 1.00s\n'
                '==== 5 passed, 1 skipped, 3 warnings in 2.50s (0:00:02) '
                '====\n'
                '  pure suite: 5 passed, 1 skipped in 2.50s\n')
        status, out = _bash(
            'step_dist() { counted ' + _fake_runner(dist) + '; }\n'
            'step_mp() { counted ' + _fake_runner(
                '7 passed, 0 failed, 1 skipped\n') + '; }\n'
            'main dist mp')
        self.assertEqual(status, 0, out)
        self.assertEqual(out.splitlines()[-1],
                         'total: 22 passed, 0 failed, 4 skipped')

    def test_a_runner_total_line_stands_for_its_parts(self):
        # ci/upstream_suite.py: pytest and MicroPython runs, then its total;
        # ci/conformance.py: one line after a word and a colon
        upstream = ('120 passed, 3 skipped in 9.00s\n'
                    '60 passed, 0 failed, 1 skipped\n'
                    'upstream suite on micropython: 60 passed, 0 failed, '
                    '1 skipped\n'
                    'total: 180 passed, 0 failed, 4 skipped\n')
        status, out = _bash(
            'step_up() { counted ' + _fake_runner(upstream) + '; }\n'
            'step_conf() { counted ' + _fake_runner(
                'reports: /tmp/x\nconformance: 42 passed, 0 failed\n') +
            '; }\n'
            'main up conf')
        self.assertEqual(status, 0, out)
        self.assertEqual(out.splitlines()[-1],
                         'total: 222 passed, 0 failed, 4 skipped')

    def test_tally_counts_errors_as_failures(self):
        status, out = _bash("printf '1 failed, 2 passed, 3 errors in 1s\\n"
                            "1 error\\n' | tally")
        self.assertEqual(status, 0, out)
        self.assertEqual(out.strip(), '2 passed, 5 failed, 0 skipped')

    def test_unknown_step(self):
        status, out = _bash('main nosuchstep')
        self.assertEqual(status, 2, out)
        self.assertIn("no step named 'nosuchstep'", out)

    def test_compiled_step_always_requires_the_speedups(self):
        # whatever is built: without the compiled twins the step must fail
        # (MICRODOT_REQUIRE_SPEEDUPS makes the import an ImportError, which
        # tests/test_twins_cpython.py checks)
        status, out = _bash(
            'pytest_tests() { echo "require=${MICRODOT_REQUIRE_SPEEDUPS-}"; }'
            '\nstep_compiled', MICRODOT_REQUIRE_SPEEDUPS='')
        self.assertEqual(status, 0, out)
        self.assertEqual(out.strip(), 'require=1')


class BuildTests(unittest.TestCase):
    """``make build`` on a copy of the checkout whose first twin no longer
    compiles, with a stale build of it in place."""

    def build(self, **env):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        for name in ('Makefile', 'setup.py', 'pyproject.toml', 'README.md',
                     'LICENSE', 'MANIFEST.in'):
            shutil.copy(os.path.join(ROOT, name), tmp)
        shutil.copytree(os.path.join(ROOT, 'microdot'),
                        os.path.join(tmp, 'microdot'),
                        ignore=shutil.ignore_patterns(
                            '*.so', '*.pyd', '*.c', '__pycache__'))
        speedups = os.path.join(tmp, 'microdot', '_speedups')
        with open(os.path.join(speedups, '_chttp.pyx'), 'a') as f:
            f.write('\ndef broken(:\n')
        stale = os.path.join(speedups,
                             '_chttp' + sysconfig.get_config_var('EXT_SUFFIX'))
        with open(stale, 'wb') as f:
            f.write(b'an old build')
        environ = dict(os.environ)
        environ.pop('MICRODOT_REQUIRE_EXTENSIONS', None)
        environ.update(env)
        # -o: take the venv as made; PY: the interpreter running this test;
        # PIP=false: should a target still want to install into that venv
        # (the copy, editable), it fails instead
        proc = subprocess.run(
            ['make', '--no-print-directory', '-o', '.venv/.stamp',
             '-o', '.venv/.version-stamp', 'build', 'PY=' + sys.executable,
             'PIP=false'], cwd=tmp, env=environ,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        built = sorted(os.path.basename(p) for p in glob.glob(
            os.path.join(speedups, '*' + sysconfig.get_config_var(
                'EXT_SUFFIX'))))
        return proc.returncode, proc.stdout.decode(errors='replace'), built

    def test_broken_twin_fails_make_build(self):
        status, out, built = self.build()
        self.assertNotEqual(status, 0, out)
        self.assertIn('_chttp.pyx', out)
        self.assertEqual(built, [], 'the stale build is still there')

    def test_optional_build_drops_the_stale_twin(self):
        # CC=false: the other twins fail to compile too, quickly
        status, out, built = self.build(MICRODOT_REQUIRE_EXTENSIONS='0',
                                        CC='false')
        self.assertEqual(status, 0, out)
        self.assertIn('WARNING: Cython failed on microdot._speedups._chttp',
                      out)
        self.assertEqual(built, [], 'the stale build is still there')

    def test_bad_switch_value_stops_setup(self):
        for name in ('MICRODOT_NO_EXTENSIONS', 'MICRODOT_REQUIRE_EXTENSIONS'):
            with self.subTest(name=name):
                environ = dict(os.environ)
                environ[name] = 'maybe'
                proc = subprocess.run(
                    [sys.executable, 'setup.py', '--version'], cwd=ROOT,
                    env=environ, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, timeout=120)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn("{}='maybe' is not understood".format(name),
                              proc.stdout.decode())


def _early_returns(path):
    """Yield (line, test) for each ``return`` in a test method that comes
    before any assertion of the method: a test that ends that way passes
    without checking anything (it should call skipTest)."""
    tree = ast.parse(open(path).read(), path)
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        for method in cls.body:
            if not (isinstance(method, (ast.FunctionDef,
                                        ast.AsyncFunctionDef)) and
                    method.name.startswith('test')):
                continue
            nodes = list(_own_nodes(method))
            checks = [n.lineno for n in nodes if _is_check(n)]
            for node in nodes:
                if isinstance(node, ast.Return) and not any(
                        line < node.lineno for line in checks):
                    yield node.lineno, cls.name + '.' + method.name


def _own_nodes(node):
    """The nodes of a function body, nested functions and classes left out
    (their returns and assertions run at another time, if ever)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                              ast.Lambda, ast.ClassDef)):
            continue
        yield child
        yield from _own_nodes(child)


def _is_check(node):
    """True for a call of self.assert...() or self.fail()."""
    return isinstance(node, ast.Call) and \
        isinstance(node.func, ast.Attribute) and \
        node.func.attr.startswith(('assert', 'fail'))


class SuiteTests(unittest.TestCase):
    def test_no_test_returns_before_checking(self):
        found = []
        for path in sorted(glob.glob(os.path.join(TESTS, '*.py'))):
            for line, test in _early_returns(path):
                found.append('{}:{} {}'.format(os.path.basename(path), line,
                                               test))
        self.assertEqual(found, [], 'use self.skipTest(reason) instead')

    def test_the_check_finds_an_early_return(self):
        source = ('import unittest\n'
                  'class T(unittest.TestCase):\n'
                  '    def test_a(self):\n'
                  '        if True:\n'
                  '            return\n'
                  '        self.assertTrue(1)\n'
                  '    def test_b(self):\n'
                  '        with self.assertRaises(ValueError):\n'
                  '            int("x")\n'
                  '        try:\n'
                  '            int("y")\n'
                  '        except ValueError:\n'
                  '            return\n'
                  '    def test_c(self):\n'
                  '        def inner():\n'
                  '            return 1\n'
                  '        self.assertEqual(inner(), 1)\n')
        with tempfile.NamedTemporaryFile('w', suffix='.py',
                                         delete=False) as f:
            f.write(source)
        self.addCleanup(os.unlink, f.name)
        self.assertEqual(list(_early_returns(f.name)), [(5, 'T.test_a')])


if __name__ == '__main__':
    unittest.main()
