import unittest

from microdot import MultiDict, NoCaseDict


class TestMultiDict(unittest.TestCase):
    def test_empty(self):
        d = MultiDict()
        self.assertEqual(len(d), 0)
        self.assertIsNone(d.get('missing'))
        self.assertEqual(d.get('missing', 'dflt'), 'dflt')
        self.assertEqual(d.getlist('missing'), [])
        self.assertNotIn('missing', d)
        with self.assertRaises(KeyError):
            d['missing']

    def test_single_and_multiple_values(self):
        d = MultiDict()
        d['size'] = '3'
        self.assertEqual(d['size'], '3')
        self.assertEqual(d.get('size'), '3')
        self.assertEqual(d.get('size', type=int), 3)
        self.assertEqual(d.getlist('size'), ['3'])
        d['size'] = '5'
        d['color'] = 'red'
        self.assertEqual(d['size'], '3')
        self.assertEqual(d.getlist('size'), ['3', '5'])
        self.assertEqual(d.getlist('size', type=int), [3, 5])
        self.assertEqual(d.getlist('color'), ['red'])
        self.assertIn('size', d)
        self.assertIn('color', d)
        self.assertEqual(len(d), 2)
        self.assertEqual(sorted(d.keys()), ['color', 'size'])

    def test_default_not_converted(self):
        d = MultiDict()
        self.assertEqual(d.get('x', default='abc', type=int), 'abc')

    def test_type_conversion_error(self):
        d = MultiDict()
        d['n'] = 'abc'
        with self.assertRaises(ValueError):
            d.get('n', type=int)
        with self.assertRaises(ValueError):
            d.getlist('n', type=int)

    def test_delete(self):
        d = MultiDict()
        d['a'] = '1'
        d['a'] = '2'
        del d['a']
        self.assertNotIn('a', d)
        self.assertEqual(d.getlist('a'), [])
        d['a'] = '3'
        self.assertEqual(d.getlist('a'), ['3'])

    def test_initial_dict(self):
        d = MultiDict({'a': '1', 'b': '2'})
        self.assertEqual(d['a'], '1')
        self.assertEqual(d['b'], '2')
        self.assertEqual(d.getlist('a'), ['1'])
        self.assertEqual(len(d), 2)

    def test_is_a_dict(self):
        d = MultiDict()
        d['x'] = 'y'
        self.assertIsInstance(d, dict)
        self.assertEqual(d, {'x': ['y']})


class TestNoCaseDict(unittest.TestCase):
    def test_case_insensitive_access(self):
        d = NoCaseDict()
        d['One'] = 1
        d['one'] = 2
        d['ONE'] = 3
        d['One'] = 4
        d['two'] = 5
        d['TWO'] = 6
        self.assertEqual(len(d), 2)
        self.assertEqual(d['one'], 4)
        self.assertEqual(d['One'], 4)
        self.assertEqual(d['oNe'], 4)
        self.assertEqual(d['two'], 6)
        self.assertEqual(d['Two'], 6)
        self.assertEqual(d.get('ONE'), 4)
        self.assertEqual(d.get('tWo'), 6)
        self.assertIsNone(d.get('three'))
        self.assertEqual(d.get('three', 'x'), 'x')
        self.assertIn('ONE', d)
        self.assertIn('two', d)
        self.assertNotIn('three', d)
        # the first spelling of a key is the one kept
        self.assertEqual(sorted(d.keys()), ['One', 'two'])
        self.assertEqual(d, {'One': 4, 'two': 6})

    def test_delete(self):
        d = NoCaseDict()
        d['Content-Type'] = 'text/html'
        d['x'] = 'y'
        del d['cOnTeNt-TyPe']
        self.assertNotIn('Content-Type', d)
        self.assertIsNone(d.get('content-type'))
        self.assertEqual(d, {'x': 'y'})
        del d['X']
        self.assertEqual(d, {})
        with self.assertRaises(KeyError):
            del d['nothing']
        with self.assertRaises(KeyError):
            d['nothing']
        d['content-type'] = 'text/plain'
        self.assertEqual(d['Content-Type'], 'text/plain')
        self.assertEqual(len(d), 1)

    def test_initial_dict_and_update(self):
        d = NoCaseDict({'Content-Type': 'text/html', 'X-Foo': 'bar'})
        self.assertEqual(d['content-type'], 'text/html')
        self.assertEqual(d['x-foo'], 'bar')
        d.update({'CONTENT-TYPE': 'text/css', 'New': 'yes'})
        self.assertEqual(len(d), 3)
        self.assertEqual(d['Content-Type'], 'text/css')
        self.assertEqual(d['new'], 'yes')
        self.assertEqual(d, {'Content-Type': 'text/css', 'X-Foo': 'bar',
                             'New': 'yes'})

    def test_pop_and_setdefault(self):
        d = NoCaseDict()
        d['Set-Cookie'] = ['a=b']
        self.assertEqual(d.setdefault('set-cookie', []), ['a=b'])
        self.assertEqual(d.setdefault('Location', '/'), '/')
        self.assertEqual(d['LOCATION'], '/')
        self.assertEqual(d.pop('SET-COOKIE'), ['a=b'])
        self.assertNotIn('Set-Cookie', d)
        self.assertEqual(d.pop('missing', 'dflt'), 'dflt')
        with self.assertRaises(KeyError):
            d.pop('missing')

    def test_compares_with_plain_dict(self):
        d = NoCaseDict()
        d['Host'] = 'example.com'
        self.assertEqual(d, {'Host': 'example.com'})
        self.assertNotEqual(d, {'host': 'example.com'})
        self.assertIsInstance(d, dict)
