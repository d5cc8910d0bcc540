"""The CPython half of the twin selector (see
``microdot/_speedups/__init__.py``, which star-imports this module on CPython
only, so that a board never loads it): the compiled twins when they import,
and why or why not.
"""
from os import environ

from microdot._speedups._pure import parse_request_line, parse_header_line, \
    parse_head, head_end, urldecode, parse_urlencoded, mask, match_segments, \
    Router, NoCaseDict  # noqa: F401  (the pure twins, unless compiled load)

#: Names every twin module provides.
NAMES = ('parse_request_line', 'parse_header_line', 'parse_head',
         'head_end', 'urldecode', 'parse_urlencoded', 'mask',
         'match_segments', 'Router', 'NoCaseDict')

#: Compiled modules, each giving some of :data:`NAMES`.
COMPILED_MODULES = ('microdot._speedups._chttp',
                    'microdot._speedups._crouting',
                    'microdot._speedups._cmask')


def _flag(name):
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


def _select():
    # both switches are read first, so that a bad value of either is
    # reported whatever the other says
    pure = _flag('MICRODOT_PURE')
    required = _flag('MICRODOT_REQUIRE_SPEEDUPS')
    if pure:
        return {}, 'pure', 'MICRODOT_PURE is set'
    try:
        return _load_compiled(), 'compiled', 'compiled twins imported'
    except ImportError as exc:
        if required:
            raise ImportError('MICRODOT_REQUIRE_SPEEDUPS is set but the '
                              'compiled twins cannot be imported: '
                              '{}'.format(exc))
        return {}, 'pure', 'compiled twins unavailable ({})'.format(exc)


_found, IMPLEMENTATION, REASON = _select()
globals().update(_found)


def describe():
    """Return a dictionary that says which twin serves each hot path."""
    from microdot import _speedups
    found = {}
    for name in NAMES:
        where = getattr(getattr(_speedups, name), '__module__', None)
        if where and where.startswith('microdot._speedups._pure'):
            where = 'microdot._speedups._pure'  # they all come from there
        found[name] = where or IMPLEMENTATION
    return found


__all__ = ['NAMES', 'COMPILED_MODULES', 'IMPLEMENTATION', 'REASON',
           'describe'] + list(NAMES)
