"""A small ``unittest`` work-alike for MicroPython.

MicroPython ships no ``unittest``; ``tests/run_micropython.py`` installs this
module as ``sys.modules['unittest']`` so that the project's test files, which
say ``import unittest``, run unchanged.  It covers the part of the API the
tests use: :class:`TestCase` with fixtures and the common assertions,
:class:`SkipTest` and the skip decorators, and :func:`main`.

MicroPython cannot set attributes on functions, so :func:`skip` wraps a test
method in a function that raises :class:`SkipTest` instead of marking it.
"""
import sys

try:
    import re
except ImportError:  # a board built without the re module
    re = None


class SkipTest(Exception):
    """Raise to skip the running test; the argument is the reason."""


def _exc_name(exc_type):
    return getattr(exc_type, '__name__', repr(exc_type))


def _safe_repr(obj, limit=200):
    try:
        text = repr(obj)
    except Exception:
        text = object.__repr__(obj)
    if len(text) > limit:
        text = text[:limit] + '...'
    return text


def _search(pattern, text):
    """Search ``pattern`` in ``text``; plain substring when re can't."""
    if re is not None:
        try:
            return re.search(pattern, text) is not None
        except Exception:  # MicroPython's re rejects some syntax
            pass
    return pattern in text


class _AssertRaisesContext:
    def __init__(self, test, expected, regex=None):
        self.test = test
        self.expected = expected
        self.regex = regex
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        if isinstance(self.expected, tuple):
            name = ', '.join(_exc_name(e) for e in self.expected)
        else:
            name = _exc_name(self.expected)
        if exc_type is None:
            self.test.fail('{} not raised'.format(name))
        if not issubclass(exc_type, self.expected):
            return False  # an unexpected exception propagates unchanged
        if exc_value is None:  # raised as a bare class
            exc_value = exc_type()
        self.exception = exc_value
        if self.regex is not None and not _search(self.regex,
                                                  str(exc_value)):
            self.test.fail('"{}" does not match "{}"'.format(
                self.regex, str(exc_value)))
        return True


class _SubTest:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


