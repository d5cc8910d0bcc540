"""The values MICRODOT_PURE and MICRODOT_REQUIRE_SPEEDUPS accept (CPython
only: each case imports microdot in a new interpreter). The on and off
values themselves are tested with the selector in test_twins_cpython.py."""
import os
import subprocess
import sys
import unittest

import microdot

SWITCHES = ('MICRODOT_PURE', 'MICRODOT_REQUIRE_SPEEDUPS')
SHOW = ('import microdot._speedups as s; '
        'print(s.IMPLEMENTATION, "|", s.REASON)')


def _python(**env):
    """Import microdot in a new interpreter with the given MICRODOT_*
    variables; return (exit status, output)."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('MICRODOT_')}
    environ.update(env)
    root = os.path.dirname(os.path.dirname(os.path.abspath(
        microdot.__file__)))
    proc = subprocess.run([sys.executable, '-c', SHOW], cwd=root,
                          env=environ, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=60)
    return proc.returncode, proc.stdout.decode()


class SwitchValueTests(unittest.TestCase):
    def test_unknown_values_raise_naming_the_accepted_ones(self):
        for name in SWITCHES:
            for value in ('garbage', '2', 'enabled', '-1'):
                with self.subTest(name=name, value=value):
                    status, out = _python(**{name: value})
                    self.assertNotEqual(status, 0, out)
                    self.assertIn(
                        'ValueError: {}={!r} is not understood: use 1, true, '
                        'yes or on to switch it on; 0, false, no, off or an '
                        'empty value to switch it off'.format(name, value),
                        out)

    def test_a_bad_value_is_reported_whatever_the_other_switch_says(self):
        # MICRODOT_PURE=1 makes MICRODOT_REQUIRE_SPEEDUPS moot, but a typo
        # in it is still a mistake worth hearing about
        status, out = _python(MICRODOT_PURE='1',
                              MICRODOT_REQUIRE_SPEEDUPS='ture')
        self.assertNotEqual(status, 0, out)
        self.assertIn("MICRODOT_REQUIRE_SPEEDUPS='ture' is not understood",
                      out)

    def test_values_are_read_without_case_or_spaces(self):
        for value in ('OFF', ' No ', 'False', '\t0\n'):
            with self.subTest(value=value):
                status, out = _python(MICRODOT_PURE=value)
                self.assertEqual(status, 0, out)
                self.assertNotIn('MICRODOT_PURE is set', out)
        status, out = _python(MICRODOT_PURE=' YES ')
        self.assertEqual(status, 0, out)
        self.assertEqual(out.strip(), 'pure | MICRODOT_PURE is set')


if __name__ == '__main__':
    unittest.main()
