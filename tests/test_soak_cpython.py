"""`make soak` in a few seconds (CPython only: benchmarks/soak.py with wrk
against microdot.server), so that the soak test keeps working between the
10-minute runs that nobody makes in `make test`."""
import os
import subprocess
import sys
import unittest

from live_server import needs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOAK = os.path.join(ROOT, 'benchmarks', 'soak.py')


@needs('wrk')
class SoakSmokeTest(unittest.TestCase):
    def test_short_soak(self):
        env = dict(os.environ, SOAK_SECONDS='10')
        proc = subprocess.run([sys.executable, SOAK], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=120)
        out = proc.stdout
        verdict = [x for x in out.splitlines() if x.startswith('soak: ')][-1]
        self.assertIn('(0 errors;', verdict, out[-3000:])
        # RSS and fds are compared between the first and last minutes of
        # the real run; over seconds only the flatness checks may fail
        if proc.returncode:
            for failure in verdict.split('FAIL: ', 1)[1].split(' (')[0] \
                    .split(', '):
                self.assertIn(' changed ', failure, out[-3000:])
        # nothing left open once the load is over
        idle = [x for x in out.splitlines()
                if x.startswith('idle at the end')][0]
        self.assertLessEqual(int(idle.split(', ')[1].split()[0]), 24, idle)
        # every kind of client ran and none failed
        for kind in ('WebSocket echo session', 'SSE stream',
                     'reset mid-request/response', 'wrk keep-alive'):
            line = [x for x in out.splitlines()
                    if x.startswith(kind)]
            self.assertEqual(len(line), 1, kind)
            count, errors = line[0][len(kind):].split()[:2]
            self.assertGreater(int(count), 0, line[0])
            self.assertEqual(errors, '0', line[0])


if __name__ == '__main__':
    unittest.main()
