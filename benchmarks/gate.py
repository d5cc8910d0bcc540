"""Speed gate: compiled twins must beat the pure twins by a set factor, the
pure twins must stay within a set factor of the compiled ones on worst-case
inputs, costs must not grow with the input where they should not, and the
JSON codec must keep orjson's speed.

Usage::

    python benchmarks/gate.py RESULTS.json [--stat min|median]

``RESULTS.json`` is what ``pytest benchmarks --benchmark-json=RESULTS.json``
wrote. Every ratio is taken from that one run, so both sides were measured on
the same machine under the same load, and compared with its threshold:

- :data:`CASES`: ``pure time / compiled time`` must reach the threshold;
- :data:`PURE_WITHIN`: ``pure time / compiled time`` must not exceed it (the
  pure twin may be slower by a constant factor, never by a different order
  of growth);
- :data:`GROWTH`: on each twin, ``time of the larger input / time of the
  smaller one`` must not exceed it (20,000 routes against 20; 8,000 path
  segments against 1,000).

Absolute times are printed but never fail anything.

The minimum time is used by default: noise from other processes only ever
adds time, so the fastest round is the one closest to the true cost and
varies least between runs on a busy machine. ``--stat median`` is there for
comparison.

The JSON cases (benchmarks/test_bench_json.py) time three implementations
of one operation: raw ``orjson``, ``ours`` (microdot._jsoncodec, orjson with
the checks that keep json's values) and the standard library's ``json``.
Ours may take at most a set multiple of orjson's time and must be a set
factor faster than json.

Exit status: 0 when every gated ratio meets its threshold, 1 when one does
not or when results are missing (compiled twins not built counts as a
failure, never as a pass), 2 for a bad command line or an unreadable file.
"""
import argparse
import json
import sys

#: (case, threshold); ``None`` means measured and shown but not gated.
CASES = (
    ('parse_head', 4.0),
    ('head_lines', 4.0),
    ('parse_urlencoded', 8.0),
    ('urldecode', 8.0),
    ('route_hit', 3.0),
    ('route_404', 2.5),
    ('mask_125', None),
    ('mask_64k', 20.0),
)

#: (case, most): worst cases where the pure twin may be at most this many
#: times slower than the compiled one.
PURE_WITHIN = (
    ('route_multi_900', 30.0),
    ('route_path_end_1000', 30.0),
    ('route_path_end_8000', 30.0),
)

#: (larger case, smaller case, most): on each twin, the larger input may take
#: at most this many times as long as the smaller one. Linear growth over
#: 8x (9x) the segments gives about 8x (9x); quadratic would give 64x (81x).
GROWTH = (
    ('find_route_20000', 'find_route_20', 2.0),
    ('route_multi_900', 'route_multi_100', 18.0),
    ('route_path_end_8000', 'route_path_end_1000', 16.0),
)
IMPLS = ('pure', 'compiled')

#: JSON cases: (case, most time ours may take as a multiple of raw
#: orjson's, least factor by which json must be slower than ours); ``None``
#: means measured and shown but not gated. Output with null is parsed back
#: (orjson writes NaN as null too), and on a small body the Python call
#: around orjson is most of the cost: neither is held to orjson's time.
JSON_CASES = (
    ('json_dumps', 2.0, 4.0),
    ('json_loads', 2.0, 1.8),
    ('json_dumps_nulls', None, 1.5),
    ('json_loads_small', None, 2.0),
)

BUILD_HINT = 'build them with `python3 setup.py build_ext --inplace`'


def load(path):
    """Return ``{(case, impl): entry}`` from a pytest-benchmark JSON file."""
    with open(path) as f:
        data = json.load(f)
    results = {}
    for entry in data.get('benchmarks', []):
        info = entry.get('extra_info') or {}
        case = info.get('case') or entry.get('group')
        impl = info.get('impl') or entry.get('param')
        if case and impl:
            results[(case, impl)] = entry
    return results


