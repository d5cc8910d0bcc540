"""The typing files ship: every twin module has a .pyi stub and the package
has py.typed (CPython only). mypy and stubtest run as their own steps:
ci/lint.sh on the checkout, ci/check_dist.sh on the installed wheel."""
import os
import unittest


class TestTyping(unittest.TestCase):
    def test_every_twin_module_has_a_stub(self):
        # looks where the package was imported from, so that an installed
        # wheel is checked for its stubs and py.typed as well
        import microdot._speedups
        speedups = os.path.dirname(microdot._speedups.__file__)
        names = os.listdir(speedups)
        modules = {name.split('.')[0] for name in names
                   if name.endswith(('.py', '.pyx'))}
        missing = sorted(m for m in modules if m + '.pyi' not in names)
        self.assertEqual(missing, [], 'modules without a .pyi stub')
        self.assertTrue(os.path.exists(
            os.path.join(os.path.dirname(speedups), 'py.typed')))


if __name__ == '__main__':
    unittest.main()
