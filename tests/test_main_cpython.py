"""``python -m microdot`` prints the version, the active twins and why, and
the event loop that ``Microdot.run()`` uses."""
import importlib.util
import os
import subprocess
import sys
import unittest

import microdot
from microdot import _speedups

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_main(**env_changes):
    env = dict(os.environ)
    env.pop('MICRODOT_PURE', None)
    env.pop('MICRODOT_REQUIRE_SPEEDUPS', None)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env.update(env_changes)
    proc = subprocess.run([sys.executable, '-m', 'microdot'], env=env,
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    return proc


class TestMain(unittest.TestCase):
    def check_common(self, out):
        lines = out.splitlines()
        self.assertEqual(lines[0], 'microdot {}'.format(microdot.__version__))
        self.assertEqual(lines[1], 'python: cpython {}'.format(
            sys.version.split()[0]))
        for name in _speedups.NAMES:
            self.assertTrue(any(line.split()[:1] == [name]
                                for line in lines), name)
        loop = 'uvloop' if importlib.util.find_spec('uvloop') else 'asyncio'
        self.assertIn('event loop: {}'.format(loop), lines)
        json = 'orjson' if importlib.util.find_spec('orjson') \
            else 'json (standard library)'
        self.assertIn('json: {}'.format(json), lines)
        return lines

    def test_pure(self):
        proc = run_main(MICRODOT_PURE='1')
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = self.check_common(proc.stdout)
        self.assertEqual(lines[2], 'speedups: pure (MICRODOT_PURE is set)')
        for line in lines[3:3 + len(_speedups.NAMES)]:
            self.assertTrue(line.endswith('microdot._speedups._pure'), line)

    def test_default(self):
        proc = run_main()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = self.check_common(proc.stdout)
        self.assertTrue(lines[2].startswith('speedups: '))
        impl = lines[2].split()[1]
        self.assertIn(impl, ('compiled', 'pure'))
        if impl == 'compiled':
            self.assertEqual(lines[2], 'speedups: compiled (compiled twins '
                                       'imported)')
        else:
            self.assertIn('compiled twins unavailable', lines[2])

    def test_pure_flag_off_values(self):
        for value in ('0', '', 'no'):
            proc = run_main(MICRODOT_PURE=value)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertNotIn('MICRODOT_PURE is set', proc.stdout)
