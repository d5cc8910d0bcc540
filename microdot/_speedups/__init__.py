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

:data:`IMPLEMENTATION` is ``'compiled'`` or ``'pure'``. The CPython part of
the choice is in ``_select.py``, which a board never loads. On MicroPython
this module gives the pure twins, those of a running server
(``_pure_serve.py``, ``_pure_extra.py``) only at their first call, so that
``import microdot`` does not pay for them.
"""
import sys

from microdot._speedups._pure_core import urldecode, parse_urlencoded, \
    NoCaseDict, SEG_STRING, SEG_INT, SEG_PATH, ROUTE_STATIC, \
    ROUTE_SEGMENTS, ROUTE_CALLABLE  # noqa: F401

#: ``'compiled'`` or ``'pure'``.
IMPLEMENTATION = 'pure'
#: Why :data:`IMPLEMENTATION` was chosen.
REASON = 'not CPython (' + sys.implementation.name + ')'

if sys.implementation.name == 'cpython':
    from microdot._speedups import _pure  # noqa: F401
    # the compiled twins in place of the pure ones when they import, with
    # IMPLEMENTATION, REASON, NAMES, COMPILED_MODULES and describe()
    from microdot._speedups._select import *  # noqa: F401, F403
else:
    # MicroPython: the twins of a running server load at their first call
    # (request lines, headers and routing from _pure_serve.py; the rest
    # from _pure_extra.py), each in place of its stand-in here; the modules
    # that use them look them up here at each call
    def _twin(module, name):
        found = getattr(__import__('microdot._speedups.' + module, None,
                                   None, (name,)), name)
        globals()[name] = found
        return found

    def parse_request_line(line):
        return _twin('_pure_serve', 'parse_request_line')(line)

    def parse_header_line(line):
        return _twin('_pure_serve', 'parse_header_line')(line)

    def match_segments(spec, path):
        return _twin('_pure_serve', 'match_segments')(spec, path)

    def Router():
        return _twin('_pure_serve', 'Router')()

    def parse_head(data):
        return _twin('_pure_extra', 'parse_head')(data)

    def head_end(data, pos=0):
        return _twin('_pure_extra', 'head_end')(data, pos)

    def mask(key, data):
        return _twin('_pure_extra', 'mask')(key, data)
