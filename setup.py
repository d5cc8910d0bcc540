"""Build script: everything static is in pyproject.toml; this file only adds
the compiled twins of ``microdot/_speedups`` as optional C extensions.

Environment switches (``1``, ``true``, ``yes`` or ``on`` enable them):

- ``MICRODOT_NO_EXTENSIONS``: build no extension at all, which gives a pure
  ``py3-none-any`` wheel;
- ``MICRODOT_REQUIRE_EXTENSIONS``: a failed compile (no compiler, no Cython)
  fails the build instead of installing the pure package with a warning.

Extensions are only built on CPython; the C sources are generated from the
``.pyx`` files at build time and never committed.
"""
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


def flag(name):
    value = os.environ.get(name, '').strip().lower()
    return value in ('1', 'true', 'yes', 'on')


def warn(message):
    bar = '*' * 76
    sys.stderr.write('\n{0}\nWARNING: {1}\n{0}\n\n'.format(bar, message))


NO_EXTENSIONS = flag('MICRODOT_NO_EXTENSIONS') or \
    platform.python_implementation() != 'CPython'
REQUIRE_EXTENSIONS = flag('MICRODOT_REQUIRE_EXTENSIONS')
if NO_EXTENSIONS and REQUIRE_EXTENSIONS:
    sys.exit('MICRODOT_REQUIRE_EXTENSIONS is set, but extensions cannot be '
             'built (MICRODOT_NO_EXTENSIONS is set or this is not CPython)')


def extensions():
    """Return the extension modules to build, Cython-compiled if possible."""
    if NO_EXTENSIONS:
        return []
    modules = [
        Extension('microdot._speedups.' + name,
                  ['microdot/_speedups/{}.pyx'.format(name)],
                  optional=not REQUIRE_EXTENSIONS)
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
    try:
        return cythonize(modules, compiler_directives=directives, quiet=True)
    except Exception as exc:
        if REQUIRE_EXTENSIONS:
            raise
        warn('Cython failed ({}): microdot is installed without its '
             'compiled twins.'.format(exc))
        return []


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
