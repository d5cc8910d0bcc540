# The version: the installed package metadata agrees with
# microdot.__version__, and it is a 2.7 release that requirements written for
# upstream microdot accept.
import importlib.metadata
import unittest

from packaging.specifiers import SpecifierSet
from packaging.version import Version

import microdot


class TestVersion(unittest.TestCase):
    def test_installed_metadata_agrees(self):
        installed = importlib.metadata.version('microdot')
        self.assertEqual(
            installed, microdot.__version__,
            'the installed metadata says {}, microdot.__version__ says {}: '
            'reinstall the package (make venv)'.format(
                installed, microdot.__version__))

    def test_version_is_normalized_pep_440(self):
        # str(Version(v)) is the normal form: what pip and PyPI show
        self.assertEqual(str(Version(microdot.__version__)),
                         microdot.__version__)

    def test_requirements_for_upstream_accept_it(self):
        version = Version(microdot.__version__)
        self.assertEqual(version.release[:2], (2, 7))
        self.assertFalse(version.is_prerelease)
        for spec in ('>=2.6', '>=2.7', '>=2.7.0', '~=2.7.0', '~=2.7',
                     '==2.7.*', '>=2,<3', '<2.8'):
            self.assertIn(version, SpecifierSet(spec), spec)
        # it sorts after the upstream release whose API it implements
        self.assertGreater(version, Version('2.7.0'))