class TestCase:
    """Group test methods named ``test_*`` with shared fixtures."""

    failureException = AssertionError
    maxDiff = 640
    longMessage = True

    def __init__(self, methodName='runTest'):
        self._testMethodName = methodName
        self._cleanups = []

    def __repr__(self):
        return '{}.{}'.format(type(self).__name__, self._testMethodName)

    def id(self):
        return repr(self)

    # fixtures

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def addCleanup(self, function, *args, **kwargs):
        self._cleanups.append((function, args, kwargs))

    def doCleanups(self):
        while self._cleanups:
            function, args, kwargs = self._cleanups.pop()
            function(*args, **kwargs)

    def subTest(self, msg=None, **params):
        return _SubTest()

    def skipTest(self, reason):
        raise SkipTest(reason)

    def fail(self, msg=None):
        raise self.failureException(msg or 'test failed')

    def _fail(self, standard, msg):
        if msg is None:
            self.fail(standard)
        self.fail('{} : {}'.format(standard, msg))

    # assertions

    def assertEqual(self, first, second, msg=None):
        if not first == second:
            self._fail('{} != {}'.format(_safe_repr(first),
                                         _safe_repr(second)), msg)

    def assertNotEqual(self, first, second, msg=None):
        if not first != second:
            self._fail('{} == {}'.format(_safe_repr(first),
                                         _safe_repr(second)), msg)

    assertDictEqual = assertEqual
    assertListEqual = assertEqual
    assertTupleEqual = assertEqual
    assertSetEqual = assertEqual
    assertSequenceEqual = assertEqual
    assertMultiLineEqual = assertEqual

    def assertTrue(self, expr, msg=None):
        if not expr:
            self._fail('{} is not true'.format(_safe_repr(expr)), msg)

    def assertFalse(self, expr, msg=None):
        if expr:
            self._fail('{} is not false'.format(_safe_repr(expr)), msg)

    def assertIs(self, first, second, msg=None):
        if first is not second:
            self._fail('{} is not {}'.format(_safe_repr(first),
                                             _safe_repr(second)), msg)

    def assertIsNot(self, first, second, msg=None):
        if first is second:
            self._fail('unexpectedly identical: {}'.format(
                _safe_repr(first)), msg)

    def assertIsNone(self, obj, msg=None):
        if obj is not None:
            self._fail('{} is not None'.format(_safe_repr(obj)), msg)

    def assertIsNotNone(self, obj, msg=None):
        if obj is None:
            self._fail('unexpectedly None', msg)

    def assertIn(self, member, container, msg=None):
        if member not in container:
            self._fail('{} not found in {}'.format(
                _safe_repr(member), _safe_repr(container)), msg)

    def assertNotIn(self, member, container, msg=None):
        if member in container:
            self._fail('{} unexpectedly found in {}'.format(
                _safe_repr(member), _safe_repr(container)), msg)

    def assertIsInstance(self, obj, cls, msg=None):
        if not isinstance(obj, cls):
            self._fail('{} is not an instance of {}'.format(
                _safe_repr(obj), cls), msg)

    def assertNotIsInstance(self, obj, cls, msg=None):
        if isinstance(obj, cls):
            self._fail('{} is an instance of {}'.format(
                _safe_repr(obj), cls), msg)

    def assertGreater(self, first, second, msg=None):
        if not first > second:
            self._fail('{} not greater than {}'.format(
                _safe_repr(first), _safe_repr(second)), msg)

    def assertGreaterEqual(self, first, second, msg=None):
        if not first >= second:
            self._fail('{} not greater than or equal to {}'.format(
                _safe_repr(first), _safe_repr(second)), msg)

    def assertLess(self, first, second, msg=None):
        if not first < second:
            self._fail('{} not less than {}'.format(
                _safe_repr(first), _safe_repr(second)), msg)

    def assertLessEqual(self, first, second, msg=None):
        if not first <= second:
            self._fail('{} not less than or equal to {}'.format(
                _safe_repr(first), _safe_repr(second)), msg)

    def assertAlmostEqual(self, first, second, places=None, msg=None,
                          delta=None):
        if first == second:
            return
        if delta is not None and places is not None:
            raise TypeError('specify delta or places, not both')
        diff = abs(first - second)
        if delta is not None:
            if diff <= delta:
                return
            standard = '{} != {} within {} delta ({} difference)'.format(
                _safe_repr(first), _safe_repr(second), delta, diff)
        else:
            if places is None:
                places = 7
            if round(diff, places) == 0:
                return
            standard = '{} != {} within {} places ({} difference)'.format(
                _safe_repr(first), _safe_repr(second), places, diff)
        self._fail(standard, msg)

    def assertNotAlmostEqual(self, first, second, places=None, msg=None,
                             delta=None):
        if delta is not None:
            close = first == second or abs(first - second) <= delta
        else:
            close = first == second or round(
                abs(first - second), 7 if places is None else places) == 0
        if close:
            self._fail('{} == {} approximately'.format(
                _safe_repr(first), _safe_repr(second)), msg)

    def assertCountEqual(self, first, second, msg=None):
        # elements may be unhashable, so count by removal from a list
        first, second = list(first), list(second)
        missing = []
        for item in first:
            for i, other in enumerate(second):
                if item == other:
                    del second[i]
                    break
            else:
                missing.append(item)
        if missing or second:
            self._fail('element counts differ: only in first {}, only in '
                       'second {}'.format(_safe_repr(missing),
                                          _safe_repr(second)), msg)

    def assertRegex(self, text, regex, msg=None):
        if not _search(regex, text):
            self._fail('"{}" does not match "{}"'.format(regex, text), msg)

    def assertNotRegex(self, text, regex, msg=None):
        if _search(regex, text):
            self._fail('"{}" matches "{}"'.format(regex, text), msg)

    def assertRaises(self, expected, *args, **kwargs):
        """Callable form ``(exc, func, *args)`` or a context manager."""
        context = _AssertRaisesContext(self, expected)
        if not args:
            kwargs.pop('msg', None)
            return context
        with context:
            args[0](*args[1:], **kwargs)
        return context

    def assertRaisesRegex(self, expected, regex, *args, **kwargs):
        context = _AssertRaisesContext(self, expected, regex)
        if not args:
            kwargs.pop('msg', None)
            return context
        with context:
            args[0](*args[1:], **kwargs)
        return context

    # running

    def run(self, result):
        """Run one test method with its fixtures and record the outcome."""
        result.startTest(self)
        try:
            method = getattr(self, self._testMethodName)
        except AttributeError:
            result.addError(self, AttributeError(
                'no test method ' + self._testMethodName))
            return
        try:
            skip = getattr(type(self), '__unittest_skip__', None)
            if skip is not None:
                raise SkipTest(skip)
            self.setUp()
        except SkipTest as exc:
            result.addSkip(self, _reason(exc))
            return
        except Exception as exc:
            result.addError(self, exc)
            return
        outcome = None
        try:
            method()
        except SkipTest as exc:
            outcome = ('skip', exc)
        except self.failureException as exc:
            outcome = ('fail', exc)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit too: never end the run
            outcome = ('error', exc)
        try:
            self.tearDown()
        except Exception as exc:
            if outcome is None:
                outcome = ('error', exc)
        try:
            self.doCleanups()
        except Exception as exc:
            if outcome is None:
                outcome = ('error', exc)
        if outcome is None:
            result.addSuccess(self)
        elif outcome[0] == 'skip':
            result.addSkip(self, _reason(outcome[1]))
        elif outcome[0] == 'fail':
            result.addFailure(self, outcome[1])
        else:
            result.addError(self, outcome[1])


