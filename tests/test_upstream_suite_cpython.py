"""ci/upstream_suite.py, the step that runs upstream microdot's own suite:
its download check, its extraction, its exact exclusions and its counts,
on hand-made inputs (no network)."""
import importlib.util
import io
import os
import sys
import tarfile
import tempfile
import unittest
from unittest import mock

import microdot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, 'ci', 'upstream_suite.py')
MP_SCRIPT = os.path.join(ROOT, 'ci', 'upstream_suite_mp.py')


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tarball(path, files):
    """Write a .tar.gz holding ``files`` ({member name: bytes})."""
    with tarfile.open(path, 'w:gz') as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


SAMPLE_TESTS = b'''import unittest


class T(unittest.TestCase):
    def test_sse(self):
        pass

    def test_sse_exception(self):
        pass

    def test_no_orjson(self):
        try:
            import orjson  # noqa: F401
        except ImportError:
            return
        self.fail('orjson is importable')
'''


class UpstreamSuiteTestCase(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(SCRIPT):
            # the suite also runs from a copy of tests/ next to an installed
            # wheel, without the ci/ scripts
            self.skipTest('no ci/upstream_suite.py next to the tests')
        self.suite = _load(SCRIPT, 'upstream_suite_under_test')
        # the package under test: the checkout's, or an installed one when
        # the suite runs from a copy (ci/check_dist.sh)
        self.suite.ROOT = os.path.dirname(os.path.dirname(os.path.abspath(
            microdot.__file__)))
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.suite.CACHE = self.tmp.name


class TestFetch(UpstreamSuiteTestCase):
    def test_cached_sdist_with_the_pinned_digest_is_reused(self):
        path = os.path.join(self.tmp.name, self.suite.SDIST)
        with open(path, 'wb') as f:
            f.write(b'pretend sdist')
        self.suite.SHA256 = self.suite._sha256(path)
        with mock.patch.object(self.suite.subprocess, 'run') as run:
            self.assertEqual(self.suite.fetch_sdist(), path)
        run.assert_not_called()

    def test_download_with_another_digest_is_refused(self):
        # a cached file with the wrong digest is downloaded again, and a
        # download that does not match the pin never reaches the cache
        path = os.path.join(self.tmp.name, self.suite.SDIST)
        with open(path, 'wb') as f:
            f.write(b'tampered')
        commands = []

        def fake_pip(command, check):
            commands.append(command)
            dest = command[command.index('-d') + 1]
            with open(os.path.join(dest, self.suite.SDIST), 'wb') as f:
                f.write(b'not what PyPI published')
        with mock.patch.object(self.suite.subprocess, 'run', fake_pip):
            with self.assertRaises(SystemExit) as raised:
                self.suite.fetch_sdist()
        self.assertIn('sha256 mismatch', str(raised.exception))
        self.assertEqual(len(commands), 1)
        self.assertIn('--require-hashes', commands[0])
        with open(path, 'rb') as f:
            self.assertEqual(f.read(), b'tampered')


class TestExtract(UpstreamSuiteTestCase):
    def sdist(self, files):
        path = os.path.join(self.tmp.name, 'sdist.tar.gz')
        _tarball(path, files)
        return path

    def test_only_tests_are_extracted(self):
        prefix = 'microdot-{}/'.format(self.suite.VERSION)
        dest = self.suite.extract_tests(self.sdist({
            prefix + 'tests/__init__.py': b'',
            prefix + 'tests/files/test.txt': b'hello',
            prefix + 'src/microdot/__init__.py': b'upstream',
            prefix + 'setup.cfg': b'',
        }))
        found = sorted(
            os.path.relpath(os.path.join(d, name), dest)
            for d, _, names in os.walk(dest) for name in names)
        self.assertEqual(found, ['.sha256', 'pytest.ini', 'tests/__init__.py',
                                 'tests/files/test.txt'])

    def test_path_escaping_the_directory_is_refused(self):
        prefix = 'microdot-{}/'.format(self.suite.VERSION)
        with self.assertRaises(SystemExit):
            self.suite.extract_tests(self.sdist({
                prefix + 'tests/__init__.py': b'',
                prefix + 'tests/../../evil.py': b'',
            }))
        self.assertFalse(os.path.exists(
            os.path.join(self.tmp.name, 'evil.py')))

    def test_sdist_without_tests_is_refused(self):
        prefix = 'microdot-{}/'.format(self.suite.VERSION)
        with self.assertRaises(SystemExit):
            self.suite.extract_tests(self.sdist({prefix + 'README.md': b''}))


class TestRun(UpstreamSuiteTestCase):
    def setUp(self):
        super().setUp()
        tests = os.path.join(self.tmp.name, 'tests')
        os.mkdir(tests)
        with open(os.path.join(tests, 'test_sample.py'), 'wb') as f:
            f.write(SAMPLE_TESTS)
        with open(os.path.join(self.tmp.name, 'pytest.ini'), 'w') as f:
            f.write('[pytest]\n')
        self.env = dict(os.environ, PYTHONPATH=self.suite.ROOT,
                        MICRODOT_PURE='1')
        self.env.pop('MICRODOT_REQUIRE_SPEEDUPS', None)

    def run_pytest(self, mode, args, exclude=()):
        return self.suite._pytest(self.tmp.name, 'pure', self.env, mode,
                                  args, exclude=exclude)

    def test_exclusion_takes_exact_ids_only(self):
        # pytest's --deselect would take test_sse_exception along
        counts = self.run_pytest('no-orjson', ['tests'], exclude=(
            'tests/test_sample.py::T::test_sse',))
        self.assertEqual(counts, (2, 0, 0))

    def test_excluded_test_that_does_not_exist_fails(self):
        with self.assertRaises(SystemExit):
            self.run_pytest('no-orjson', ['tests'], exclude=(
                'tests/test_sample.py::T::test_gone',))

    def test_orjson_is_blocked_only_when_asked(self):
        self.assertEqual(self.run_pytest(
            'no-orjson', ['tests/test_sample.py::T::test_no_orjson']),
            (1, 0, 0))
        if importlib.util.find_spec('orjson') is not None:
            self.assertEqual(self.run_pytest(
                'orjson', ['tests/test_sample.py::T::test_no_orjson']),
                (0, 1, 0))

    def test_other_twins_than_expected_fail(self):
        with self.assertRaises(SystemExit):
            self.suite._pytest(self.tmp.name, 'compiled', self.env,
                               'no-orjson', ['tests'])


class TestMicroPythonDriver(unittest.TestCase):
    def test_modules_come_from_upstream_init(self):
        if not os.path.exists(MP_SCRIPT):
            self.skipTest('no ci/upstream_suite_mp.py next to the tests')
        driver = _load(MP_SCRIPT, 'upstream_suite_mp_under_test')
        with tempfile.TemporaryDirectory() as tmp:
            os.mkdir(os.path.join(tmp, 'tests'))
            with open(os.path.join(tmp, 'tests', '__init__.py'), 'w') as f:
                f.write('from tests.test_a import *  # noqa: F401, F403\n'
                        'import sys\n'
                        'from tests.test_b import *  # noqa: F401, F403\n')
            self.assertEqual(driver.upstream_modules(tmp),
                             ['test_a', 'test_b'])


if __name__ == '__main__':
    unittest.main(argv=sys.argv)
