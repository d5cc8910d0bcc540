"""NoCaseDict is a twin (microdot._speedups): the compiled class must behave
exactly like the pure one. The behaviour tests of test_multidict run against
each, and Hypothesis compares both on random sequences of operations."""
import unittest

from hypothesis import given, settings, strategies as st

from microdot._speedups import _pure, _chttp
import test_multidict

TWINS = (('pure', _pure.NoCaseDict), ('compiled', _chttp.NoCaseDict))


def _patched(cls):
    # the behaviour tests of test_multidict, with NoCaseDict replaced
    class Checks(test_multidict.TestNoCaseDict):
        def setUp(self):
            self.saved = test_multidict.NoCaseDict
            test_multidict.NoCaseDict = cls

        def tearDown(self):
            test_multidict.NoCaseDict = self.saved
    return Checks


class PureNoCaseDictTests(_patched(_pure.NoCaseDict)):
    pass


class CompiledNoCaseDictTests(_patched(_chttp.NoCaseDict)):
    def test_is_the_selected_twin_when_compiled(self):
        from microdot import NoCaseDict, _speedups
        if _speedups.IMPLEMENTATION == 'compiled':
            self.assertIs(NoCaseDict, _chttp.NoCaseDict)
        else:
            self.assertIs(NoCaseDict, _pure.NoCaseDict)


# header-like names in several spellings, so that case collisions happen
NAMES = st.sampled_from(['Host', 'host', 'HOST', 'Content-Type',
                         'content-type', 'CONTENT-TYPE', 'X-a', 'x-A', 'é',
                         'É', 'ß', 'SS', ''])
OPS = st.lists(st.one_of(
    st.tuples(st.just('set'), NAMES, st.integers(0, 9)),
    st.tuples(st.just('get'), NAMES),
    st.tuples(st.just('getitem'), NAMES),
    st.tuples(st.just('contains'), NAMES),
    st.tuples(st.just('del'), NAMES),
    st.tuples(st.just('pop'), NAMES),
    st.tuples(st.just('pop_default'), NAMES),
    st.tuples(st.just('setdefault'), NAMES, st.integers(0, 9)),
    st.tuples(st.just('update'), st.dictionaries(NAMES, st.integers(0, 9),
                                                 max_size=3)),
), max_size=30)


def _apply(d, op):
    kind = op[0]
    try:
        if kind == 'set':
            d[op[1]] = op[2]
            return None
        if kind == 'get':
            return d.get(op[1], 'missing')
        if kind == 'getitem':
            return d[op[1]]
        if kind == 'contains':
            return op[1] in d
        if kind == 'del':
            del d[op[1]]
            return None
        if kind == 'pop':
            return d.pop(op[1])
        if kind == 'pop_default':
            return d.pop(op[1], 'dflt')
        if kind == 'setdefault':
            return d.setdefault(op[1], op[2])
        d.update(op[1])
        return None
    except Exception as exc:
        return ('error', type(exc), str(exc))


class DifferentialTests(unittest.TestCase):
    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(NAMES, st.integers(0, 9), max_size=4), OPS)
    def test_same_results_and_state(self, initial, ops):
        pure = _pure.NoCaseDict(initial)
        compiled = _chttp.NoCaseDict(initial)
        for op in ops:
            self.assertEqual(_apply(pure, op), _apply(compiled, op), op)
            self.assertEqual(list(pure.items()), list(compiled.items()), op)
            self.assertEqual(pure.keymap, compiled.keymap, op)

    def test_errors_for_non_str_keys(self):
        for name, cls in TWINS:
            d = cls()
            with self.assertRaises(AttributeError, msg=name):
                d[1] = 'x'
            with self.assertRaises(AttributeError, msg=name):
                d.get(None)

    def test_subclass_of_each_twin(self):
        for name, cls in TWINS:
            class Sub(cls):
                def __setitem__(self, key, value):
                    super().__setitem__(key, value * 2)
            d = Sub({'A': 1})
            d['b'] = 2
            self.assertEqual(d, {'A': 2, 'b': 4}, name)
            self.assertEqual(d['a'], 2, name)


if __name__ == '__main__':
    unittest.main()
