"""Static typing checks: mypy is clean on the package, and the .pyi stubs of
the twins describe the modules that really run (CPython only: runs mypy)."""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 300

# Names Cython adds to every extension module and cdef class, which a stub
# has no reason to list; and the cdef class itself, whose layout stubtest
# reports as a "disjoint base" that the pure twin's class is not.
STUBTEST_ALLOWLIST = '''
.*\\.__test__
.*\\.__reduce_cython__
.*\\.__setstate_cython__
microdot\\._speedups\\._crouting\\.Router
microdot\\._speedups\\._crouting\\.Router\\.__init__
microdot\\._speedups\\._chttp\\.NoCaseDict
microdot\\._speedups\\._chttp\\.NoCaseDict\\.__init__
'''


def _source_tree():
    # True when running from a checkout, where pyproject.toml holds the
    # [tool.mypy] configuration; False when the tests run against an
    # installed package from another directory
    try:
        with open(os.path.join(ROOT, 'pyproject.toml')) as f:
            return '[tool.mypy]' in f.read()
    except OSError:
        return False


def _run(args, cwd):
    try:
        proc = subprocess.run([sys.executable, '-m'] + args, cwd=cwd,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError('{} did not finish in {}s:\n{}'.format(
            ' '.join(args), TIMEOUT, (exc.output or b'').decode()))
    return proc.returncode, proc.stdout.decode(errors='replace')


class TestTyping(unittest.TestCase):
    def test_mypy_is_clean(self):
        if _source_tree():
            # files, target version and optional modules come from the config
            rc, out = _run(['mypy'], ROOT)
        else:
            # check the installed package (a wheel, found through its
            # py.typed) with the settings of the [tool.mypy] section; naming
            # it by module keeps the rest of site-packages out of the check
            with tempfile.TemporaryDirectory() as tmp:
                rc, out = _run(['mypy', '--python-version', '3.10',
                                '--ignore-missing-imports',
                                '--cache-dir', os.path.join(tmp, 'cache'),
                                '-p', 'microdot'], tmp)
        self.assertEqual(rc, 0, 'mypy found problems:\n' + out)
        self.assertIn('Success', out)

    def test_stubs_match_runtime(self):
        # stubtest imports microdot._speedups and its submodules (the
        # compiled ones too, when built) and compares them with the stubs
        with tempfile.NamedTemporaryFile('w', suffix='.txt',
                                         delete=False) as f:
            f.write(STUBTEST_ALLOWLIST)
        try:
            rc, out = _run(['mypy.stubtest', '--allowlist', f.name,
                            '--ignore-unused-allowlist',
                            'microdot._speedups'], ROOT)
        finally:
            os.unlink(f.name)
        self.assertEqual(rc, 0, 'stubs and runtime disagree:\n' + out)

    def test_every_twin_module_has_a_stub(self):
        # looks where the package was imported from, so that an installed
        # wheel is checked for its stubs and py.typed as well
        import microdot._speedups
        speedups = os.path.dirname(microdot._speedups.__file__)
        names = os.listdir(speedups)
        modules = {name.split('.')[0] for name in names
                   if name.endswith(('.py', '.pyx'))}
        missing = sorted(m for m in modules if m + '.pyi' not in names)
        self.assertEqual(missing, [], 'modules without a .pyi stub')
        self.assertTrue(os.path.exists(
            os.path.join(os.path.dirname(speedups), 'py.typed')))


if __name__ == '__main__':
    unittest.main()
