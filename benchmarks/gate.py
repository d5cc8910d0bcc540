"""Speed gate: compiled twins must beat the pure twins by a set factor, and
the JSON codec must keep orjson's speed.

Usage::

    python benchmarks/gate.py RESULTS.json [--stat min|median]

``RESULTS.json`` is what ``pytest benchmarks --benchmark-json=RESULTS.json``
wrote. For every gated case the ratio ``pure time / compiled time`` is taken
from that one run, so both twins were measured on the same machine under the
same load, and compared with its threshold. Absolute times are printed but
never fail anything.

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
    ('route_404', 3.0),
    ('mask_125', None),
    ('mask_64k', 20.0),
)

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
    for case, threshold in CASES:
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
        elif round(ratio, 2) < threshold:
            # judged on the ratio as printed, so that the table and the
            # verdict never disagree over a rounding difference
            verdict = 'FAIL'
            failures.append('{}: compiled is {:.2f}x faster than pure, '
                            'needs >= {:.1f}x'.format(case, ratio, threshold))
        else:
            verdict = 'PASS'
        rows.append((case, pure_ns, comp_ns, ratio, threshold, verdict))
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
                      _cell(threshold, '>= {:.1f}x'), verdict))
    widths = [max(len(line[i]) for line in lines)
              for i in range(len(header))]
    out = ['speed gate: compiled vs pure, {} time per op'.format(stat)]
    for n, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in
                  zip(line[1:], widths[1:])]
        out.append('  '.join(cells).rstrip())
        if n == 0:
            out.append('  '.join('-' * width for width in widths))
    return '\n'.join(out)


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
