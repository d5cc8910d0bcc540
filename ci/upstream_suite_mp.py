"""Run upstream microdot's test package on MicroPython, against this checkout.

Started by ci/upstream_suite.py, never by hand::

    micropython -X heapsize=4M ci/upstream_suite_mp.py UPSTREAM_DIR REPO_ROOT

``UPSTREAM_DIR`` holds the ``tests/`` package extracted from upstream's sdist
(and no ``microdot/``). The modules run are the ones upstream's
``tests/__init__.py`` imports, which is what upstream's own MicroPython runner
runs. ``import unittest`` resolves to our ``tests/mpunittest.py`` and
``import microdot`` to the package in ``REPO_ROOT``.

The last line printed is ``N passed, M failed, K skipped``; the exit status
is 1 when anything failed or nothing ran.
"""
import sys


def upstream_modules(upstream_dir):
    """Return the module names upstream's ``tests/__init__.py`` imports."""
    names = []
    with open(upstream_dir + '/tests/__init__.py') as f:
        for line in f:
            words = line.split()
            # from tests.test_x import *  # noqa...
            if len(words) >= 4 and words[0] == 'from' and \
                    words[1].startswith('tests.') and words[2] == 'import':
                names.append(words[1][len('tests.'):])
    return names


def main(argv):
    if len(argv) != 2:
        print('usage: upstream_suite_mp.py UPSTREAM_DIR REPO_ROOT')
        return 2
    upstream_dir, root = argv
    # upstream's dir first: its ``tests`` package must win over ours, and it
    # holds no ``microdot`` that could shadow the checkout's
    sys.path[:] = [upstream_dir, root + '/tests', root, root + '/.mplib'] + [
        p for p in sys.path if p not in ('', '.')]
    import mpunittest
    sys.modules['unittest'] = mpunittest
    import microdot
    import run_micropython
    if not microdot.__file__.startswith(root + '/'):
        print('microdot comes from {}, not {}'.format(microdot.__file__,
                                                      root))
        return 1

    names = upstream_modules(upstream_dir)
    print('upstream modules: ' + ' '.join(names))
    passed = failed = skipped = 0
    for name in names:
        result = run_micropython.run_file(name, 'tests', mpunittest, False)
        nfailed = len(result.failures) + len(result.errors)
        print('{:<24} passed={} failed={} skipped={}'.format(
            name, result.successes, nfailed, len(result.skipped)))
        if nfailed:
            result.printErrors()
        passed += result.successes
        failed += nfailed
        skipped += len(result.skipped)
    print('{} passed, {} failed, {} skipped'.format(passed, failed, skipped))
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
