"""Run the test suite on MicroPython.

Usage (from anywhere)::

    micropython tests/run_micropython.py [-v] [--lib DIR | --romfs IMAGE]
        [test_file ...]

(``micropython`` is ``.venv/bin/micropython`` after ``make venv``, or on
the PATH once the venv is activated.) With no file names every
``tests/test_*.py`` runs except the CPython-only ones below; a file named on
the command line runs even when it is on the skip list. ``--lib DIR`` puts
``DIR`` before the checkout on ``sys.path``: ``--lib build/mpy`` runs the
suite against the ``.mpy`` files that ``make mpy`` compiles. ``--romfs
IMAGE`` mounts a ROMFS image (``make romfs``) at ``/rom`` and puts that
first: the suite then runs the ``.mpy`` files in place from the image, as a
board with a ROMFS partition does.

``import unittest`` in the test files resolves to ``tests/mpunittest.py``,
and ``import microdot`` to the package in this checkout.

Each test file runs in a micropython process of its own, started with the
heap size of this one, and its output is kept aside: the tracebacks that
tests provoke on purpose (the server logs the exceptions of failing
handlers) are printed only for a file that failed, or with ``-v``, which
also prints one line per test. So the output is one line per file and, last,
``N passed, M failed, K skipped``; the exit status is 1 when a test failed
or errored or a file could not be run, 5 when no test ran (as pytest), else
0.

Heap: the port's default heap (2 MB) is enough; ``ci/test.sh`` gives 4 MB
for a margin. The file that needs most is ``test_multipart.py``: at 1.75 MB
its test that parses a body one byte at a time fails with a MemoryError
(the heap is fragmented by then, a 3 KB block cannot be found); every other
file passes at 1.5 MB. Where ``os.system`` is missing (boards) the files
run one after the other in this process, which then needs the heap of all
of them (about 4 MB).
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


#: The line a child process ends with: ``MARK passed failed skipped``.
MARK = '@@run_micropython'


def _parse_args(argv):
    opts = {'verbose': False, 'lib': None, 'romfs': None, 'child': False,
            'names': []}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == '-v':
            opts['verbose'] = True
        elif arg == '--child':
            opts['child'] = True
        elif arg == '--lib' and i + 1 < len(argv):
            i += 1
            opts['lib'] = argv[i]
        elif arg == '--romfs' and i + 1 < len(argv):
            i += 1
            opts['romfs'] = argv[i]
        elif arg.startswith('-'):
            raise SystemExit('unknown option {}; usage: micropython '
                             'tests/run_micropython.py [-v] [--lib DIR | '
                             '--romfs IMAGE] [test_file ...]'.format(arg))
        else:
            opts['names'].append(arg)
        i += 1
    return opts


def _absolute(path):
    return path if path.startswith('/') else os.getcwd() + '/' + path


def _quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def _heap_option():
    # this process's heap, rounded up to 64 KB as -X heapsize gave it
    total = gc.mem_free() + gc.mem_alloc()
    return '-X heapsize={}K'.format((total + 0xffff) // 0x10000 * 64)


def _run_in_child(name, opts):
    """Run one test file in a new micropython process.

    Returns ``(passed, failed, skipped, output)``; a process that ends
    without its result line counts as one failure.
    """
    out = '{}/run_micropython.{}.out'.format(
        os.getenv('TMPDIR') or '/tmp', int(_now() * 1000) % 100000000)
    command = [_quote(sys.executable), _heap_option(), _quote(sys.argv[0]),
               '--child']
    if opts['verbose']:
        command.append('-v')
    if opts['lib']:
        command += ['--lib', _quote(opts['lib'])]
    if opts['romfs']:
        command += ['--romfs', _quote(opts['romfs'])]
    command += [_quote(name), '>', _quote(out), '2>&1']
    status = os.system(' '.join(command))
    try:
        with open(out) as f:
            output = f.read()
        os.remove(out)
    except OSError:
        output = ''
    lines = output.rstrip('\n').split('\n')
    last = lines[-1].split() if lines else []
    if len(last) == 4 and last[0] == MARK:
        return int(last[1]), int(last[2]), int(last[3]), \
            '\n'.join(lines[:-1])
    return 0, 1, 0, output + '\n{} ended without a result (exit status ' \
        '{})'.format(name, status)


def _mount_romfs(image):
    # the image in a bytearray of its own size, mounted read-only at /rom:
    # modules imported from it run their bytecode in place
    import vfs
    data = bytearray(os.stat(image)[6])
    with open(image, 'rb') as f:
        f.readinto(data)
    vfs.mount(vfs.VfsRom(data), '/rom')


def main(argv):
    opts = _parse_args(argv)
    verbose = opts['verbose']
    root, tests_dir = _paths()
    # the checkout first, so `import microdot` never finds an installed copy
    # .mplib holds pure-Python libraries for MicroPython that are not in
    # the checkout (utemplate, installed by ci/fetch_utemplate.py)
    mplib = root + '/.mplib'
    first = [root, tests_dir, mplib]
    if opts['lib']:
        opts['lib'] = _absolute(opts['lib'])
        first.insert(0, opts['lib'])
    if opts['romfs']:
        opts['romfs'] = _absolute(opts['romfs'])
        _mount_romfs(opts['romfs'])
        first.insert(0, '/rom')
    sys.path[:] = first + [p for p in sys.path if p not in first + ['']]
    import mpunittest
    sys.modules['unittest'] = mpunittest
    try:
        os.stat(tests_dir + '/__init__.py')
        package = 'tests'
    except OSError:
        package = None

    if opts['child']:
        passed = failed = skipped = 0
        for name in opts['names']:
            result = run_file(_module_name(name), package, mpunittest,
                              verbose)
            result.printErrors()
            passed += result.successes
            failed += len(result.failures) + len(result.errors)
            skipped += len(result.skipped)
        print(MARK, passed, failed, skipped)
        return 0

    if opts['names']:
        names = [_module_name(arg) for arg in opts['names']]
        skipped = []
    else:
        names, skipped = discover(tests_dir)
    isolated = hasattr(os, 'system') and hasattr(sys, 'executable') and \
        sys.executable
    print('MicroPython {} ({}); {}'.format(
        '.'.join(str(v) for v in sys.implementation.version[:3]),
        sys.platform,
        'one process per file, ' + _heap_option() if isolated
        else 'one process, heap free {} bytes'.format(gc.mem_free())))
    if opts['lib'] or opts['romfs']:
        # say which microdot the files will import: a missing .mpy file
        # would silently fall back to the checkout's .py
        lib = opts['lib'] or '/rom'
        import microdot
        where = getattr(microdot, '__file__', '?')
        print('microdot from ' + where)
        if not where.startswith(lib + '/'):
            print('error: microdot is not imported from ' + lib)
            return 1
    if skipped:
        print('skipping {} CPython-only file(s)'.format(len(skipped)))

    passed = failed = skipped_tests = 0
    failing = []
    start = _now()
    for name in names:
        file_start = _now()
        if isolated:
            npassed, nfailed, nskipped, output = _run_in_child(name, opts)
        else:
            result = run_file(name, package, mpunittest, verbose)
            npassed, nskipped = result.successes, len(result.skipped)
            nfailed = len(result.failures) + len(result.errors)
            output = None
        passed += npassed
        failed += nfailed
        skipped_tests += nskipped
        print('{:<40} passed={} failed={} skipped={} ({:.2f}s)'.format(
            name + '.py', npassed, nfailed, nskipped, _now() - file_start))
        if nfailed or verbose:
            if output is None:
                result.printErrors()
            elif output:
                print(output)
        if nfailed:
            failing.append(name)
        output = result = None
        gc.collect()

    print('-' * 70)
    if failing:
        print('files with failures: ' + ' '.join(failing))
    print('ran {} file(s) in {:.2f}s'.format(len(names), _now() - start))
    print('{} passed, {} failed, {} skipped'.format(passed, failed,
                                                    skipped_tests))
    if failed:
        return 1
    # like pytest: a run that found no test is not a pass
    return 0 if passed + skipped_tests else 5


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
