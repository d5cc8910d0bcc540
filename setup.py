"""Build script: everything static is in pyproject.toml; this file only adds
the compiled twins of ``microdot/_speedups`` as optional C extensions.

Environment switches (on with ``1``, ``true``, ``yes`` or ``on``; off with
``0``, ``false``, ``no``, ``off`` or empty; anything else stops the build):

- ``MICRODOT_NO_EXTENSIONS``: build no extension at all, which gives a pure
  ``py3-none-any`` wheel;
- ``MICRODOT_REQUIRE_EXTENSIONS``: a failed compile (no compiler, no Cython)
  fails the build instead of installing the pure package with a warning.

Extensions are only built on CPython; the C sources are generated from the
``.pyx`` files at build time and never committed. They are built without
debug information and stripped, which keeps the wheel about three times
smaller. A twin whose ``.pyx`` or C no longer compiles loses its in-place
build (``build_ext --inplace``), so that no test runs its stale code.
"""
import glob
import os
import platform
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

try:  # setuptools >= 70.1 has its own bdist_wheel
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:
    try:
        from wheel.bdist_wheel import bdist_wheel
    except ImportError:  # building without wheel: no wheel to tag
        bdist_wheel = None

TWINS = ('_chttp', '_crouting', '_cmask')


HERE = os.path.dirname(os.path.abspath(__file__))


def flag(name):
    value = os.environ.get(name, '').strip().lower()
    if value in ('1', 'true', 'yes', 'on'):
        return True
    if value in ('', '0', 'false', 'no', 'off'):
        return False
    sys.exit('{}={!r} is not understood: use 1, true, yes or on to switch it '
             'on; 0, false, no, off or an empty value to switch it '
             'off'.format(name, os.environ[name]))


def warn(message):
    bar = '*' * 76
    sys.stderr.write('\n{0}\nWARNING: {1}\n{0}\n\n'.format(bar, message))


NO_EXTENSIONS = flag('MICRODOT_NO_EXTENSIONS') or \
    platform.python_implementation() != 'CPython'
REQUIRE_EXTENSIONS = flag('MICRODOT_REQUIRE_EXTENSIONS')
if NO_EXTENSIONS and REQUIRE_EXTENSIONS:
    sys.exit('MICRODOT_REQUIRE_EXTENSIONS is set, but extensions cannot be '
             'built (MICRODOT_NO_EXTENSIONS is set or this is not CPython)')


def strip_flags():
    """Return the compile and link flags that leave out debug symbols."""
    if os.name != 'posix':  # MSVC keeps debug information apart anyway
        return [], []
    if sys.platform.startswith('linux'):
        return ['-g0'], ['-s']
    return ['-g0'], []


def remove_stale(name):
    """Delete the in-place builds of a twin that failed to compile."""
    pattern = os.path.join(HERE, 'microdot', '_speedups', name + '.*')
    for path in glob.glob(pattern):
        if path.endswith(('.so', '.pyd')):
            os.remove(path)


def extensions():
    """Return the extension modules to build, Cython-compiled if possible."""
    if NO_EXTENSIONS:
        return []
    cflags, ldflags = strip_flags()
    modules = [
        Extension('microdot._speedups.' + name,
                  ['microdot/_speedups/{}.pyx'.format(name)],
                  optional=not REQUIRE_EXTENSIONS,
                  extra_compile_args=cflags, extra_link_args=ldflags)
        for name in TWINS
    ]
    try:
        from Cython.Build import cythonize
    except ImportError:
        if REQUIRE_EXTENSIONS:
            raise
        warn('Cython is not installed: microdot is installed without its '
             'compiled twins (the pure-Python code will be used).')
        return []
    directives = {'language_level': 3, 'freethreading_compatible': True}
    compiled = []
    # one twin at a time, so that a broken one loses only its own build
    for module in modules:
        try:
            compiled.extend(cythonize([module], compiler_directives=directives,
                                      quiet=True))
        except Exception as exc:
            remove_stale(module.name.rsplit('.', 1)[1])
            if REQUIRE_EXTENSIONS:
                raise
            warn('Cython failed on {} ({}): the pure-Python twin will be '
                 'used.'.format(module.name, exc))
    return compiled


class OptionalBuildExt(build_ext):
    """build_ext that turns a failed compile into a visible warning."""

    def run(self):
        try:
            super().run()
        except Exception as exc:
            if REQUIRE_EXTENSIONS:
                raise
            warn('the compiled twins could not be built ({}); microdot is '
                 'installed with its pure-Python code only.'.format(exc))

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:
            if self.inplace:
                remove_stale(ext.name.rsplit('.', 1)[1])
            if REQUIRE_EXTENSIONS:
                raise
            warn('{} could not be compiled ({}); the pure-Python twin will '
                 'be used.'.format(ext.name, exc))


class BuildPy(build_py):
    """build_py that leaves the sources and stubs of the compiled twins out
    of a build without extensions, whose wheel has no such modules."""

    def exclude_data_files(self, package, src_dir, files):
        files = super().exclude_data_files(package, src_dir, files)
        if NO_EXTENSIONS and package == 'microdot._speedups':
            files = [f for f in files if os.path.splitext(
                os.path.basename(f))[0] not in TWINS]
        return files


cmdclass = {'build_ext': OptionalBuildExt, 'build_py': BuildPy}

if bdist_wheel is not None:
    class BdistWheel(bdist_wheel):
        """bdist_wheel that tags a wheel without extensions py3-none-any."""

        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = not self.distribution.has_ext_modules()

        def get_tag(self):
            if self.root_is_pure:
                return 'py3', 'none', 'any'
            return super().get_tag()

    cmdclass['bdist_wheel'] = BdistWheel

setup(ext_modules=extensions(), cmdclass=cmdclass)
