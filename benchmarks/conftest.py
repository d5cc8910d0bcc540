"""Shared inputs and fixtures for the hot-path benchmarks.

Every benchmark here runs once per twin (``pure`` and ``compiled``) on the
same input, and records ``case`` and ``impl`` in ``extra_info`` so that
``benchmarks/gate.py`` can pair the two runs of one case without relying on
test names. These files are benchmarks, not tests: ``pytest tests`` never
collects them (run ``pytest benchmarks``).
"""
import importlib
import importlib.machinery
import types

import pytest

from microdot._speedups import _pure

#: Modules that together make the compiled twin (see _speedups/__init__.py).
COMPILED_MODULES = ('microdot._speedups._chttp',
                    'microdot._speedups._crouting',
                    'microdot._speedups._cmask')

TWIN_NAMES = ('parse_request_line', 'parse_header_line', 'parse_head',
              'urldecode', 'parse_urlencoded', 'mask', 'match_segments',
              'Router')


def _load_compiled():
    """Collect the compiled twins into one namespace.

    Returns ``(namespace, None)``, or ``(None, reason)`` when a module is
    missing or is not a real extension module (a ``.py`` under a compiled
    name would make the comparison meaningless).
    """
    found = {}
    for name in COMPILED_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            return None, 'cannot import {}: {}'.format(name, exc)
        path = getattr(module, '__file__', '') or ''
        if not path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            return None, '{} is not an extension module ({})'.format(
                name, path)
        for attr in TWIN_NAMES:
            if hasattr(module, attr):
                found[attr] = getattr(module, attr)
    missing = [attr for attr in TWIN_NAMES if attr not in found]
    if missing:
        return None, 'compiled twins lack ' + ', '.join(missing)
    return types.SimpleNamespace(**found), None


COMPILED, COMPILED_REASON = _load_compiled()
PURE = types.SimpleNamespace(**{n: getattr(_pure, n) for n in TWIN_NAMES})


@pytest.fixture(params=['pure', 'compiled'])
def twin(request, benchmark):
    """The twin under test; tags the benchmark with its implementation."""
    if request.param == 'compiled':
        if COMPILED is None:
            # gate.py turns the missing compiled results into a failure
            pytest.skip('compiled twins unavailable: ' + COMPILED_REASON +
                        ' (build them with '
                        '`python3 setup.py build_ext --inplace`)')
        impl = COMPILED
    else:
        impl = PURE
        if COMPILED is None:
            # lets gate.py say why the compiled results are missing
            benchmark.extra_info['compiled_missing'] = COMPILED_REASON
    benchmark.extra_info['impl'] = request.param
    return impl
