"""Heap probe run by MicroPython for benchmarks/mpy_heap.py.

Every number is ``gc.mem_alloc()`` after minus before, each side after
``gc.collect()``: the bytes a step leaves allocated on the heap (the parse
tree and compile garbage of a ``.py`` file are freed and not counted).
``asyncio`` is imported before the first step, as an application would.

Usage (``PATHS`` is ``sys.path`` to put first, ``:``-separated)::

    micropython mpy_heap_probe.py import PATHS STEP [STEP ...]
    micropython mpy_heap_probe.py modules PATHS STUB_DIR PKGS MODULE [...]
    micropython mpy_heap_probe.py table PATHS STUB_DIR CHUNKS_JSON

``import``: each STEP is a ``,``-separated list of modules imported
together, one step after the other in one process.

``modules``: the cost of each module on its own. The packages named in
``PKGS`` (``,``-separated, outer first) are first replaced by empty stand-ins
from ``STUB_DIR``, so that importing ``pkg.sub`` does not run the package's
``__init__``; then the modules are imported in the order given (deepest
first), each package's real ``__init__`` at its turn.

``table``: the cost of each top-level statement of one ``.py`` module,
executed one after the other in a fresh namespace. The JSON file has
``module`` (the module's name), ``stub`` (packages to stand in for, as
above), ``pre`` (modules imported first, not counted) and ``chunks`` (a
list of ``[label, source]``).

Each result is printed as ``heap<TAB>name<TAB>bytes``, followed by the
line of ``micropython.qstr_info()``: interned names live on the heap too, in
pools that double in size, so a step that fills a pool pays for the next.
"""
import gc
import micropython
import os
import sys


def _collect():
    gc.collect()
    gc.collect()


def _measure(action):
    _collect()
    before = gc.mem_alloc()
    action()
    _collect()
    return gc.mem_alloc() - before


def _report(name, size):
    print('heap\t{}\t{}'.format(name, size))
    # the interned names so far: "qstr pool: n_pool=.., n_qstr=.., ..."
    micropython.qstr_info()


def _set_path(paths):
    sys.path[:] = [p for p in paths.split(':') if p] + \
        [p for p in sys.path if p not in ('', '.')]


def _real_dir(name):
    # the directory of package ``name`` on sys.path
    rel = name.replace('.', '/')
    for entry in sys.path:
        try:
            os.stat(entry + '/' + rel)
            return entry + '/' + rel
        except OSError:
            pass
    raise ImportError('no package ' + name)


def _makedirs(path):
    parts = path.split('/')
    for i in range(2, len(parts) + 1):
        try:
            os.mkdir('/'.join(parts[:i]))
        except OSError:
            pass


def _stub(stub_dir, packages):
    """Import empty stand-ins for ``packages`` (outer first); returns
    ``{package: real directory}``."""
    real = {}
    for name in packages:
        real[name] = _real_dir(name)
    for name in packages:
        folder = stub_dir + '/' + name.replace('.', '/')
        _makedirs(folder)
        with open(folder + '/__init__.py', 'w') as f:
            f.write('')
    sys.path.insert(0, stub_dir)
    for name in packages:
        __import__(name)
    sys.path.remove(stub_dir)
    return real


def _point_parent(name, real):
    # a stand-in parent package must find ``name`` in the real directory
    parent = name.rpartition('.')[0]
    if parent in real and parent in sys.modules:
        sys.modules[parent].__path__ = real[parent]


def cmd_import(steps):
    for step in steps:
        names = [n for n in step.split(',') if n]

        def action():
            for name in names:
                __import__(name)
        _report(step, _measure(action))


def cmd_modules(stub_dir, packages, modules):
    real = _stub(stub_dir, [p for p in packages.split(',') if p])
    stubbed = set(real)
    micropython.qstr_info()
    for name in modules:
        _point_parent(name, real)
        if name in stubbed:
            # out with the stand-in, in with the package's real __init__
            stubbed.discard(name)
            del sys.modules[name]
        _report(name, _measure(lambda: __import__(name)))


def cmd_table(stub_dir, chunks_path):
    import json
    with open(chunks_path) as f:
        spec = json.load(f)
    real = _stub(stub_dir, spec.get('stub', []))
    for name in real:
        sys.modules[name].__path__ = real[name]
    for name in spec.get('pre', []):
        __import__(name)
    micropython.qstr_info()  # the baseline of the first statement's names
    namespace = {'__name__': spec['module']}
    chunks = spec['chunks']
    spec = None
    for label, source in chunks:
        code = [source]

        def action():
            exec(code.pop(), namespace)
        _report(label, _measure(action))


def main(argv):
    import asyncio  # noqa: F401  (every microdot application has it)
    command = argv[0]
    _set_path(argv[1])
    micropython.qstr_info()  # the baseline of the first step's names
    if command == 'import':
        cmd_import(argv[2:])
    elif command == 'modules':
        cmd_modules(argv[2], argv[3], argv[4:])
    elif command == 'table':
        cmd_table(argv[2], argv[3])
    else:
        raise SystemExit('unknown command ' + command)


main(sys.argv[1:])
