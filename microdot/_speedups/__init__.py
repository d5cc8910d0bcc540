"""The one place where microdot chooses between compiled and pure twins.

The choice is made once, when this package is first imported:

- on any interpreter other than CPython the pure twins are used;
- ``MICRODOT_PURE`` switched on forces them;
- otherwise the compiled twins are imported, falling back to the pure ones
  when they are missing (the reason is kept in :data:`REASON`), unless
  ``MICRODOT_REQUIRE_SPEEDUPS`` is switched on, which turns the fallback into
  an ``ImportError``.

Both switches are on with ``1``, ``true``, ``yes`` or ``on`` and off with
``0``, ``false``, ``no``, ``off`` or an empty value (any case, surrounding
spaces ignored). Any other value raises ``ValueError`` naming these: a
switch is set to get a guarantee (the pure code for a comparison, the
compiled code in CI), and a value whose intent is unknown must not quietly
give the other twins.

:data:`IMPLEMENTATION` is ``'compiled'`` or ``'pure'``.
"""
import sys

from microdot._speedups import _pure

#: Names every twin module provides.
NAMES = ('parse_request_line', 'parse_header_line', 'parse_head',
         'head_end', 'urldecode', 'parse_urlencoded', 'mask',
         'match_segments', 'Router', 'NoCaseDict')

#: Compiled modules, each giving some of :data:`NAMES`.
COMPILED_MODULES = ('microdot._speedups._chttp',
                    'microdot._speedups._crouting',
                    'microdot._speedups._cmask')


def _flag(name):
    try:
        from os import environ
    except ImportError:  # MicroPython has no os.environ
        return False
    value = environ.get(name, '').strip().lower()
    if value in ('1', 'true', 'yes', 'on'):
        return True
    if value in ('', '0', 'false', 'no', 'off'):
        return False
    raise ValueError('{}={!r} is not understood: use 1, true, yes or on to '
                     'switch it on; 0, false, no, off or an empty value to '
                     'switch it off'.format(name, environ[name]))


def _load_compiled():
    found = {}
    for modname in COMPILED_MODULES:
        module = __import__(modname, None, None, ['*'])
        for name in NAMES:
            if hasattr(module, name):
                found[name] = getattr(module, name)
    missing = [name for name in NAMES if name not in found]
    if missing:
        raise ImportError('compiled twins lack ' + ', '.join(missing))
    return found


def _select(flag, load_compiled):
    impl = getattr(sys, 'implementation', None)
    if impl is None or impl.name != 'cpython':
        return None, 'pure', 'not CPython ({})'.format(
            impl.name if impl else 'unknown')
    # both switches are read first, so that a bad value of either is
    # reported whatever the other says
    pure = flag('MICRODOT_PURE')
    required = flag('MICRODOT_REQUIRE_SPEEDUPS')
    if pure:
        return None, 'pure', 'MICRODOT_PURE is set'
    try:
        found = load_compiled()
    except ImportError as exc:
        if required:
            raise ImportError('MICRODOT_REQUIRE_SPEEDUPS is set but the '
                              'compiled twins cannot be imported: '
                              '{}'.format(exc))
        return None, 'pure', 'compiled twins unavailable ({})'.format(exc)
    return found, 'compiled', 'compiled twins imported'


# the helpers are passed in, not looked up, because they are deleted next
_found, IMPLEMENTATION, REASON = _select(_flag, _load_compiled)
# the choice is made once: on a board the bytecode of these would otherwise
# stay on the heap for nothing
del _select, _load_compiled, _flag
if _found is None:
    _found = {name: getattr(_pure, name) for name in NAMES}

parse_request_line = _found['parse_request_line']
parse_header_line = _found['parse_header_line']
parse_head = _found['parse_head']
head_end = _found['head_end']
urldecode = _found['urldecode']
parse_urlencoded = _found['parse_urlencoded']
mask = _found['mask']
match_segments = _found['match_segments']
Router = _found['Router']
NoCaseDict = _found['NoCaseDict']
del _found

SEG_STRING = _pure.SEG_STRING
SEG_INT = _pure.SEG_INT
SEG_PATH = _pure.SEG_PATH
ROUTE_STATIC = _pure.ROUTE_STATIC
ROUTE_SEGMENTS = _pure.ROUTE_SEGMENTS
ROUTE_CALLABLE = _pure.ROUTE_CALLABLE


def describe():
    """Return a dictionary that says which twin serves each hot path."""
    return {name: getattr(globals()[name], '__module__', None) or
            IMPLEMENTATION for name in NAMES}
