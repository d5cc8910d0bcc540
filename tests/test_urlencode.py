import unittest

from microdot import urlencode, urldecode


class TestURLEncode(unittest.TestCase):
    def test_urlencode(self):
        self.assertEqual(urlencode('?&=%+ ,'), '%3F%26%3D%25%2B+,')
        self.assertEqual(urlencode('a+b'), 'a%2Bb')
        self.assertEqual(urlencode('a b'), 'a+b')
        self.assertEqual(urlencode('100%'), '100%25')
        self.assertEqual(urlencode('#frag'), '%23frag')
        self.assertEqual(urlencode(''), '')
        self.assertEqual(urlencode('plain/text-1.2_3'), 'plain/text-1.2_3')

    def test_urlencode_does_not_double_encode(self):
        # each special character is encoded exactly once
        self.assertEqual(urlencode('+'), '%2B')
        self.assertEqual(urlencode('%2B'), '%252B')
        self.assertEqual(urlencode('++  '), '%2B%2B++')

    def test_urldecode(self):
        self.assertEqual(urldecode('%3F%26%3D%25%2B+,'), '?&=%+ ,')
        self.assertEqual(urldecode(b'%3F%26%3D%25%2B+,'), '?&=%+ ,')
        self.assertEqual(urldecode('a+b'), 'a b')
        self.assertEqual(urldecode(b'a+b'), 'a b')
        self.assertEqual(urldecode('plain'), 'plain')
        self.assertEqual(urldecode(b'plain'), 'plain')
        self.assertEqual(urldecode(''), '')
        self.assertEqual(urldecode(b''), '')
        self.assertEqual(urldecode('%41%62'), 'Ab')
        self.assertEqual(urldecode('%2b'), '+')

    def test_urldecode_utf8(self):
        self.assertEqual(urldecode('caf%C3%A9'), 'caf\u00e9')
        self.assertEqual(urldecode(b'caf%C3%A9'), 'caf\u00e9')
        self.assertEqual(urldecode('%E2%82%AC+5'), '\u20ac 5')
        self.assertEqual(urldecode('caf\u00e9'), 'caf\u00e9')

    def test_urldecode_malformed_escapes(self):
        # a '%' without two hex digits after it is kept as it is
        self.assertEqual(urldecode('100%'), '100%')
        self.assertEqual(urldecode('%zz'), '%zz')
        self.assertEqual(urldecode('%4'), '%4')
        self.assertEqual(urldecode(b'a%'), 'a%')
        self.assertEqual(urldecode('%%41'), '%A')

    def test_round_trip(self):
        for s in ['a+b', 'a b', '?&=%+ ,', '100%', 'x=1&y=2', '#', '%2B',
                  'caf\u00e9 + cr\u00e8me', '', '++%%  ==']:
            self.assertEqual(urldecode(urlencode(s)), s)
            self.assertEqual(urldecode(urlencode(s).encode()), s)
