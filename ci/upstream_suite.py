"""Run upstream microdot 2.7.0's own test suite against this package.

microdot's test suite is the contract of a drop-in replacement, so this
script downloads upstream's sdist from PyPI, checks its SHA-256, extracts
only its ``tests/`` directory (nothing of it is committed; the cache lives in
``.cache/upstream/``, which git ignores) and runs those tests against the
``microdot`` package of this checkout, never upstream's, on:

- ``compiled``: CPython with the compiled twins (required when built);
- ``pure``: CPython with ``MICRODOT_PURE=1``;
- ``micropython``: the MicroPython unix port, through
  ``ci/upstream_suite_mp.py`` and our ``tests/mpunittest.py``.

Every test must pass. The only tests not run in the normal configuration are
listed in :data:`JSON_BYTES_TESTS`: they compare JSON bytes with the
standard library's default separators (``{"foo": "bar"}``), which upstream
itself fails when orjson is installed. On CPython they run in a second
pytest process where ``import orjson`` fails, so they must pass too.

Usage::

    python ci/upstream_suite.py [compiled] [pure] [micropython]

With no argument, all three run. ``MICROPYTHON`` names the MicroPython
binary (default ``.venv/bin/micropython``). The last line printed is the
total, ``total: N passed, M failed, K skipped``: for ``ci/test.sh``'s
totals, that line alone stands for the runs above it.
Standard library only.
"""
import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, '.cache', 'upstream')

VERSION = '2.7.0'
SDIST = 'microdot-{}.tar.gz'.format(VERSION)
#: The digest PyPI publishes for microdot-2.7.0.tar.gz (its simple index
#: gives the same in the link's ``#sha256=`` fragment).
SHA256 = 'e11f39f0f5564bb5db69f728902740ed592d632ae7a03e24ca3a88cd59ad2f53'

#: Tests that compare JSON bytes against the standard library's output; with
#: orjson installed (``{"foo":"bar"}``) upstream 2.7.0 fails them as well.
JSON_BYTES_TESTS = (
    'tests/test_login.py::TestLogin::test_login_remember',
    'tests/test_response.py::TestResponse::test_create_json',
    'tests/test_sse.py::TestWebSocket::test_sse',
)

#: How many tests upstream 2.7.0's suite has on each interpreter (run and
#: skipped); a different number means tests went missing or were added.
#: CPython skips test_start_serving_false_not_supported (MicroPython only);
#: MicroPython runs the modules of tests/__init__.py and skips the async
#: generator WebSocket test.
EXPECTED = {'cpython': 142, 'micropython': 123}

#: test_end2end serves on the fixed port 5678: concurrent runs of this script
#: (other worktrees on the same machine) take turns through this lock.
LOCK = os.path.join(tempfile.gettempdir(), 'microdot-upstream-suite.lock')

RUNTIMES = ('compiled', 'pure', 'micropython')

# Runs pytest in a fresh CPython: optionally without orjson, checking first
# that ``microdot`` is this checkout's and that the expected twins are active;
# argv: mode, checkout, twins, comma-separated ids to leave out, pytest args.
_BOOT = r'''
import sys
mode, root, impl = sys.argv[1:4]
if mode == 'no-orjson':
    sys.modules['orjson'] = None  # makes `import orjson` raise ImportError
import microdot, microdot._speedups
if not microdot.__file__.startswith(root + '/'):
    sys.exit('microdot comes from %s, not %s' % (microdot.__file__, root))
if microdot._speedups.IMPLEMENTATION != impl:
    sys.exit('%s twins active, expected %s (%s)' % (
        microdot._speedups.IMPLEMENTATION, impl, microdot._speedups.REASON))
import pytest
exclude = set(sys.argv[4].split(',')) - {''}


class Exclude:
    # --deselect matches node id prefixes (test_sse would take
    # test_sse_exception along): this removes exact ids only
    def pytest_collection_modifyitems(self, config, items):
        dropped = [item for item in items if item.nodeid in exclude]
        if len(dropped) != len(exclude):
            pytest.exit('excluded tests not found: %s' % sorted(
                exclude - set(item.nodeid for item in dropped)), returncode=4)
        items[:] = [item for item in items if item.nodeid not in exclude]
        config.hook.pytest_deselected(items=dropped)


sys.exit(pytest.main(sys.argv[5:], plugins=[Exclude()]))
'''


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 16), b''):
            digest.update(block)
    return digest.hexdigest()