def evaluate(results, stat='min'):
    """Compare the twins case by case.

    Returns ``(rows, failures, notes)``: one row per case as ``(case,
    pure_ns, compiled_ns, ratio, threshold, verdict)``, the messages of the
    failed checks, and informational lines.
    """
    rows = []
    failures = []
    notes = []
    missing_reason = None
    for entry in results.values():
        reason = (entry.get('extra_info') or {}).get('compiled_missing')
        if reason:
            missing_reason = reason
    for case, threshold in CASES + PURE_WITHIN:
        most = (case, threshold) in PURE_WITHIN
        pure = results.get((case, 'pure'))
        compiled = results.get((case, 'compiled'))
        pure_ns = pure['stats'][stat] * 1e9 if pure else None
        comp_ns = compiled['stats'][stat] * 1e9 if compiled else None
        ratio = None
        if pure_ns is not None and comp_ns is not None and comp_ns > 0:
            ratio = pure_ns / comp_ns
        if threshold is None:
            verdict = 'info'
        elif ratio is None:
            verdict = 'FAIL'
            which = ' and '.join(
                name for name, entry in (('pure', pure),
                                         ('compiled', compiled))
                if entry is None)
            failures.append('{}: no {} result{}'.format(
                case, which, '' if ' and ' not in which else 's'))
        elif most and round(ratio, 2) > threshold:
            verdict = 'FAIL'
            failures.append('{}: pure is {:.2f}x slower than compiled, may '
                            'be <= {:.1f}x'.format(case, ratio, threshold))
        elif not most and round(ratio, 2) < threshold:
            # judged on the ratio as printed, so that the table and the
            # verdict never disagree over a rounding difference
            verdict = 'FAIL'
            failures.append('{}: compiled is {:.2f}x faster than pure, '
                            'needs >= {:.1f}x'.format(case, ratio, threshold))
        else:
            verdict = 'PASS'
        rows.append((case, pure_ns, comp_ns, ratio,
                     None if threshold is None else
                     ('<=' if most else '>=', threshold), verdict))
    if not any(impl == 'compiled' for _, impl in results):
        failures.insert(0, 'no compiled twin was benchmarked: {} ({})'.format(
            missing_reason or 'the compiled twins are missing', BUILD_HINT))
    reference = results.get(('parse_head', 'httptools'))
    ours = results.get(('parse_head', 'compiled'))
    if reference and ours:
        ref_ns = reference['stats'][stat] * 1e9
        ours_ns = ours['stats'][stat] * 1e9
        notes.append('httptools on the same head: {:.0f} ns/op, ours '
                     'compiled {:.0f} ns/op: ours takes {:.2f}x the time of '
                     'httptools ({:.2f}x {}; informational, not gated)'.format(
                         ref_ns, ours_ns, ours_ns / ref_ns,
                         max(ref_ns, ours_ns) / min(ref_ns, ours_ns),
                         'faster' if ours_ns < ref_ns else 'slower'))
    elif reference:
        notes.append('httptools reference on the same head: {:.0f} ns/op '
                     '(no compiled result to compare)'.format(
                         reference['stats'][stat] * 1e9))
    else:
        notes.append('httptools reference: not measured')
    return rows, failures, notes


def evaluate_growth(results, stat='min'):
    """Compare larger and smaller inputs on each twin.

    Returns ``(rows, failures)``: one row per (case, twin) as ``(label,
    larger_ns, smaller_ns, ratio, threshold, verdict)``. A twin with no
    results at all is skipped here (:func:`evaluate` already fails a run
    without compiled results); a pair with one side missing fails.
    """
    rows = []
    failures = []
    for larger, smaller, threshold in GROWTH:
        for impl in IMPLS:
            big = results.get((larger, impl))
            small = results.get((smaller, impl))
            label = '{} / {} ({})'.format(larger, smaller, impl)
            if big is None and small is None and not any(
                    i == impl for _, i in results):
                continue  # this twin was not measured at all
            if big is None or small is None:
                failures.append('{}: no result for {}'.format(
                    label, larger if big is None else smaller))
                rows.append((label, None, None, None, threshold, 'FAIL'))
                continue
            big_ns = big['stats'][stat] * 1e9
            small_ns = small['stats'][stat] * 1e9
            ratio = big_ns / small_ns if small_ns > 0 else None
            if ratio is None or round(ratio, 2) > threshold:
                verdict = 'FAIL'
                failures.append('{}: the larger input takes {} the time, '
                                'may be <= {:.1f}x'.format(
                                    label, _cell(ratio, '{:.2f}x'),
                                    threshold))
            else:
                verdict = 'PASS'
            rows.append((label, big_ns, small_ns, ratio, threshold, verdict))
    return rows, failures


def format_growth(rows, stat):
    """Return the growth results as an aligned text table."""
    header = ('larger / smaller (twin)', 'larger ns/op', 'smaller ns/op',
              'ratio', 'threshold', 'result')
    lines = [header] + [
        (label, _cell(big, '{:.0f}'), _cell(small, '{:.0f}'),
         _cell(ratio, '{:.2f}x'), '<= {:.1f}x'.format(threshold), verdict)
        for label, big, small, ratio, threshold, verdict in rows]
    return _align(lines, 'growth gate: the same twin on a larger input, {} '
                  'time per op'.format(stat))


