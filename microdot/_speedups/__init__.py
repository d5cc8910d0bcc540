"""The one place where microdot chooses between compiled and pure twins.

The choice is made once, when this package is first imported:

- on any interpreter other than CPython the pure twins are used;
- ``MICRODOT_PURE`` set to ``1``, ``true``, ``yes`` or ``on`` forces them;
- otherwise the compiled twins are imported, falling back to the pure ones
  when they are missing (the reason is kept in :data:`REASON`), unless
  ``MICRODOT_REQUIRE_SPEEDUPS`` is set, which turns the fallback into an
  ``ImportError``.

:data:`IMPLEMENTATION` is ``'compiled'`` or ``'pure'``.
"""
import sys

from microdot._speedups import _pure

#: Names every twin module provides.
NAMES = ('parse_request_line', 'parse_header_line', 'parse_head',
         'urldecode', 'parse_urlencoded', 'mask', 'match_segments', 'Router',
         'NoCaseDict')

#: Compiled modules, each giving some of :data:`NAMES`.
COMPILED_MODULES = ('microdot._speedups._chttp', 'microdot._speedups._crouting',
                    'microdot._speedups._cmask')


def _flag(name):
    try:
        from os import environ
    except ImportError:  # MicroPython has no os.environ
        return False
    return environ.get(name, '').strip().lower() in ('1', 'true', 'yes', 'on')


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


def _select():
    impl = getattr(sys, 'implementation', None)
    if impl is None or impl.name != 'cpython':
        return None, 'pure', 'not CPython ({})'.format(
            impl.name if impl else 'unknown')
    if _flag('MICRODOT_PURE'):
        return None, 'pure', 'MICRODOT_PURE is set'
    try:
        found = _load_compiled()
    except ImportError as exc:
        if _flag('MICRODOT_REQUIRE_SPEEDUPS'):
            raise ImportError('MICRODOT_REQUIRE_SPEEDUPS is set but the '
                              'compiled twins cannot be imported: '
                              '{}'.format(exc))
        return None, 'pure', 'compiled twins unavailable ({})'.format(exc)
    return found, 'compiled', 'compiled twins imported'


_found, IMPLEMENTATION, REASON = _select()
# the choice is made once: on a board the bytecode of these would otherwise
# stay on the heap for nothing
del _select, _load_compiled, _flag
if _found is None:
    _found = {name: getattr(_pure, name) for name in NAMES}

parse_request_line = _found['parse_request_line']
parse_header_line = _found['parse_header_line']
parse_head = _found['parse_head']
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