def fetch_sdist():
    """Return the path of the verified sdist, downloading it when needed."""
    path = os.path.join(CACHE, SDIST)
    if os.path.exists(path) and _sha256(path) == SHA256:
        return path
    os.makedirs(CACHE, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        requirements = os.path.join(tmp, 'requirements.txt')
        with open(requirements, 'w') as f:
            f.write('microdot=={} --hash=sha256:{}\n'.format(VERSION, SHA256))
        # --require-hashes makes pip refuse a file with another digest;
        # --no-build-isolation keeps it from installing a build backend just
        # to read the sdist's metadata
        subprocess.run(
            [sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps',
             '--no-binary', ':all:', '--no-build-isolation',
             '--require-hashes', '-r', requirements, '-d', tmp],
            check=True)
        downloaded = os.path.join(tmp, SDIST)
        actual = _sha256(downloaded)
        if actual != SHA256:
            raise SystemExit('sha256 mismatch for {}: got {}, expected '
                             '{}'.format(SDIST, actual, SHA256))
        os.replace(downloaded, path)
    return path


def extract_tests(sdist):
    """Extract the sdist's ``tests/`` into the cache; return its parent."""
    dest = os.path.join(CACHE, 'microdot-' + VERSION)
    stamp = os.path.join(dest, '.sha256')
    try:
        with open(stamp) as f:
            if f.read().strip() == SHA256:
                return dest
    except OSError:
        pass
    shutil.rmtree(dest, ignore_errors=True)
    prefix = 'microdot-{}/tests/'.format(VERSION)
    os.makedirs(dest)
    with tarfile.open(sdist, 'r:gz') as tar:
        for member in tar.getmembers():
            name = member.name
            if not name.startswith(prefix) or not member.isfile():
                continue
            relative = name[len('microdot-{}/'.format(VERSION)):]
            parts = relative.split('/')
            if '..' in parts or '' in parts:
                raise SystemExit('unsafe path in the sdist: ' + name)
            target = os.path.join(dest, *parts)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(member) as src, open(target, 'wb') as out:
                out.write(src.read())
    if not os.path.exists(os.path.join(dest, 'tests', '__init__.py')):
        raise SystemExit('no tests/ package in ' + sdist)
    # our own pytest configuration file, so that pytest treats this directory
    # as the root and never reads the checkout's pyproject.toml or conftests
    with open(os.path.join(dest, 'pytest.ini'), 'w') as f:
        f.write('[pytest]\n')
    with open(stamp, 'w') as f:
        f.write(SHA256 + '\n')
    return dest


def _has_orjson():
    try:
        import orjson  # noqa: F401
    except ImportError:
        return False
    return True


def _junit_counts(path):
    """Return (passed, failed, skipped) from a pytest JUnit XML report."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get('tests', 0))
        failed += int(suite.get('failures', 0)) + int(suite.get('errors', 0))
        skipped += int(suite.get('skipped', 0))
    return total - failed - skipped, failed, skipped


def _pytest(upstream, impl, env, mode, args, exclude=()):
    """Run pytest in ``upstream`` (``mode`` 'orjson' or 'no-orjson', with
    ``impl`` twins expected, leaving out the ``exclude`` ids); return
    (passed, failed, skipped)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, 'report.xml')
        # -p no:logging as upstream's tox.ini runs it
        command = [sys.executable, '-c', _BOOT, mode, ROOT, impl,
                   ','.join(exclude), '-q', '-p', 'no:cacheprovider',
                   '-p', 'no:logging', '--junitxml', report] + list(args)
        rc = subprocess.run(command, cwd=upstream, env=env).returncode
        if not os.path.exists(report):
            raise SystemExit('pytest ({}) exited {} without a report'.format(
                mode, rc))
        counts = _junit_counts(report)
    if rc != 0 and counts[1] == 0:
        raise SystemExit('pytest ({}) exited {}'.format(mode, rc))
    return counts


