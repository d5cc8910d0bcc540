import re
import sys
import unittest

from microdot import URLPattern

# patterns whose segments are matched without a regular expression
_NO_REGEX = ['/<path:a>/<path:b>', '/<path:a>/x/<path:b>', '/<a>/<path:b>/<c>',
             '/x/<path:a>/<int:n>/<path:b>/y', '/<path:a>/<path:b>/<path:c>/1',
             '/<path:a>//<b>', '/<int:n>/<path:a>']


class TestURLPattern(unittest.TestCase):
    def test_static_path(self):
        p = URLPattern('/')
        self.assertEqual(p.match('/'), {})
        self.assertIsNone(p.match('/foo'))
        self.assertIsNone(p.match(''))

        p = URLPattern('/foo/bar')
        self.assertEqual(p.match('/foo/bar'), {})
        self.assertIsNone(p.match('/foo'))
        self.assertIsNone(p.match('/foo/bar/'))
        self.assertIsNone(p.match('/foo/baz'))
        self.assertIsNone(p.match('foo/bar'))

        p = URLPattern('/foo/bar/')
        self.assertEqual(p.match('/foo/bar/'), {})
        self.assertIsNone(p.match('/foo/bar'))

    def test_string_argument(self):
        p = URLPattern('/<arg>')
        self.assertEqual(p.match('/foo'), {'arg': 'foo'})
        self.assertIsNone(p.match('/'))
        self.assertIsNone(p.match('/foo/bar'))
        self.assertIsNone(p.match('/foo/'))

        p = URLPattern('/<arg>/')
        self.assertEqual(p.match('/foo/'), {'arg': 'foo'})
        self.assertIsNone(p.match('/'))
        self.assertIsNone(p.match('/foo'))

        p = URLPattern('/<string:arg>')
        self.assertEqual(p.match('/foo'), {'arg': 'foo'})
        self.assertEqual(p.match('/12'), {'arg': '12'})
        self.assertIsNone(p.match('/foo/bar'))

        p = URLPattern('/users/<string:a>/<string:b>/<string:c>')
        self.assertEqual(p.match('/users/x/y/z'),
                         {'a': 'x', 'b': 'y', 'c': 'z'})
        self.assertIsNone(p.match('/users/x/y'))
        self.assertIsNone(p.match('/users/x//z'))
        self.assertIsNone(p.match('/users/x/y/z/w'))
        self.assertIsNone(p.match('/user/x/y/z'))

    def test_int_argument(self):
        p = URLPattern('/users/<int:id>')
        self.assertEqual(p.match('/users/123'), {'id': 123})
        self.assertEqual(p.match('/users/-123'), {'id': -123})
        self.assertEqual(p.match('/users/0'), {'id': 0})
        self.assertEqual(p.match('/users/007'), {'id': 7})
        self.assertIsNone(p.match('/users/'))
        self.assertIsNone(p.match('/users/abc'))
        self.assertIsNone(p.match('/users/123abc'))
        self.assertIsNone(p.match('/users/-'))
        self.assertIsNone(p.match('/users/1-2'))
        self.assertIsNone(p.match('/users/+5'))
        self.assertIsNone(p.match('/users/123/abc'))
        self.assertIsNone(p.match('/users/123/'))

    def test_path_argument(self):
        p = URLPattern('/users/<path:path>')
        self.assertEqual(p.match('/users/123'), {'path': '123'})
        self.assertEqual(p.match('/users/123/'), {'path': '123/'})
        self.assertEqual(p.match('/users/abc/def'), {'path': 'abc/def'})
        self.assertEqual(p.match('/users//x'), {'path': '/x'})
        self.assertIsNone(p.match('/users/'))
        self.assertIsNone(p.match('/users'))

        p = URLPattern('/users/<path:path>/ghi')
        self.assertEqual(p.match('/users/abc/def/ghi'), {'path': 'abc/def'})
        self.assertEqual(p.match('/users/abc/ghi'), {'path': 'abc'})
        self.assertIsNone(p.match('/users/ghi'))
        self.assertIsNone(p.match('/users/abc/def'))

    def test_path_argument_is_greedy(self):
        p = URLPattern('/<path:a>/x/<path:b>')
        self.assertEqual(p.match('/1/x/2/x/3'), {'a': '1/x/2', 'b': '3'})
        p = URLPattern('/<path:a>/<b>')
        self.assertEqual(p.match('/1/2/3'), {'a': '1/2', 'b': '3'})
        self.assertIsNone(p.match('/1'))

    def test_path_arguments_agree_with_the_regular_expression(self):
        # microdot defines the segment types by regular expressions; the
        # segment matcher must give what the whole-path expression gives
        paths = ['']
        for _ in range(4):
            paths = paths + [p + '/' + s for p in paths
                             for s in ('x', 'y', '1', '')
                             if p.count('/') == paths[-1].count('/')]
        for pattern in _NO_REGEX:
            p = URLPattern(pattern)
            self.assertIsNone(p.compile())
            names = [s['name'] for s in p.segments if 'name' in s]
            regex = re.compile('^' + ''.join(
                URLPattern.segment_patterns[s['type']] if 'name' in s
                else '/' + part for s, part in zip(
                    p.segments, pattern[1:].split('/'))) + '$')
            for path in paths[1:]:
                g = regex.match(path)
                expected = None
                if g:
                    expected = {}
                    for i, name in enumerate(names):
                        expected[name] = int(g.group(i + 1)) \
                            if name == 'n' else g.group(i + 1)
                with self.subTest(pattern=pattern, path=path):
                    self.assertEqual(p.match(path), expected)

    def test_many_path_arguments(self):
        # one path item per segment: no recursion, no backtracking (a
        # board's heap holds fewer)
        n = 1000 if sys.implementation.name == 'cpython' else 200
        p = URLPattern('/' + '/'.join('<path:p%d>' % i for i in range(n)))
        args = p.match('/a' * (n + 1))
        self.assertEqual(len(args), n)
        self.assertEqual(args['p0'], 'a/a')
        self.assertEqual(args['p%d' % (n - 1)], 'a')
        self.assertIsNone(p.match('/a' * (n - 1)))
        p = URLPattern('/multi/<path:a>/<path:b>/<path:c>/end')
        self.assertIsNone(p.match('/multi' + '/a' * 900))
        self.assertEqual(p.match('/multi' + '/a' * 900 + '/end'),
                         {'a': '/'.join(['a'] * 898), 'b': 'a', 'c': 'a'})

    def test_regex_argument(self):
        p = URLPattern('/users/<re:[a-c]+:id>')
        self.assertEqual(p.match('/users/ab'), {'id': 'ab'})
        self.assertEqual(p.match('/users/bca'), {'id': 'bca'})
        self.assertIsNone(p.match('/users/abcd'))
        self.assertIsNone(p.match('/users/'))

        p = URLPattern('/files/<re:[a-z]+\\.txt:name>/raw')
        self.assertEqual(p.match('/files/abc.txt/raw'), {'name': 'abc.txt'})
        self.assertIsNone(p.match('/files/abc.txt'))
        self.assertIsNone(p.match('/files/abcXtxt/raw'))

    def test_many_arguments(self):
        p = URLPattern('/foo/<path:path>/<int:id>/bar/<name>')
        self.assertEqual(p.match('/foo/abc/def/123/bar/test'),
                         {'path': 'abc/def', 'id': 123, 'name': 'test'})
        self.assertIsNone(p.match('/foo/123/bar/test'))
        self.assertIsNone(p.match('/foo/abc/def/ghi/bar/test'))
        self.assertIsNone(p.match('/foo/abc/def/123/bar'))
        self.assertIsNone(p.match('/foo/abc/def/123/test'))
        self.assertIsNone(p.match('/foo/abc/def/123/bar/test/x'))

    def test_invalid_url_patterns(self):
        p = URLPattern('/users/<foo/bar')
        self.assertRaises(ValueError, p.compile)
        p = URLPattern('/users/<badtype:id>')
        self.assertRaises(ValueError, p.compile)
        p = URLPattern('/users/<badtype:id>')
        with self.assertRaises(ValueError):
            p.match('/users/1')

    def test_custom_url_pattern(self):
        saved_patterns = dict(URLPattern.segment_patterns)
        saved_parsers = dict(URLPattern.segment_parsers)
        try:
            URLPattern.register_type('hex', '[0-9a-f]+')
            self.assertIn('hex', URLPattern.segment_patterns)
            p = URLPattern('/users/<hex:id>')
            self.assertEqual(p.match('/users/a1'), {'id': 'a1'})
            self.assertIsNone(p.match('/users/ab12z'))

            URLPattern.register_type('hex', '[0-9a-f]+',
                                     parser=lambda value: int(value, 16))
            p = URLPattern('/users/<hex:id>')
            self.assertEqual(p.match('/users/a1'), {'id': 161})
            self.assertIsNone(p.match('/users/ab12z'))

            def hex_parser(value):
                try:
                    return int(value, 16)
                except ValueError:
                    return None

            # default pattern: one segment, the parser decides
            URLPattern.register_type('hex', parser=hex_parser)
            p = URLPattern('/users/<hex:id>')
            self.assertEqual(p.match('/users/a1'), {'id': 161})
            self.assertIsNone(p.match('/users/ab12z'))
            self.assertIsNone(p.match('/users/a1/b2'))
        finally:
            URLPattern.segment_patterns.clear()
            URLPattern.segment_patterns.update(saved_patterns)
            URLPattern.segment_parsers.clear()
            URLPattern.segment_parsers.update(saved_parsers)

    def test_parser_returning_none_is_no_match(self):
        saved_patterns = dict(URLPattern.segment_patterns)
        saved_parsers = dict(URLPattern.segment_parsers)
        try:
            URLPattern.register_type(
                'even', '\\d+',
                parser=lambda v: int(v) if int(v) % 2 == 0 else None)
            p = URLPattern('/n/<even:n>')
            self.assertEqual(p.match('/n/4'), {'n': 4})
            self.assertIsNone(p.match('/n/5'))
            self.assertIsNone(p.match('/n/x'))
        finally:
            URLPattern.segment_patterns.clear()
            URLPattern.segment_patterns.update(saved_patterns)
            URLPattern.segment_parsers.clear()
            URLPattern.segment_parsers.update(saved_parsers)

    def test_overridden_builtin_type(self):
        saved_patterns = dict(URLPattern.segment_patterns)
        saved_parsers = dict(URLPattern.segment_parsers)
        try:
            # replacing a built-in type takes effect for new patterns
            URLPattern.register_type('int', '[0-9][0-9]', parser=int)
            p = URLPattern('/<int:n>')
            self.assertEqual(p.match('/12'), {'n': 12})
            self.assertIsNone(p.match('/123'))
            self.assertIsNone(p.match('/-1'))
        finally:
            URLPattern.segment_patterns.clear()
            URLPattern.segment_patterns.update(saved_patterns)
            URLPattern.segment_parsers.clear()
            URLPattern.segment_parsers.update(saved_parsers)
        p = URLPattern('/<int:n>')
        self.assertEqual(p.match('/123'), {'n': 123})
        self.assertEqual(p.match('/-1'), {'n': -1})

    def test_segment_patterns_and_parsers(self):
        self.assertEqual(URLPattern.segment_patterns['string'], '/([^/]+)')
        self.assertEqual(URLPattern.segment_patterns['int'], '/(-?\\d+)')
        self.assertEqual(URLPattern.segment_patterns['path'], '/(.+)')
        self.assertEqual(URLPattern.segment_parsers['int']('42'), 42)

    def test_url_pattern_attribute(self):
        p = URLPattern('/a/<int:b>')
        self.assertEqual(p.url_pattern, '/a/<int:b>')

    def test_very_long_segment(self):
        long = 'x' * 5000
        for pattern in ['/<arg>', '/<int:n>', '/<path:p>', '/<re:[a-z]+:s>',
                        '/static']:
            p = URLPattern(pattern)
            p.match('/' + long)  # must not raise
        self.assertEqual(URLPattern('/<arg>').match('/' + long),
                         {'arg': long})
        self.assertIsNone(URLPattern('/<int:n>').match('/' + long))
        self.assertIsNone(URLPattern('/static').match('/' + long))