def evaluate_json(results, stat='min'):
    """Compare the JSON codec with raw orjson and with json, case by case.

    Returns ``(rows, failures)``: one row per case as ``(case, orjson_ns,
    ours_ns, json_ns, over_orjson, json_over_ours, verdict)`` and the
    messages of the failed checks.
    """
    rows = []
    failures = []
    for case, most, least in JSON_CASES:
        times = {}
        for impl in ('orjson', 'ours', 'json'):
            entry = results.get((case, impl))
            times[impl] = entry['stats'][stat] * 1e9 if entry else None
        missing = [impl for impl, ns in times.items() if not ns]
        over = under = None
        if not missing:
            over = times['ours'] / times['orjson']
            under = times['json'] / times['ours']
        verdict = 'PASS'
        if missing:
            if most is not None or least is not None:
                verdict = 'FAIL'
                failures.append('{}: no {} result'.format(
                    case, ' and '.join(missing)))
            else:
                verdict = 'info'
        else:
            # judged on the ratios as printed, as for the twins
            if most is not None and round(over, 2) > most:
                verdict = 'FAIL'
                failures.append('{}: ours takes {:.2f}x the time of orjson, '
                                'may take <= {:.1f}x'.format(case, over, most))
            if least is not None and round(under, 2) < least:
                verdict = 'FAIL'
                failures.append('{}: json is {:.2f}x slower than ours, needs '
                                '>= {:.1f}x'.format(case, under, least))
            if most is None and least is None:
                verdict = 'info'
        rows.append((case, times['orjson'], times['ours'], times['json'],
                     over, under, most, least, verdict))
    return rows, failures


def format_json_table(rows, stat):
    """Return the JSON results as an aligned text table."""
    header = ('benchmark', 'orjson ns/op', 'ours ns/op', 'json ns/op',
              'ours/orjson', 'limit', 'json/ours', 'threshold', 'result')
    lines = [header]
    for case, o_ns, u_ns, j_ns, over, under, most, least, verdict in rows:
        lines.append((case, _cell(o_ns, '{:.0f}'), _cell(u_ns, '{:.0f}'),
                      _cell(j_ns, '{:.0f}'), _cell(over, '{:.2f}x'),
                      _cell(most, '<= {:.1f}x'), _cell(under, '{:.2f}x'),
                      _cell(least, '>= {:.1f}x'), verdict))
    return _align(lines, 'speed gate: JSON codec vs raw orjson and json, '
                  '{} time per op'.format(stat))


def _align(lines, title):
    widths = [max(len(line[i]) for line in lines)
              for i in range(len(lines[0]))]
    out = [title]
    for n, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in
                  zip(line[1:], widths[1:])]
        out.append('  '.join(cells).rstrip())
        if n == 0:
            out.append('  '.join('-' * width for width in widths))
    return '\n'.join(out)


def _cell(value, fmt):
    return '-' if value is None else fmt.format(value)


def format_table(rows, stat):
    """Return the results as an aligned text table."""
    header = ('benchmark', 'pure ns/op', 'compiled ns/op', 'ratio',
              'threshold', 'result')
    lines = [header]
    for case, pure_ns, comp_ns, ratio, threshold, verdict in rows:
        lines.append((case, _cell(pure_ns, '{:.0f}'),
                      _cell(comp_ns, '{:.0f}'), _cell(ratio, '{:.2f}x'),
                      '-' if threshold is None else
                      '{} {:.1f}x'.format(*threshold), verdict))
    return _align(lines, 'speed gate: compiled vs pure, {} time per '
                  'op'.format(stat))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Fail when the compiled twins are not fast enough.')
    parser.add_argument('results', help='pytest-benchmark JSON file')
    parser.add_argument('--stat', choices=('min', 'median'), default='min',
                        help='statistic to compare (default: min, the most '
                        'stable on a noisy machine)')
    args = parser.parse_args(argv)
    try:
        results = load(args.results)
    except (OSError, ValueError) as exc:
        print('gate: cannot read {}: {}'.format(args.results, exc),
              file=sys.stderr)
        return 2
    rows, failures, notes = evaluate(results, args.stat)
    print(format_table(rows, args.stat))
    for note in notes:
        print(note)
    growth, growth_failures = evaluate_growth(results, args.stat)
    print()
    print(format_growth(growth, args.stat))
    failures += growth_failures
    json_rows, json_failures = evaluate_json(results, args.stat)
    print()
    print(format_json_table(json_rows, args.stat))
    failures += json_failures
    if failures:
        print('GATE FAILED:')
        for message in failures:
            print('  - ' + message)
        return 1
    print('gate passed: every gated ratio meets its threshold')
    return 0


if __name__ == '__main__':
    sys.exit(main())
