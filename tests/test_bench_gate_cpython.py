"""benchmarks/gate.py on hand-made pytest-benchmark results (CPython only:
runs the gate as a subprocess, as ci/bench_gate.sh does)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import unittest.mock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GATE = os.path.join(ROOT, 'benchmarks', 'gate.py')

THRESHOLDS = {'parse_head': 4.0, 'head_lines': 4.0, 'parse_urlencoded': 8.0,
              'urldecode': 8.0, 'route_hit': 3.0, 'route_404': 2.5,
              'mask_64k': 20.0}
INFO_ONLY = ('mask_125',)
PURE_SECONDS = 1e-5
# JSON case: (most ours/orjson, least json/ours)
JSON_LIMITS = {'json_dumps': (2.0, 4.0), 'json_loads': (2.0, 1.8),
               'json_dumps_nulls': (None, 1.5),
               'json_loads_small': (None, 2.0)}
ORJSON_SECONDS = 1e-6
# pure may be at most this many times slower on these worst cases
WITHIN = {'route_multi_900': 30.0, 'route_path_end_1000': 30.0,
          'route_path_end_8000': 30.0}
# (larger, smaller, most): growth on each twin
GROWTH = (('find_route_20000', 'find_route_20', 2.0),
          ('route_multi_900', 'route_multi_100', 18.0),
          ('route_path_end_8000', 'route_path_end_1000', 16.0))


def _entry(case, impl, seconds, median=None, **extra):
    info = {'case': case, 'impl': impl}
    info.update(extra)
    return {'group': case, 'name': 'test_{}[{}]'.format(case, impl),
            'param': impl, 'extra_info': info,
            'stats': {'min': seconds, 'median': median or seconds}}


def _json_entries(over=None, under=None, skip=()):
    """JSON results where ours takes ``over`` times orjson's time and json
    ``under`` times ours (each limit itself unless given)."""
    entries = []
    for case, (most, least) in JSON_LIMITS.items():
        ours = ORJSON_SECONDS * (over or {}).get(case, most or 3.0)
        json_seconds = ours * (under or {}).get(case, least)
        for impl, seconds in (('orjson', ORJSON_SECONDS), ('ours', ours),
                              ('json', json_seconds)):
            if (case, impl) not in skip:
                entries.append(_entry(case, impl, seconds))
    return entries


def _results(ratios=None, compiled=True, httptools=True):
    """Benchmarks where each compiled twin is ``ratio`` times faster (the
    threshold itself unless given), and JSON results at their limits."""
    ratios = ratios or {}
    entries = _json_entries()
    for case in list(THRESHOLDS) + list(INFO_ONLY):
        entries.append(_entry(case, 'pure', PURE_SECONDS))
        if compiled:
            ratio = ratios.get(case, THRESHOLDS.get(case, 2.0))
            entries.append(_entry(case, 'compiled', PURE_SECONDS / ratio))
    # the worst cases: pure twice as slow as compiled, the larger inputs
    # 1.5 times as slow as the smaller ones
    for larger, smaller, _ in GROWTH:
        for case, scale in ((smaller, 1.0), (larger, 1.5)):
            if case not in [e['extra_info']['case'] for e in entries]:
                entries.append(_entry(case, 'pure', PURE_SECONDS * scale))
                if compiled:
                    entries.append(_entry(case, 'compiled',
                                          PURE_SECONDS * scale / 2))
    if httptools:
        entries.append(_entry('parse_head', 'httptools', 5e-6))
    return {'benchmarks': entries}


def _set(data, case, impl, seconds):
    for entry in data['benchmarks']:
        info = entry['extra_info']
        if info['case'] == case and info['impl'] == impl:
            entry['stats']['min'] = entry['stats']['median'] = seconds


class TestGate(unittest.TestCase):
    def gate(self, data, *args):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'results.json')
            with open(path, 'w') as f:
                json.dump(data, f)
            proc = subprocess.run([sys.executable, GATE, path] + list(args),
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=60)
        return proc.returncode, proc.stdout.decode()

    def test_passes_at_each_threshold(self):
        rc, out = self.gate(_results())
        self.assertEqual(rc, 0, out)
        self.assertNotIn('FAIL', out)
        self.assertIn('gate passed', out)
        for case, threshold in THRESHOLDS.items():
            self.assertIn(case, out)
            self.assertIn('{:.2f}x'.format(threshold), out)

    def test_fails_just_below_a_threshold(self):
        for case, threshold in THRESHOLDS.items():
            rc, out = self.gate(_results({case: threshold * 0.99}))
            self.assertEqual(rc, 1, out)
            self.assertIn('GATE FAILED', out)
            self.assertIn('{}: compiled is {:.2f}x faster than pure, needs '
                          '>= {:.1f}x'.format(case, threshold * 0.99,
                                              threshold), out)
            failures = [line for line in out.splitlines()
                        if line.startswith('  - ')]
            self.assertEqual(len(failures), 1, out)

    def test_info_only_cases_never_fail(self):
        rc, out = self.gate(_results({'mask_125': 0.5}))
        self.assertEqual(rc, 0, out)
        self.assertIn('0.50x', out)

    def test_table_has_times_and_httptools_ratio(self):
        rc, out = self.gate(_results())
        self.assertEqual(rc, 0, out)
        self.assertIn('pure ns/op', out)
        self.assertIn('compiled ns/op', out)
        self.assertIn('10000', out)  # 1e-5 s in ns
        self.assertIn('2500', out)   # parse_head compiled: 1e-5 / 4
        # httptools 5000 ns against ours 2500 ns
        self.assertIn('httptools on the same head: 5000 ns/op', out)
        self.assertIn('2.00x faster', out)

    def test_missing_compiled_twins_fail(self):
        data = _results(compiled=False)
        for entry in data['benchmarks']:
            entry['extra_info']['compiled_missing'] = 'cannot import _chttp'
        rc, out = self.gate(data)
        self.assertEqual(rc, 1, out)
        self.assertIn('no compiled twin was benchmarked: cannot import '
                      '_chttp', out)
        self.assertIn('build_ext --inplace', out)
        self.assertIn('parse_head: no compiled result', out)

    def test_one_missing_case_fails(self):
        data = _results()
        data['benchmarks'] = [e for e in data['benchmarks']
                              if e['extra_info']['case'] != 'route_404']
        rc, out = self.gate(data)
        self.assertEqual(rc, 1, out)
        self.assertIn('route_404: no pure and compiled results', out)

    def test_empty_results_fail(self):
        rc, out = self.gate({'benchmarks': []})
        self.assertEqual(rc, 1, out)
        self.assertIn('no compiled twin was benchmarked', out)

    def test_median_option(self):
        data = _results()
        # the medians say compiled is slow, the minimums say it is fast
        for entry in data['benchmarks']:
            if entry['extra_info']['impl'] == 'compiled':
                entry['stats']['median'] = PURE_SECONDS
        self.assertEqual(self.gate(data)[0], 0)
        rc, out = self.gate(data, '--stat', 'median')
        self.assertEqual(rc, 1, out)
        self.assertIn('median time per op', out)

    def test_json_passes_at_each_limit(self):
        rc, out = self.gate(_results())
        self.assertEqual(rc, 0, out)
        self.assertIn('JSON codec vs raw orjson and json', out)
        for case, (most, least) in JSON_LIMITS.items():
            line = [x for x in out.splitlines() if x.startswith(case + ' ')]
            self.assertEqual(len(line), 1, out)
            self.assertIn('{:.2f}x'.format(least), line[0])
            self.assertTrue(line[0].endswith('PASS'), line[0])

    def test_json_fails_above_orjson_limit(self):
        for case, (most, least) in JSON_LIMITS.items():
            if most is None:
                continue
            data = _results()
            data['benchmarks'] = [
                e for e in data['benchmarks']
                if not e['extra_info']['case'].startswith('json')]
            data['benchmarks'] += _json_entries(over={case: most * 1.01})
            rc, out = self.gate(data)
            self.assertEqual(rc, 1, out)
            self.assertIn('{}: ours takes {:.2f}x the time of orjson, may '
                          'take <= {:.1f}x'.format(case, most * 1.01, most),
                          out)

    def test_json_fails_below_json_factor(self):
        for case, (most, least) in JSON_LIMITS.items():
            data = _results()
            data['benchmarks'] = [
                e for e in data['benchmarks']
                if not e['extra_info']['case'].startswith('json')]
            data['benchmarks'] += _json_entries(under={case: least * 0.98})
            rc, out = self.gate(data)
            self.assertEqual(rc, 1, out)
            self.assertIn('{}: json is {:.2f}x slower than ours, needs >= '
                          '{:.1f}x'.format(case, least * 0.98, least), out)
            failures = [line for line in out.splitlines()
                        if line.startswith('  - ')]
            self.assertEqual(len(failures), 1, out)

    def test_json_ungated_ratio_never_fails(self):
        data = _results()
        data['benchmarks'] = [
            e for e in data['benchmarks']
            if not e['extra_info']['case'].startswith('json')]
        # 50 times orjson's time where nothing limits it
        data['benchmarks'] += _json_entries(over={'json_dumps_nulls': 50.0})
        rc, out = self.gate(data)
        self.assertEqual(rc, 0, out)
        self.assertIn('50.00x', out)

    def test_missing_json_result_fails(self):
        data = _results()
        data['benchmarks'] = [
            e for e in data['benchmarks']
            if not e['extra_info']['case'].startswith('json')]
        data['benchmarks'] += _json_entries(skip={('json_loads', 'ours')})
        rc, out = self.gate(data)
        self.assertEqual(rc, 1, out)
        self.assertIn('json_loads: no ours result', out)

    def test_pure_within_fails_above_its_bound(self):
        for case, most in WITHIN.items():
            data = _results()
            times = {e['extra_info']['impl']: e['stats']['min']
                     for e in data['benchmarks']
                     if e['extra_info']['case'] == case}
            # move the side that keeps the growth ratios within bounds
            if case in [smaller for _, smaller, _ in GROWTH]:
                _set(data, case, 'pure', times['compiled'] * most * 1.01)
            else:
                _set(data, case, 'compiled', times['pure'] / (most * 1.01))
            rc, out = self.gate(data)
            self.assertEqual(rc, 1, out)
            self.assertIn('{}: pure is {:.2f}x slower than compiled, may be '
                          '<= {:.1f}x'.format(case, most * 1.01, most), out)
            failures = [line for line in out.splitlines()
                        if line.startswith('  - ')]
            self.assertEqual(len(failures), 1, out)

    def test_growth_is_gated_on_each_twin(self):
        rc, out = self.gate(_results())
        self.assertEqual(rc, 0, out)
        self.assertIn('growth gate', out)
        for larger, smaller, most in GROWTH:
            for impl in ('pure', 'compiled'):
                self.assertIn('{} / {} ({})'.format(larger, smaller, impl),
                              out)
                data = _results()
                _set(data, larger, impl, (PURE_SECONDS if impl == 'pure'
                                          else PURE_SECONDS / 2) * most * 1.1)
                rc, out2 = self.gate(data)
                self.assertEqual(rc, 1, out2)
                self.assertIn('{} / {} ({}): the larger input takes {:.2f}x '
                              'the time, may be <= {:.1f}x'.format(
                                  larger, smaller, impl, most * 1.1, most),
                              out2)

    def test_growth_pair_missing_fails(self):
        data = _results()
        data['benchmarks'] = [e for e in data['benchmarks']
                              if e['extra_info'] != {'case': 'find_route_20',
                                                     'impl': 'compiled'}]
        rc, out = self.gate(data)
        self.assertEqual(rc, 1, out)
        self.assertIn('find_route_20000 / find_route_20 (compiled): no result '
                      'for find_route_20', out)

    def test_unreadable_file(self):
        proc = subprocess.run([sys.executable, GATE, os.path.join(
            ROOT, 'benchmarks', 'results', 'does-not-exist.json')],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b'cannot read', proc.stdout)


@unittest.skipUnless(
    os.path.exists(os.path.join(ROOT, 'ci', 'micropython_pkg.py')),
    'needs the source checkout')  # benchmarks/mpy_heap.py imports it
class MpyHeapBandTests(unittest.TestCase):
    """benchmarks/mpy_heap.py: the smallest heap is the smallest from which
    every size of the band above serves too, because a heap layout that
    fits at one size can fail at the next."""

    def setUp(self):
        sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
        self.addCleanup(sys.path.pop, 0)
        import mpy_heap
        self.heap = mpy_heap
        self.tried = []

    def landscape(self, fails):
        # a fake serves(): fails below 50 KB and at the sizes in ``fails``
        def serves(where, heap_kb, requests=100):
            self.tried.append(heap_kb)
            ok = heap_kb >= 50 and heap_kb not in fails
            return ok, 'served' if ok else 'MemoryError'
        patcher = unittest.mock.patch.object(self.heap, 'serves', serves)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_monotonic(self):
        self.landscape(())
        self.assertEqual(self.heap.smallest_heap(None), 50)
        # the band above the answer was tried
        for size in range(51, 51 + self.heap.BAND_KB):
            self.assertIn(size, self.tried)

    def test_a_failure_in_the_band_moves_the_answer_past_it(self):
        # bisection lands on 50, but 60 fails: 61 is the smallest size from
        # which the band serves
        self.landscape((60,))
        self.assertEqual(self.heap.smallest_heap(None), 61)
        self.landscape((60, 70))
        self.assertEqual(self.heap.smallest_heap(None), 71)

    def test_gate_tries_the_band_above_the_limit(self):
        self.landscape((60,))
        ok, why = self.heap.serves_band(None, 50)
        self.assertFalse(ok)
        self.assertIn('at 60K', why)
        ok, why = self.heap.serves_band(None, 61)
        self.assertTrue(ok, why)
        self.assertIn(61 + self.heap.BAND_KB - 1, self.tried)


@unittest.skipUnless(
    os.path.exists(os.path.join(ROOT, 'ci', 'micropython_pkg.py')) and
    (shutil.which('micropython') or os.path.exists(os.path.join(
        os.path.dirname(sys.executable), 'micropython'))),
    'needs the source checkout and micropython')
class MpyHeapTablesTests(unittest.TestCase):
    """benchmarks/mpy_heap.py --tables on MicroPython: every portable
    module has its row, and a module's statements and methods theirs (the
    report stubs the package while it measures its modules one by one)."""

    def setUp(self):
        sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
        self.addCleanup(sys.path.pop, 0)
        import mpy_heap
        self.heap = mpy_heap
        self.tree = mpy_heap.ours()

    def test_every_module(self):
        rows = self.heap.module_costs(self.tree, 'py')
        expected = set()
        for rel in self.tree.files:
            name = 'microdot.' + rel[:-3].replace('/', '.')
            if name.endswith('.__init__'):
                name = name[:-len('.__init__')]
            expected.add(name)
        self.assertEqual({row[0] for row in rows}, expected)
        self.assertEqual(len(rows), len(expected))
        for name, size, names, name_bytes in rows:
            self.assertGreater(size, 0, name)

    def test_statements_and_methods(self):
        rows = dict((row[0], row[1]) for row in
                    self.heap.statement_costs(self.tree, '_wire.py'))
        self.assertGreater(rows['class _BadRequest'], 0)
        self.assertGreater(rows['def _wire'], 0)
        self.assertIn('  _BadRequest.__init__', rows)


if __name__ == '__main__':
    unittest.main()


class E2EGateRatioTests(unittest.TestCase):
    """benchmarks/e2e/run.py: a gate compares the CPU per request of two
    loads of the same round, and keeps the median of the rounds."""

    def setUp(self):
        sys.path.insert(0, os.path.join(ROOT, 'benchmarks', 'e2e'))
        self.addCleanup(sys.path.pop, 0)
        import run
        self.run = run

    def test_rounds_paired(self):
        # the machine slows down in round 2: each round alone says 0.9
        num = {'cpu_us': 20.0, 'cpu_all': [20.0, 40.0, 20.0]}
        den = {'cpu_us': 18.0, 'cpu_all': [18.0, 36.0, 18.0]}
        self.assertAlmostEqual(self.run.gate_ratio(num, den), 0.9)
        # a slow load on one side of a round moves that round only, where
        # the medians of each side apart would give 36 / 21 = 1.71
        num = {'cpu_all': [20.0, 21.0, 40.0]}
        den = {'cpu_all': [36.0, 19.0, 38.0]}
        self.assertAlmostEqual(self.run.gate_ratio(num, den), 0.95)

    def test_even_rounds_and_fallback(self):
        num = {'cpu_all': [10.0, 10.0]}
        den = {'cpu_all': [8.0, 9.0]}
        self.assertAlmostEqual(self.run.gate_ratio(num, den), 0.85)
        self.assertAlmostEqual(
            self.run.gate_ratio({'cpu_us': 4.0}, {'cpu_us': 3.0}), 0.75)
        self.assertEqual(self.run.gate_ratio({'cpu_us': 0.0},
                                             {'cpu_us': 3.0}), 0.0)

    def test_slice_order(self):
        # A B B A A B B A: each side first as often, each load next to one
        # of the other side
        self.assertEqual(self.run.slice_order(4), [0, 1, 1, 0, 0, 1, 1, 0])
        self.assertEqual(self.run.slice_order(1), [0, 1])

    def test_measure_gates_pairs_neighbouring_slices(self):
        # a fake load: the machine is twice as slow for the 5th to 8th
        # loads after the warm-ups; param costs 1.25x hello throughout
        calls = []

        def load(server, scenario, seconds, connections, warm_up=True):
            calls.append((server.name, scenario, seconds, warm_up))
            if not warm_up and server.name == 'microdot':
                slow = 2.0 if 4 <= len([c for c in calls if not c[3]]) - 1 \
                    < 8 else 1.0
                cpu = (10.0 if scenario == 'hello' else 12.5) * slow
            else:
                cpu = 100.0
            return {'rps': 1e6 / cpu, 'cpu_us': cpu, 'errors': 0,
                    'requests': 1000, 'rss_kib': 1}

        class FakeServer:
            def __init__(self, name):
                self.name = name

        self.run.load, real = load, self.run.load
        self.addCleanup(setattr, self.run, 'load', real)
        logged = []
        rows, table = self.run.measure_gates(
            [FakeServer('microdot')], 6, 1, 50, logged.append)
        # only the gate whose both sides are running
        self.assertEqual([row[0] for row in rows],
                         ['param route behind 50 routes vs hello'])
        text, ratio, threshold, ok = rows[0]
        self.assertAlmostEqual(ratio, 0.8)
        self.assertFalse(ok)
        # two warm-ups, then 12 one-second loads in the A B B A order
        self.assertEqual([c[3] for c in calls], [True] * 2 + [False] * 12)
        self.assertEqual([c[1] for c in calls[2:]],
                         ['param', 'hello', 'hello', 'param'] * 3)
        self.assertEqual(len(logged), 12)
        # the slow loads are paired with each other: every pair says 0.8
        self.assertEqual(table[('microdot', 'param')]['cpu_all'],
                         [12.5, 12.5, 25.0, 25.0, 12.5, 12.5])
        self.assertEqual(table[('microdot', 'hello')]['cpu_all'],
                         [10.0, 10.0, 20.0, 20.0, 10.0, 10.0])

    def test_check_gates(self):
        table = {
            ('microdot', 'hello'): {'cpu_all': [10.0, 10.0, 10.0]},
            ('raw-asgi', 'hello'): {'cpu_all': [9.0, 12.0, 15.0]},
            ('microdot', 'param'): {'cpu_all': [12.0, 12.0, 12.0]},
        }
        rows, failed = self.run.check_gates(table)
        by_text = {row[0]: row for row in rows}
        self.assertAlmostEqual(
            by_text['compiled hello vs raw ASGI on uvicorn'][1], 1.2)
        self.assertAlmostEqual(
            by_text['param route behind 50 routes vs hello'][1], 10 / 12)
        self.assertEqual(failed, ['param route behind 50 routes vs hello'])