def _reason(exc):
    return exc.args[0] if exc.args else ''


# skip decorators


def skip(reason):
    """Skip the decorated test method or TestCase class."""
    def decorator(test):
        if isinstance(test, type):
            test.__unittest_skip__ = reason
            return test

        def skipped(*args, **kwargs):
            raise SkipTest(reason)
        return skipped
    return decorator


def _keep(test):
    return test


def skipIf(condition, reason):
    return skip(reason) if condition else _keep


def skipUnless(condition, reason):
    return _keep if condition else skip(reason)


# results and running


class TestResult:
    """Collect outcomes; ``verbose`` prints one line per test."""

    def __init__(self, stream=None, verbose=False):
        self.stream = stream or sys.stdout
        self.verbose = verbose
        self.testsRun = 0
        self.successes = 0
        self.failures = []
        self.errors = []
        self.skipped = []

    def startTest(self, test):
        self.testsRun += 1

    def _line(self, test, word):
        if self.verbose:
            print('  {} ... {}'.format(test, word), file=self.stream)

    def addSuccess(self, test):
        self.successes += 1
        self._line(test, 'ok')

    def addFailure(self, test, exc):
        self.failures.append((test, exc))
        self._line(test, 'FAIL')

    def addError(self, test, exc):
        self.errors.append((test, exc))
        self._line(test, 'ERROR')

    def addSkip(self, test, reason):
        self.skipped.append((test, reason))
        self._line(test, 'skipped ' + repr(reason))

    def wasSuccessful(self):
        return not self.failures and not self.errors

    def printErrors(self):
        for kind, items in (('FAIL', self.failures), ('ERROR', self.errors)):
            for test, exc in items:
                print('=' * 70, file=self.stream)
                print('{}: {}'.format(kind, test), file=self.stream)
                print('-' * 70, file=self.stream)
                print_exception(exc, self.stream)


def print_exception(exc, stream=None):
    stream = stream or sys.stdout
    if hasattr(sys, 'print_exception'):
        sys.print_exception(exc, stream)
    else:  # CPython, when this module is tested there
        import traceback
        traceback.print_exception(type(exc), exc, exc.__traceback__,
                                  file=stream)


def collect_tests(cls):
    """Return the sorted names of the ``test*`` methods of a class."""
    return sorted(name for name in dir(cls)
                  if name.startswith('test') and callable(getattr(cls, name)))


def run_class(cls, result, between=None):
    """Run every test of ``cls`` with its class fixtures into ``result``.

    :param between: optional function called after each test (the runner
                    uses it to collect garbage and reset the event loop).
    """
    names = collect_tests(cls)
    if not names:
        return
    reason = getattr(cls, '__unittest_skip__', None)
    if reason is not None:
        for name in names:
            test = cls(name)
            result.startTest(test)
            result.addSkip(test, reason)
        return
    try:
        cls.setUpClass()
    except SkipTest as exc:
        for name in names:
            test = cls(name)
            result.startTest(test)
            result.addSkip(test, _reason(exc))
        return
    except Exception as exc:
        result.startTest(cls('setUpClass'))
        result.addError(cls('setUpClass'), exc)
        return
    try:
        for name in names:
            cls(name).run(result)
            if between is not None:
                between()
    finally:
        try:
            cls.tearDownClass()
        except Exception as exc:
            result.startTest(cls('tearDownClass'))
            result.addError(cls('tearDownClass'), exc)


def collect_classes(module):
    """Return the TestCase subclasses found in a module, sorted by name."""
    found = []
    for name in dir(module):
        obj = getattr(module, name)
        if isinstance(obj, type) and issubclass(obj, TestCase) and \
                obj is not TestCase:
            found.append((name, obj))
    found.sort(key=lambda item: item[0])
    return [obj for _, obj in found]


def main(module='__main__', verbose=True, exit=True):
    """Run the TestCase classes of ``module`` (a name or a module)."""
    if isinstance(module, str):
        module = __import__(module)
    result = TestResult(verbose=verbose)
    for cls in collect_classes(module):
        run_class(cls, result)
    result.printErrors()
    print('{} passed, {} failed, {} skipped'.format(
        result.successes, len(result.failures) + len(result.errors),
        len(result.skipped)))
    if exit:
        sys.exit(0 if result.wasSuccessful() else 1)
    return result