def run_cpython(upstream, runtime):
    """Run the suite on CPython; return (passed, failed, skipped)."""
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT
    env.pop('MICRODOT_PURE', None)
    env.pop('MICRODOT_REQUIRE_SPEEDUPS', None)
    if runtime == 'pure':
        env['MICRODOT_PURE'] = '1'
        impl = 'pure'
    elif glob.glob(os.path.join(ROOT, 'microdot', '_speedups', '*.so')):
        env['MICRODOT_REQUIRE_SPEEDUPS'] = '1'
        impl = 'compiled'
    else:
        print('no compiled twins built: the "compiled" run uses the pure ones')
        impl = 'pure'
    with open(LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _has_orjson():
            main = _pytest(upstream, impl, env, 'orjson', ['tests'],
                           exclude=JSON_BYTES_TESTS)
            print('{} with orjson, without the {} JSON-bytes tests: {} '
                  'passed, {} failed, {} skipped'.format(
                      runtime, len(JSON_BYTES_TESTS), *main))
            extra = _pytest(upstream, impl, env, 'no-orjson',
                            list(JSON_BYTES_TESTS))
            print('{} without orjson, the JSON-bytes tests: {} passed, {} '
                  'failed, {} skipped'.format(runtime, *extra))
            if extra[0] + extra[1] + extra[2] != len(JSON_BYTES_TESTS):
                raise SystemExit('the JSON-bytes tests did not all run: '
                                 'did upstream rename them?')
            counts = tuple(a + b for a, b in zip(main, extra))
        else:
            counts = _pytest(upstream, impl, env, 'no-orjson', ['tests'])
    return counts


def run_micropython(upstream):
    """Run the suite on MicroPython; return (passed, failed, skipped)."""
    binary = os.environ.get('MICROPYTHON',
                            os.path.join(ROOT, '.venv', 'bin', 'micropython'))
    if os.sep in binary:
        # it runs in the upstream directory: a relative path would not work
        binary = os.path.abspath(binary)
    heap = os.environ.get('MICROPY_HEAPSIZE', '4M')
    proc = subprocess.run(
        [binary, '-X', 'heapsize=' + heap,
         os.path.join(ROOT, 'ci', 'upstream_suite_mp.py'), upstream, ROOT],
        cwd=upstream, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.decode('utf-8', 'replace')
    sys.stdout.write(output)
    sys.stdout.flush()
    found = re.findall(r'^(\d+) passed, (\d+) failed, (\d+) skipped$',
                       output, re.M)
    if not found:
        raise SystemExit('MicroPython printed no summary (exit {})'.format(
            proc.returncode))
    counts = tuple(int(n) for n in found[-1])
    if proc.returncode != 0 and counts[1] == 0:
        raise SystemExit('MicroPython exited {}'.format(proc.returncode))
    return counts


def main(argv):
    runtimes = argv or list(RUNTIMES)
    for runtime in runtimes:
        if runtime not in RUNTIMES:
            print('unknown runtime {!r}; choose from {}'.format(
                runtime, ', '.join(RUNTIMES)), file=sys.stderr)
            return 2
    upstream = extract_tests(fetch_sdist())
    print('upstream microdot {} tests: {}'.format(VERSION, upstream))
    totals = [0, 0, 0]
    problems = []
    for runtime in runtimes:
        print('--- upstream suite on {}'.format(runtime), flush=True)
        if runtime == 'micropython':
            counts = run_micropython(upstream)
            expected = EXPECTED['micropython']
        else:
            counts = run_cpython(upstream, runtime)
            expected = EXPECTED['cpython']
        print('upstream suite on {}: {} passed, {} failed, {} skipped'.format(
            runtime, *counts), flush=True)
        if counts[1]:
            problems.append('{}: {} failed'.format(runtime, counts[1]))
        if sum(counts) != expected:
            problems.append('{}: {} tests, expected {}'.format(
                runtime, sum(counts), expected))
        totals = [a + b for a, b in zip(totals, counts)]
    for problem in problems:
        print('FAILED ' + problem)
    print('total: {} passed, {} failed, {} skipped'.format(*totals))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
