"""Run the test suite on MicroPython.

Usage (from anywhere)::

    micropython tests/run_micropython.py [-v] [test_file ...]

With no file names every ``tests/test_*.py`` runs except the CPython-only ones
below; a file named on the command line runs even when it is on the skip list.
``-v`` prints one line per test.

``import unittest`` in the test files resolves to ``tests/mpunittest.py``,
and ``import microdot`` to the package in this checkout.

The last line printed is ``N passed, M failed, K skipped``; the exit status is
1 when a test failed or errored or a file could not be imported, else 0.
"""
import gc
import os
import sys

# CPython-only test files (servers on uvloop, ASGI/WSGI, Jinja, Hypothesis,
# compiled twins, packaging) are skipped here BY NAME. Two ways to mark one:
#
# 1. the convention: name the file ``test_<topic>_cpython.py`` (a file whose
#    name ends in CPYTHON_SUFFIX is always skipped), or
# 2. add its name without ``.py`` to SKIP below; an entry ending in ``*``
#    matches every file whose name starts with what precedes the ``*``.
#
# Only put a file here when it needs something MicroPython does not have:
# everything else must run on both interpreters.
CPYTHON_SUFFIX = '_cpython'
# Every CPython-only file of the suite follows the naming convention today,
# so the list is empty; it is for files whose name cannot change.
SKIP = ()


def _now():
    try:
        from time import ticks_ms
        return ticks_ms() / 1000
    except ImportError:
        from time import time
        return time()


def _dirname(path):
    i = path.rfind('/')
    return path[:i] if i > 0 else ('/' if i == 0 else '.')


def _paths():
    """Return (repo root, tests dir) as absolute paths."""
    script = sys.argv[0]
    if not script.startswith('/'):
        script = os.getcwd() + '/' + script
    tests_dir = _dirname(script)
    return _dirname(tests_dir), tests_dir


def is_skipped(name):
    """Tell whether module ``name`` (no ``.py``) is CPython-only."""
    if name.endswith(CPYTHON_SUFFIX):
        return True
    for pattern in SKIP:
        if pattern.endswith('*'):
            if name.startswith(pattern[:-1]):
                return True
        elif name == pattern:
            return True
    return False


def discover(tests_dir):
    """Return (to run, to skip): sorted module names of tests/test_*.py."""
    run, skipped = [], []
    for filename in sorted(os.listdir(tests_dir)):
        if filename.startswith('test_') and filename.endswith('.py'):
            name = filename[:-3]
            (skipped if is_skipped(name) else run).append(name)
    return run, skipped


def _module_name(arg):
    name = arg[arg.rfind('/') + 1:]
    return name[:-3] if name.endswith('.py') else name


def _between_tests():
    # MicroPython's asyncio.run leaves other tasks queued; a fresh loop keeps
    # a test's leftover tasks (a server that was not closed) out of the next.
    asyncio = sys.modules.get('asyncio')
    if asyncio is not None and hasattr(asyncio, 'new_event_loop'):
        asyncio.new_event_loop()
    gc.collect()


def _import(name, package):
    full = package + '.' + name if package else name
    __import__(full)
    return sys.modules[full]


def run_file(name, package, unittest, verbose):
    """Import and run one test module; return its TestResult."""
    result = unittest.TestResult(verbose=verbose)
    gc.collect()
    try:
        module = _import(name, package)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SyntaxError, ImportError, SystemExit...
        result.startTest(name)
        result.addError('<import {}>'.format(name), exc)
        return result
    setup = getattr(module, 'setUpModule', None)
    if setup is not None:
        try:
            setup()
        except Exception as exc:
            result.startTest(name)
            result.addError('<setUpModule {}>'.format(name), exc)
            return result
    for cls in unittest.collect_classes(module):
        unittest.run_class(cls, result, between=_between_tests)
    teardown = getattr(module, 'tearDownModule', None)
    if teardown is not None:
        try:
            teardown()
        except Exception as exc:
            result.addError('<tearDownModule {}>'.format(name), exc)
    return result


def main(argv):
    verbose = '-v' in argv
    args = [arg for arg in argv if arg != '-v']
    root, tests_dir = _paths()
    # the checkout first, so `import microdot` never finds an installed copy
    # .mplib holds pure-Python libraries for MicroPython that are not in
    # the checkout (utemplate, installed by ci/fetch_utemplate.py)
    mplib = root + '/.mplib'
    sys.path[:] = [root, tests_dir, mplib] + [
        p for p in sys.path if p not in ('', root, tests_dir, mplib)]
    import mpunittest
    sys.modules['unittest'] = mpunittest
    try:
        os.stat(tests_dir + '/__init__.py')
        package = 'tests'
    except OSError:
        package = None

    if args:
        names, skipped = [_module_name(arg) for arg in args], []
    else:
        names, skipped = discover(tests_dir)
    print('MicroPython {} ({}); heap free {} bytes'.format(
        '.'.join(str(v) for v in sys.implementation.version[:3]),
        sys.platform, gc.mem_free() if hasattr(gc, 'mem_free') else '?'))
    print('running {} file(s): {}'.format(len(names), ' '.join(names)))
    print('skipping {} CPython-only file(s): {}'.format(
        len(skipped), ' '.join(skipped) or '-'))

    passed = failed = skipped_tests = 0
    failing = []
    start = _now()
    for name in names:
        file_start = _now()
        result = run_file(name, package, mpunittest, verbose)
        nfailed = len(result.failures) + len(result.errors)
        passed += result.successes
        failed += nfailed
        skipped_tests += len(result.skipped)
        print('{:<40} passed={} failed={} skipped={} ({:.2f}s)'.format(
            name + '.py', result.successes, nfailed, len(result.skipped),
            _now() - file_start))
        if nfailed:
            result.printErrors()
            for test, _ in result.failures + result.errors:
                failing.append('{}: {}'.format(name, test))
        del result
        gc.collect()

    print('-' * 70)
    if failing:
        print('failed:')
        for line in failing:
            print('  ' + line)
    print('ran {} file(s) in {:.2f}s'.format(len(names), _now() - start))
    print('{} passed, {} failed, {} skipped'.format(passed, failed,
                                                   skipped_tests))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
