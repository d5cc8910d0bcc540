"""The contract of every twin in ``microdot._speedups``, as concrete cases.

Each ``*Checks`` mixin holds the expected behaviour of one twin function
(results, exception types and, on CPython, exception messages) and reads the
implementation from ``self.impl``. Here the mixins run against the pure twins
(on CPython and on MicroPython); ``test_twins_cpython.py`` runs the same
mixins against the compiled twins and compares both on the corpora below.
"""
import sys
import unittest

from microdot._speedups import _pure

CPYTHON = sys.implementation.name == 'cpython'
# big inputs must work; MicroPython's small heap gets smaller ones
BIG = 100 * 1024 if CPYTHON else 8 * 1024
# path items in the deepest specs (one recursion per item used to overflow)
DEEP = 100000 if CPYTHON else 1000

STR, INT, PATH = _pure.SEG_STRING, _pure.SEG_INT, _pure.SEG_PATH
STATIC, SEGMENTS, CALLABLE = (_pure.ROUTE_STATIC, _pure.ROUTE_SEGMENTS,
                              _pure.ROUTE_CALLABLE)


class Raises:
    """An expected exception: its type and, when not None, its message."""

    def __init__(self, exc_type, message=None):
        self.exc_type = exc_type
        self.message = message

    def __repr__(self):
        return 'Raises({}, {!r})'.format(self.exc_type.__name__,
                                         self.message)


def bad_utf8(what, position, reason='invalid start byte'):
    """The error of decoding invalid UTF-8; MicroPython only says
    UnicodeError, without a message."""
    if not CPYTHON:
        return Raises(UnicodeError)
    return Raises(UnicodeDecodeError,
                  "'utf-8' codec can't decode {} in position {}: {}".format(
                      what, position, reason))


def run_case(func, args):
    """Call ``func(*args)``; return ``('ok', result)`` or ``('error', type,
    message)``, so that two implementations can be compared."""
    try:
        return ('ok', func(*args))
    except Exception as exc:
        return ('error', type(exc), str(exc))


BAD_LINE = Raises(ValueError, 'invalid request line')
BAD_VERSION = Raises(ValueError, 'invalid HTTP version')
BAD_HEADER = Raises(ValueError, 'invalid header line')
BAD_NAME = Raises(ValueError, 'invalid header name')
FOLDED = Raises(ValueError, 'obsolete line folding')
BAD_CHAR = Raises(ValueError, 'invalid character in header')

REQUEST_LINES = [
    (b'GET / HTTP/1.1\r\n', ('GET', '/', '1.1')),
    (b'GET / HTTP/1.1', ('GET', '/', '1.1')),
    (b'GET / HTTP/1.1\n', ('GET', '/', '1.1')),
    (b'POST /a?b=c HTTP/1.0\r\n', ('POST', '/a?b=c', '1.0')),
    (b'  GET   /x   HTTP/1.0  \r\n', ('GET', '/x', '1.0')),
    (b'GET\t/\tHTTP/1.1', ('GET', '/', '1.1')),
    (b'GET\x0b/\x0cHTTP/2', ('GET', '/', '2')),
    (b'GET / HTTP/1.1\r\r', ('GET', '/', '1.1')),
    (b'get * HTTP/x', ('get', '*', 'x')),
    (b'OPTIONS * HTTP/1.0', ('OPTIONS', '*', '1.0')),
    (b'GETS / HTTP/1.12', ('GETS', '/', '1.12')),
    (b'PATCH /p HTTP/2.0', ('PATCH', '/p', '2.0')),
    (b'GET /a\x00b HTTP/1.1', BAD_LINE),
    (b'GET / HTTP/1.1\x00', BAD_LINE),
    (b'GET /a\x1cb HTTP/1.1', ('GET', '/a\x1cb', '1.1')),
    (b'GET /caf\xc3\xa9 HTTP/1.1', ('GET', '/caf\u00e9', '1.1')),
    (b'', BAD_LINE),
    (b'\n', BAD_LINE),
    (b'\r', BAD_LINE),
    (b'\r\n', BAD_LINE),
    (b'   ', BAD_LINE),
    (b'GET', BAD_LINE),
    (b'GET /', BAD_LINE),
    (b'GET / HTTP/1.1 extra', BAD_LINE),
    (b'GET /\r/ HTTP/1.1', BAD_LINE),
    (b'GET / HTTP/', BAD_VERSION),
    (b'GET / HTTP', BAD_VERSION),
    (b'GET / H', BAD_VERSION),
    (b'GET / http/1.1', BAD_VERSION),
    (b'GET / FTP/1.1', BAD_VERSION),
    (b'GET / HTTP/\xff', bad_utf8('byte 0xff', 0)),
    (b'G\xffT / HTTP/1.1', bad_utf8('byte 0xff', 1)),
    (b'\xa0GET / HTTP/1.1', bad_utf8('byte 0xa0', 0)),
    (b'GET /\xc3 HTTP/1.1', bad_utf8('byte 0xc3', 1,
                                     'unexpected end of data')),
    (b'GET / HTTP/1.1\x85', bad_utf8('byte 0x85', 3)),
    (b'GET /' + b'a' * BIG + b' HTTP/1.1\r\n',
     ('GET', '/' + 'a' * BIG, '1.1')),
]

HEADER_LINES = [
    (b'Host: example.com\r\n', ('Host', 'example.com')),
    (b'Host:example.com', ('Host', 'example.com')),
    (b'HOST: a', ('HOST', 'a')),
    (b'host: a', ('host', 'a')),
    (b'Hxst: a', ('Hxst', 'a')),
    (b'Hos: a', ('Hos', 'a')),
    (b'Hosts: a', ('Hosts', 'a')),
    (b'GET: a', ('GET', 'a')),
    (b'Sec-WebSocket-Extensions: x', ('Sec-WebSocket-Extensions', 'x')),
    (b'Upgrade-Insecure-Requests-X: 1', ('Upgrade-Insecure-Requests-X', '1')),
    (b'Host:   example.com   \r\n', ('Host', 'example.com')),
    (b'  Host: x\n', FOLDED),
    (b'\tHost: x\n', FOLDED),
    (b'\x0bHost: x', BAD_NAME),
    (b'X-Empty:', ('X-Empty', '')),
    (b'X-Empty:   \r\n', ('X-Empty', '')),
    (b'A: b: c', ('A', 'b: c')),
    (b'A:b:c', ('A', 'b:c')),
    (b'X: a\r\nb', BAD_CHAR),
    (b'X: a\rb', BAD_CHAR),
    (b'X: a\r\r\n', ('X', 'a')),
    (b'X:\ta\tb\t', ('X', 'a\tb')),
    (b'Na\x00me: x', BAD_CHAR),
    (b'A\x1cB: c', ('A\x1cB', 'c')),
    (b'X: a\x00\x01b', BAD_CHAR),
    (b'X: a\x01b', ('X', 'a\x01b')),
    (b'X: caf\xc3\xa9', ('X', 'caf\u00e9')),
    (b'', BAD_HEADER),
    (b'\r\n', BAD_HEADER),
    (b'\r', BAD_HEADER),
    (b'\n', BAD_HEADER),
    (b'NoColon', BAD_HEADER),
    (b'NoColon\r\n', BAD_HEADER),
    (b': value', BAD_NAME),
    (b'   : value', FOLDED),
    (b':', BAD_NAME),
    (b'Bad Name: x', BAD_NAME),
    (b'Bad\tName: x', BAD_NAME),
    (b'Name : x', BAD_NAME),
    (b'Na\x0bme: x', BAD_NAME),
    (b'Na\rme: x', BAD_CHAR),
    (b'X: \xff', bad_utf8('byte 0xff', 0)),
    (b'X: ok\xff\r\n', bad_utf8('byte 0xff', 2)),
    (b'\xff: x', bad_utf8('byte 0xff', 0)),
    (b'X\xc3: y', bad_utf8('byte 0xc3', 1, 'unexpected end of data')),
    (b'X-Big: ' + b'v' * BIG + b'\r\n', ('X-Big', 'v' * BIG)),
    (b'N' * BIG + b':1', ('N' * BIG, '1')),
]

_GET = b'GET / HTTP/1.1\r\n'
HEADS = [
    (_GET + b'Host: a\r\nX: y\r\n\r\n',
     ('GET', '/', '1.1', [('Host', 'a'), ('X', 'y')])),
    (_GET + b'\r\n', ('GET', '/', '1.1', [])),
    (_GET, ('GET', '/', '1.1', [])),
    (b'GET / HTTP/1.1', ('GET', '/', '1.1', [])),
    (b'GET / HTTP/1.1\nHost: a\nX: y\n\n',
     ('GET', '/', '1.1', [('Host', 'a'), ('X', 'y')])),
    (_GET + b'Host: a', ('GET', '/', '1.1', [('Host', 'a')])),
    (_GET + b'Host: a\n', ('GET', '/', '1.1', [('Host', 'a')])),
    (_GET + b'Host: a\r\n\r\nBody: not a header\r\n',
     ('GET', '/', '1.1', [('Host', 'a')])),
    (_GET + b'A: b\r\n\nC: d', ('GET', '/', '1.1', [('A', 'b')])),
    (_GET + b'A: b\n\rC: d', BAD_CHAR),
    (_GET + b'A: b\r\n\r\rC: d', BAD_CHAR),
    (_GET + b'A: b\rc\r\n\r\n', BAD_CHAR),
    (_GET + b'A: b\r\n c\r\n\r\n', FOLDED),
    (_GET + b'A: b\r\n\tc\r\n\r\n', FOLDED),
    (_GET + b'A: \x00\r\n\r\n', BAD_CHAR),
    (_GET + b'X: \x01\x02\r\n', ('GET', '/', '1.1', [('X', '\x01\x02')])),
    (_GET + b'A: 1\r\na: 2\r\nA: 3\r\n\r\n',
     ('GET', '/', '1.1', [('A', '1'), ('a', '2'), ('A', '3')])),
    (b'\r\nGET / HTTP/1.1\r\n', BAD_LINE),
    (b'', BAD_LINE),
    (b'\n', BAD_LINE),
    (b'\r', BAD_LINE),
    (b'\r\n\r\n', BAD_LINE),
    (b'GET /\r\nBad\r\n', BAD_LINE),
    (b'GET / HTTP/1.1 x\r\nHost: a\r\n', BAD_LINE),
    (b'GET / FTP\r\n', BAD_VERSION),
    (_GET + b' \r\nA: b\r\n\r\n', BAD_HEADER),
    (_GET + b'Bad\r\n\r\n', BAD_HEADER),
    (_GET + b'A: b\r\nBad', BAD_HEADER),
    (_GET + b'Bad Name: x\r\n', BAD_NAME),
    (_GET + b'X: \xff\r\n', bad_utf8('byte 0xff', 0)),
    (b'GET /\xff HTTP/1.1\r\nBad\r\n', bad_utf8('byte 0xff', 1)),
    (_GET + b'X: ' + b'v' * BIG + b'\r\n\r\n',
     ('GET', '/', '1.1', [('X', 'v' * BIG)])),
    (_GET + ''.join('H%d: %d\r\n' % (i, i)
                    for i in range(500)).encode() + b'\r\n',
     ('GET', '/', '1.1', [('H%d' % i, '%d' % i) for i in range(500)])),
]

# (data, pos) -> the index just past the empty line that ends the head;
# HEAD_END_CASES holds the head, and what follows it, apart
_POST = b'POST / HTTP/1.1\r\n\r\n'
_HEAD_END_CASES = [
    # (before pos, the head up to its end, after it)
    (b'', _GET + b'Host: a\r\n\r\n', b''),
    (b'', _GET + b'\r\n', b''),
    (b'', b'\r\n\r\n', b''),
    (b'', b'\n\n', b''),
    (b'', b'\n\r\n', b''),
    (b'', b'GET / HTTP/1.1\nHost: a\n\n', b''),
    (b'', b'GET / HTTP/1.1\nHost: a\n\r\n', b'body'),
    (b'', b'GET / HTTP/1.1\r\nHost: a\r\n\n', b'body'),
    (b'', _GET + b'Host: a\r\n\r\n', _POST),
    (_GET + b'Host: a\r\n\r\n', _POST, b''),
    (b'x' * 10, _GET + b'\r\n', b''),
    (b'a\n', b'\nb\r\n\r\n', b''),
    (b'a', b'\r\n\r\n', b''),
    (b'', _GET + b''.join(b'H%d: v\r\n' % i for i in range(300)) +
     b'\r\n', b'trailing'),
]
HEAD_ENDS = [((before + head + after, len(before)), len(before + head))
             for before, head, after in _HEAD_END_CASES] + [
    ((_GET, 0), -1),
    ((b'', 0), -1),
    ((b'\n', 0), -1),
    ((_GET + b'Host: a\r\n\r', 0), -1),
    ((_GET + b'Host: a\r\n', 0), -1),
    ((_GET + b'\r\n' + _POST, 18 + len(_POST)), -1),
    ((b'a\r\n\r\n', 3), -1),
    ((b'a\n\r\n', -3), 4),
    ((b'a\n\r\n', -100), 4),
    ((b'a\n\r\n', 100), -1),
]

URLDECODE = [
    ('', ''),
    (b'', ''),
    ('abc', 'abc'),
    (b'abc', 'abc'),
    ('a+b', 'a b'),
    (b'a+b', 'a b'),
    ('+', ' '),
    ('++', '  '),
    ('%20', ' '),
    (b'%20', ' '),
    ('%41%42', 'AB'),
    ('%', '%'),
    (b'%', '%'),
    ('a%', 'a%'),
    ('%4', '%4'),
    (b'%4', '%4'),
    ('%zz', '%zz'),
    ('%4g', '%4g'),
    ('%g4', '%g4'),
    ('%%41', '%A'),
    ('%%', '%%'),
    ('%2B', '+'),
    ('%2b', '+'),
    ('%+1', '% 1'),
    ('%2+', '%2 '),
    ('100%', '100%'),
    ('%00', '\x00'),
    ('a%0D%0Ab', 'a\r\nb'),
    ('\x01%01\x7f', '\x01\x01\x7f'),
    ('caf%C3%A9', 'caf\u00e9'),
    ('caf%c3%a9', 'caf\u00e9'),
    ('caf\u00e9', 'caf\u00e9'),
    ('caf\u00e9+%20x', 'caf\u00e9  x'),
    (b'caf\xc3\xa9', 'caf\u00e9'),
    ('%e2%82%ac', '\u20ac'),
    ('%FF', bad_utf8('byte 0xff', 0)),
    (b'%ff', bad_utf8('byte 0xff', 0)),
    ('ab%FF', bad_utf8('byte 0xff', 2)),
    ('%C3', bad_utf8('byte 0xc3', 0, 'unexpected end of data')),
    ('%C3%A9%C3', bad_utf8('byte 0xc3', 2, 'unexpected end of data')),
    ('%E2%82', bad_utf8('bytes', '0-1', 'unexpected end of data')),
    ('%C3%28', bad_utf8('byte 0xc3', 0, 'invalid continuation byte')),
    (b'\xff', bad_utf8('byte 0xff', 0)),
    (b'a+\xff', bad_utf8('byte 0xff', 2)),
    (b'%41\xff', bad_utf8('byte 0xff', 1)),
    ('a%20' * (BIG // 4), 'a ' * (BIG // 4)),
    (b'x' * BIG + b'%', 'x' * BIG + '%'),
    ('+' * BIG, ' ' * BIG),
    ('%41' * (BIG // 3), 'A' * (BIG // 3)),
]

URLENCODED = [
    ('', []),
    (b'', []),
    ('a=1', [('a', '1')]),
    (b'a=1', [('a', '1')]),
    ('a=1&b=2', [('a', '1'), ('b', '2')]),
    ('a=1&a=2', [('a', '1'), ('a', '2')]),
    ('a', [('a', '')]),
    (b'a', [('a', b'')]),
    ('a=', [('a', '')]),
    (b'a=', [('a', '')]),
    ('=', [('', '')]),
    ('=1', [('', '1')]),
    ('&', []),
    ('&&', []),
    ('a=1&&b=2&', [('a', '1'), ('b', '2')]),
    ('&a', [('a', '')]),
    ('a=b=c', [('a', 'b=c')]),
    ('a=1;b=2', [('a', '1;b=2')]),
    ('q=hello+world%21', [('q', 'hello world!')]),
    ('k%3D=v%26', [('k=', 'v&')]),
    ('%zz=%', [('%zz', '%')]),
    ('+=+', [(' ', ' ')]),
    ('a=\x00&\x01=b', [('a', '\x00'), ('\x01', 'b')]),
    ('x=caf%C3%A9&y=na%C3%AFve', [('x', 'caf\u00e9'), ('y', 'na\u00efve')]),
    ('\u043a=\u0437+\u0436', [('\u043a', '\u0437 \u0436')]),
    (b'k=caf\xc3\xa9', [('k', 'caf\u00e9')]),
    ('a=%FF', bad_utf8('byte 0xff', 0)),
    ('ok=1&a%C3=1', bad_utf8('byte 0xc3', 1, 'unexpected end of data')),
    (b'a=\xff', bad_utf8('byte 0xff', 0)),
    (b'\xff', bad_utf8('byte 0xff', 0)),
    (b'\xff=1', bad_utf8('byte 0xff', 0)),
    ('a=' + 'x' * BIG, [('a', 'x' * BIG)]),
    (b'a%20=' + b'%41' * (BIG // 3), [('a ', 'A' * (BIG // 3))]),
    ('&'.join('k%d=v+%d' % (i, i) for i in range(BIG // 16)),
     [('k%d' % i, 'v %d' % i) for i in range(BIG // 16)]),
]


def reference_mask(key, data):
    """The masking of RFC 6455, one byte at a time."""
    out = bytearray(len(data))
    for i in range(len(data)):
        out[i] = data[i] ^ key[i % 4]
    return bytes(out)


def _int(value):
    return int(value)


def _none(value):
    return None


SEGMENT_CASES = [
    (('a', 'b'), '/a/b', {}),
    (('a', 'b'), '/a/c', None),
    (('a', 'b'), '/a/b/', None),
    (('a',), '/a/', None),
    (('a', ''), '/a/', {}),
    ((), '/', None),
    (('',), '/', {}),
    (('a',), 'a', None),
    (('a',), '', None),
    (('a',), '//a', None),
    (((STR, 'name', None),), '/x', {'name': 'x'}),
    (((STR, 'name', None),), '/', None),
    (((STR, 'name', None),), '/x/y', None),
    (('u', (STR, 'n', None), 'e'), '/u/bob/e', {'n': 'bob'}),
    (('u', (STR, 'n', None), 'e'), '/u//e', None),
    (((INT, 'id', _int),), '/42', {'id': 42}),
    (((INT, 'id', None),), '/42', {'id': '42'}),
    (((INT, 'id', _int),), '/-7', {'id': -7}),
    (((INT, 'id', _int),), '/007', {'id': 7}),
    (((INT, 'id', _int),), '/-', None),
    (((INT, 'id', _int),), '/--1', None),
    (((INT, 'id', _int),), '/+5', None),
    (((INT, 'id', _int),), '/4a', None),
    (((INT, 'id', _int),), '/1.5', None),
    (((INT, 'id', _int),), '/ 1', None),
    (((INT, 'id', _int),), '/\u0663', None),
    (((INT, 'id', _int),), '/', None),
    (((STR, 'n', _none),), '/x', None),
    (((STR, 'x', None), (STR, 'x', None)), '/1/2', {'x': '2'}),
    (('files', (PATH, 'p', None)), '/files/a/b/c', {'p': 'a/b/c'}),
    (('files', (PATH, 'p', None)), '/files/a', {'p': 'a'}),
    (('files', (PATH, 'p', None)), '/files/', None),
    (('files', (PATH, 'p', None)), '/files', None),
    (('files', (PATH, 'p', None)), '/files//', {'p': '/'}),
    (((PATH, 'p', None), 'end'), '/a/end/b/end', {'p': 'a/end/b'}),
    (((PATH, 'p', None), (STR, 'n', None)), '/a/b/c',
     {'p': 'a/b', 'n': 'c'}),
    (((PATH, 'a', None), (PATH, 'b', None)), '/x/y/z',
     {'a': 'x/y', 'b': 'z'}),
    (((PATH, 'a', None), (PATH, 'b', None)), '/x//', {'a': 'x', 'b': '/'}),
    (((PATH, 'p', None), (INT, 'n', _int), 'x'), '/a/b/7/x',
     {'p': 'a/b', 'n': 7}),
    (((PATH, 'p', None), (INT, 'n', _int)), '/a/1/b', None),
    (((PATH, 'p', _none),), '/a/b', None),
    (('caf\u00e9', (STR, 's', None)), '/caf\u00e9/\u20ac', {'s': '\u20ac'}),
    (('a%20b',), '/a%20b', {}),
    (('a b',), '/a%20b', None),
    (('x', (STR, 's', None)), '/x/\x00\x01', {'s': '\x00\x01'}),
    (((STR, 's', None),), '/' + 'a' * BIG, {'s': 'a' * BIG}),
    (('a',) * 100, '/a' * 100, {}),
    (('a',) * 100, '/a' * 99 + '/b', None),
    (('a',) * 99 + ((STR, 'last', None),), '/a' * 100, {'last': 'a'}),
    (((PATH, 'p', None), 'z'), '/a' * 3000 + '/z',
     {'p': '/'.join(['a'] * 3000)}),
]

_A, _B, _C = (PATH, 'a', None), (PATH, 'b', None), (PATH, 'c', None)
_MULTI = ('multi', _A, _B, _C, 'end')

#: Path items: greedy from the left, as the regular expression '.+' is, and
#: with a bounded cost (the last cases backtracked for minutes, or recursed
#: once per path item until the stack overflowed).
GREEDY_CASES = [
    ((_A, 'x', _B), '/x/x/x/x', {'a': 'x/x', 'b': 'x'}),
    ((_A, (STR, 's', None), _B), '/a/b/c/d', {'a': 'a/b', 's': 'c', 'b': 'd'}),
    ((_A, _B), '//x', None),
    ((_A, 'x'), '//x', None),
    ((_A, 'x'), '///x', {'a': '/'}),
    ((_A, (INT, 'n', _int)), '/1/2/3', {'a': '1/2', 'n': 3}),
    ((_A, (INT, 'n', _int), _B), '/1/x/2/y/3/z',
     {'a': '1/x/2/y', 'n': 3, 'b': 'z'}),
    ((_A, 'b', _C), '/b/b/b', {'a': 'b', 'c': 'b'}),
    ((_A, _B, _C), '/a/b', None),
    ((_A, _B, _C), '/a/b/c/d/e', {'a': 'a/b/c', 'b': 'd', 'c': 'e'}),
    ((_A, _B, _C), '/a//b', None),
    ((_A, _B, _C), '///', None),
    (('x', _A, 'x', _B, 'x'), '/x/x/x/x/x/x', {'a': 'x/x', 'b': 'x'}),
    ((_A, '', _B), '/a//b', {'a': 'a', 'b': 'b'}),
    ((_A, '', _B), '/a///b', {'a': 'a/', 'b': 'b'}),
    ((_A, (STR, 's', None), _B), '/a//b/c', {'a': 'a/', 's': 'b', 'b': 'c'}),
    ((_A, (INT, 'n', None), _B), '/1/-/2/x/y',
     {'a': '1/-', 'n': '2', 'b': 'x/y'}),
    (_MULTI, '/multi' + '/a' * 900 + '/end',
     {'a': '/'.join(['a'] * 898), 'b': 'a', 'c': 'a'}),
    (_MULTI, '/multi' + '/a' * 900, None),
    (_MULTI, '/multi' + '/a' * 900 + '/end/x', None),
    (((PATH, 'p', None), 'end'), '/a' * 1000, None),
    (((PATH, 'p', None), 'end'), '/a' * 8000, None),
    (((PATH, 'p', None), 'end'), '/a' * 8000 + '/end',
     {'p': '/'.join(['a'] * 8000)}),
    ((_A,) + ('x',) * 50 + ('y', _B), '/x' * 1000, None),
    ((_A,) + ('x',) * 50 + ('y', _B), '/x' * 1000 + '/y/z',
     {'a': '/'.join(['x'] * 950), 'b': 'z'}),
]


def deep_spec(n, literal=None):
    """A spec of n path items named p0, p1, ..., with the literal between
    them when given."""
    spec = []
    for k in range(n):
        if literal is not None and k:
            spec.append(literal)
        spec.append((PATH, 'p%d' % k, None))
    return tuple(spec)


def deep_args(n, first):
    """The arguments of deep_spec(n) when p0 is first and every other item
    one 'a'."""
    args = {'p%d' % k: 'a' for k in range(1, n)}
    args['p0'] = first
    return args


class TwinChecks:
    """Helpers shared by the mixins; ``impl`` is the module under test."""
    impl = _pure

    def check(self, func, args, expected):
        if isinstance(expected, Raises):
            with self.assertRaises(expected.exc_type) as cm:
                func(*args)
            if CPYTHON:
                self.assertIs(type(cm.exception), expected.exc_type)
            if expected.message is not None:
                self.assertEqual(str(cm.exception), expected.message)
        else:
            result = func(*args)
            self.assertEqual(result, expected)
            self.assertIs(type(result), type(expected))

    def check_corpus(self, func, corpus):
        for args, expected in corpus:
            if not isinstance(args, tuple):
                args = (args,)
            with self.subTest(args=args):
                self.check(func, args, expected)


class ParseRequestLineChecks(TwinChecks):
    def test_corpus(self):
        self.check_corpus(self.impl.parse_request_line, REQUEST_LINES)

    def test_fields_are_str(self):
        for field in self.impl.parse_request_line(b'GET / HTTP/1.1'):
            self.assertIs(type(field), str)


class ParseHeaderLineChecks(TwinChecks):
    def test_corpus(self):
        self.check_corpus(self.impl.parse_header_line, HEADER_LINES)

    def test_value_keeps_inner_white_space(self):
        self.assertEqual(self.impl.parse_header_line(b'A:  x  y  '),
                         ('A', 'x  y'))


class ParseHeadChecks(TwinChecks):
    def test_corpus(self):
        self.check_corpus(self.impl.parse_head, HEADS)

    def test_browser_head(self):
        head = (b'GET /items?id=5 HTTP/1.1\r\nHost: localhost:5000\r\n'
                b'User-Agent: Mozilla/5.0\r\nAccept: */*\r\n'
                b'Cookie: a=1; b=2\r\n\r\n')
        self.assertEqual(self.impl.parse_head(head), (
            'GET', '/items?id=5', '1.1', [
                ('Host', 'localhost:5000'), ('User-Agent', 'Mozilla/5.0'),
                ('Accept', '*/*'), ('Cookie', 'a=1; b=2')]))

    def test_agrees_with_line_parsers(self):
        head = b'PUT /x HTTP/1.0\r\nA: 1\r\nB:2\r\n\r\n'
        lines = head.split(b'\r\n')
        self.assertEqual(
            self.impl.parse_head(head),
            self.impl.parse_request_line(lines[0]) +
            ([self.impl.parse_header_line(lines[1]),
              self.impl.parse_header_line(lines[2])],))


class HeadEndChecks(TwinChecks):
    def test_corpus(self):
        self.check_corpus(self.impl.head_end, HEAD_ENDS)

    def test_agrees_with_parse_head(self):
        # the head up to head_end() is what parse_head() reads
        data = _GET + b'A: 1\r\nB: 2\r\n\r\nNot: a header\r\n\r\n'
        end = self.impl.head_end(data)
        self.assertEqual(self.impl.parse_head(data[:end]),
                         self.impl.parse_head(data))


class UrldecodeChecks(TwinChecks):
    def test_corpus(self):
        self.check_corpus(self.impl.urldecode, URLDECODE)

    def test_every_escape(self):
        for i in range(128):
            for text in ('%{:02x}'.format(i), '%{:02X}'.format(i)):
                self.assertEqual(self.impl.urldecode(text), chr(i))
                self.assertEqual(self.impl.urldecode(text.encode()), chr(i))

    def test_non_hex_after_percent(self):
        for c in 'gGzZ/:@`~ -_.':
            self.assertEqual(self.impl.urldecode('%' + c + '1'),
                             '%' + c + '1')
            self.assertEqual(self.impl.urldecode('%1' + c), '%1' + c)


class ParseUrlencodedChecks(TwinChecks):
    def test_corpus(self):
        self.check_corpus(self.impl.parse_urlencoded, URLENCODED)

    def test_pieces_decode_like_urldecode(self):
        data = 'a+b=%41%zz&%C3%A9=+&x'
        self.assertEqual(self.impl.parse_urlencoded(data), [
            (self.impl.urldecode('a+b'), self.impl.urldecode('%41%zz')),
            (self.impl.urldecode('%C3%A9'), self.impl.urldecode('+')),
            ('x', '')])


MASK_KEY = b'\x37\xfa\x21\x3d'
MASK_SIZES = (0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 125, 126, 127, 1000,
              65535, 65536)


def _payload(n):
    # every byte value, in a pattern that does not repeat every 4 bytes
    return bytes((i * 7 + (i >> 8)) & 0xff for i in range(n))


class MaskChecks(TwinChecks):
    def test_sizes(self):
        for n in MASK_SIZES:
            data = _payload(n)
            with self.subTest(n=n):
                masked = self.impl.mask(MASK_KEY, data)
                self.assertIs(type(masked), bytes)
                self.assertEqual(masked, reference_mask(MASK_KEY, data))
                self.assertEqual(self.impl.mask(MASK_KEY, masked), data)

    def test_huge_payload(self):
        # 1 MiB, or as much as a small MicroPython heap can mask (the pure
        # twin holds a few copies of the payload at once)
        data = _payload(1024 * 1024 if CPYTHON else 96 * 1024 + 3)
        masked = self.impl.mask(MASK_KEY, data)
        self.assertEqual(len(masked), len(data))
        self.assertEqual(masked, reference_mask(MASK_KEY, data))

    def test_zero_key_is_identity(self):
        data = _payload(301)
        self.assertEqual(self.impl.mask(b'\x00\x00\x00\x00', data), data)

    def test_ff_key_inverts(self):
        data = _payload(67)
        self.assertEqual(self.impl.mask(b'\xff\xff\xff\xff', data),
                         bytes(255 - b for b in data))

    def test_buffer_types(self):
        data = _payload(37)
        expected = reference_mask(MASK_KEY, data)
        for key in (MASK_KEY, bytearray(MASK_KEY), memoryview(MASK_KEY),
                    list(MASK_KEY)):
            for payload in (data, bytearray(data), memoryview(data)):
                result = self.impl.mask(key, payload)
                self.assertIs(type(result), bytes)
                self.assertEqual(result, expected)

    def test_memoryview_slice(self):
        data = _payload(50)
        view = memoryview(data)[3:40]
        self.assertEqual(self.impl.mask(MASK_KEY, view),
                         reference_mask(MASK_KEY, data[3:40]))

    def test_empty_payload(self):
        self.assertEqual(self.impl.mask(MASK_KEY, b''), b'')
        self.assertEqual(self.impl.mask(MASK_KEY, bytearray()), b'')

    def test_bad_key_length(self):
        for key in (b'', b'abc', b'abcde', bytearray(8)):
            self.check(self.impl.mask, (key, b'data'),
                       Raises(ValueError, 'masking key must be 4 bytes long'))
        # the key is checked even when there is nothing to mask
        self.check(self.impl.mask, (b'ab', b''),
                   Raises(ValueError, 'masking key must be 4 bytes long'))

    def test_input_not_modified(self):
        data = bytearray(_payload(20))
        copy = bytes(data)
        self.impl.mask(MASK_KEY, data)
        self.assertEqual(bytes(data), copy)


class MatchSegmentsChecks(TwinChecks):
    def test_corpus(self):
        for spec, path, expected in SEGMENT_CASES + GREEDY_CASES:
            with self.subTest(spec=spec[:5], path=path[:40]):
                self.assertEqual(self.impl.match_segments(spec, path),
                                 expected)

    def test_deep_specs(self):
        # no recursion: as many path items as the heap allows
        spec = deep_spec(DEEP)
        match = self.impl.match_segments
        self.assertEqual(match(spec, '/a' * DEEP), deep_args(DEEP, 'a'))
        self.assertEqual(match(spec, '/a' * (DEEP + 2)),
                         deep_args(DEEP, 'a/a/a'))
        self.assertIsNone(match(spec, '/a' * (DEEP - 1)))
        self.assertIsNone(match(spec, '/a' * (DEEP - 1) + '/'))
        self.assertIsNone(match(spec, 'a' * DEEP))
        spec = deep_spec(DEEP // 10, 'x')
        path = '/a/x' * (DEEP // 10 - 1) + '/a'
        self.assertEqual(match(spec, path), deep_args(DEEP // 10, 'a'))
        self.assertEqual(match(spec, path + '/x'),
                         dict(deep_args(DEEP // 10, 'a'),
                              **{'p%d' % (DEEP // 10 - 1): 'a/x'}))
        self.assertIsNone(match(spec, path.replace('x', 'y')))
        self.assertEqual(match(spec, '/a/x' + path),
                         deep_args(DEEP // 10, 'a/x/a'))

    def test_deep_spec_router(self):
        router = self.impl.Router()
        router.add(['GET'], SEGMENTS, deep_spec(DEEP // 10, 'x'))
        router.add(['GET'], SEGMENTS, deep_spec(DEEP // 10))
        path = '/a/x' * (DEEP // 10 - 1) + '/a'
        self.assertEqual(router.lookup('GET', path),
                         (0, 0, deep_args(DEEP // 10, 'a')))
        self.assertEqual(router.lookup('GET', '/a' * (DEEP // 10)),
                         (1, 1, deep_args(DEEP // 10, 'a')))

    def test_parsers_called_after_a_match_in_order(self):
        calls = []

        def parser(tag):
            def parse(value):
                calls.append((tag, value))
                return value.upper()
            return parse

        spec = ('a', (STR, 'x', parser(1)), (PATH, 'p', parser(2)), 'z')
        self.assertEqual(self.impl.match_segments(spec, '/a/b/c/d/z'),
                         {'x': 'B', 'p': 'C/D'})
        self.assertEqual(calls, [(1, 'b'), (2, 'c/d')])
        del calls[:]
        self.assertIsNone(self.impl.match_segments(spec, '/a/b/c/d/y'))
        self.assertEqual(calls, [])

    def test_parser_returning_none_stops(self):
        calls = []

        def first(value):
            calls.append(value)

        spec = ((STR, 'a', first), (STR, 'b', first))
        self.assertIsNone(self.impl.match_segments(spec, '/x/y'))
        self.assertEqual(calls, ['x'])

    def test_parser_errors_propagate(self):
        class Boom(Exception):
            pass

        def boom(value):
            raise Boom(value)

        with self.assertRaises(Boom):
            self.impl.match_segments(((STR, 'a', boom),), '/x')

    def test_falsy_parser_results_are_kept(self):
        self.assertEqual(self.impl.match_segments(
            ((INT, 'n', _int), (STR, 's', lambda v: '')), '/0/x'),
            {'n': 0, 's': ''})


def _table(impl, calls=None):
    """A route table with every kind of route; see RouterChecks."""
    def regex_like(path):
        if calls is not None:
            calls.append(path)
        if path.startswith('/re/'):
            return {'all': path}
        return None

    router = impl.Router()
    router.add(['GET'], STATIC, '/')                                 # 0
    router.add(['GET'], SEGMENTS, ('users', (INT, 'id', _int)))       # 1
    router.add(['GET', 'POST'], SEGMENTS, ('users', (STR, 'n', None)))  # 2
    router.add(['POST'], STATIC, '/users/new')                       # 3
    router.add(['GET'], CALLABLE, regex_like)                        # 4
    router.add(['GET'], SEGMENTS, ('files', (PATH, 'p', None)))      # 5
    router.add(('POST',), STATIC, '/')                               # 6
    return router


ROUTER_LOOKUPS = [
    ('GET', '/', (0, 0, {})),
    ('POST', '/', (6, 6, {})),
    ('PUT', '/', (-1, 6, None)),
    ('GET', '/users/42', (1, 1, {'id': 42})),
    ('POST', '/users/42', (2, 2, {'n': '42'})),
    ('GET', '/users/bob', (2, 2, {'n': 'bob'})),
    ('POST', '/users/new', (2, 2, {'n': 'new'})),
    ('DELETE', '/users/new', (-1, 3, None)),
    ('DELETE', '/users/7', (-1, 2, None)),
    ('GET', '/users/', (-1, -1, None)),
    ('GET', '/users/42/', (-1, -1, None)),
    ('GET', '/nope', (-1, -1, None)),
    ('GET', 'nope', (-1, -1, None)),
    ('GET', '', (-1, -1, None)),
    ('GET', '/re/x/y', (4, 4, {'all': '/re/x/y'})),
    ('POST', '/re/x', (-1, 4, None)),
    ('GET', '/files/a/b', (5, 5, {'p': 'a/b'})),
    ('GET', '/files/' + 'd/' * 2000 + 'f',
     (5, 5, {'p': 'd/' * 2000 + 'f'})),
    ('GET', '/' + 'x/' * 100, (-1, -1, None)),
    ('GET', '/caf\u00e9', (-1, -1, None)),
    ('get', '/', (-1, 6, None)),
]


def _tree_table(impl):
    """Routes whose literal and dynamic branches overlap in the tree."""
    router = impl.Router()
    router.add(['GET'], SEGMENTS, ((STR, 'a', None), 'x'))            # 0
    router.add(['GET'], SEGMENTS, ('y', (STR, 'b', None)))            # 1
    router.add(['GET'], STATIC, '/y/x')                                # 2
    router.add(['POST'], SEGMENTS, ((PATH, 'p', None), 'x'))          # 3
    router.add(['GET'], SEGMENTS, ('y', (PATH, 'p', None)))           # 4
    router.add(['PUT'], SEGMENTS, ((INT, 'n', _int), (STR, 'c', None)))  # 5
    router.add(['GET'], SEGMENTS, ('y', 'x'))                          # 6
    router.add(['DELETE'], SEGMENTS, ((PATH, 'p', None),
                                      (STR, 'last', None)))           # 7
    router.add(['GET'], SEGMENTS, ('y', (PATH, 'p', None), '', 'x'))  # 8
    return router


TREE_MATCHES = [
    ('/y/x', [(0, {'a': 'y'}), (1, {'b': 'x'}), (2, {}), (3, {'p': 'y'}),
              (4, {'p': 'x'}), (6, {}), (7, {'p': 'y', 'last': 'x'})]),
    ('/5/x', [(0, {'a': '5'}), (3, {'p': '5'}), (5, {'n': 5, 'c': 'x'}),
              (7, {'p': '5', 'last': 'x'})]),
    ('/y/a/b/x', [(3, {'p': 'y/a/b'}), (4, {'p': 'a/b/x'}),
                  (7, {'p': 'y/a/b', 'last': 'x'})]),
    ('/y/a//x', [(3, {'p': 'y/a/'}), (4, {'p': 'a//x'}),
                 (7, {'p': 'y/a/', 'last': 'x'}), (8, {'p': 'a'})]),
    ('//x', []),
    ('/y/', []),
    ('/y//', [(4, {'p': '/'})]),
    ('/', []),
    ('x', []),
]

TREE_LOOKUPS = [
    ('PUT', '/5/x', (5, 5, {'n': 5, 'c': 'x'})),
    ('PATCH', '/y/x', (-1, 7, None)),
    ('POST', '/a/b/x', (3, 3, {'p': 'a/b'})),
    ('GET', '/a/b/x', (-1, 7, None)),
    ('GET', '/y/x', (0, 0, {'a': 'y'})),
    ('DELETE', '/y/x', (7, 7, {'p': 'y', 'last': 'x'})),
    ('GET', '/y/a//x', (4, 4, {'p': 'a//x'})),
    ('GET', '/z/y', (-1, 7, None)),
    ('GET', '/z', (-1, -1, None)),
]

ROUTER_MATCHES = [
    ('/', [(0, {}), (6, {})]),
    ('/users/new', [(2, {'n': 'new'}), (3, {})]),
    ('/users/5', [(1, {'id': 5}), (2, {'n': '5'})]),
    ('/re/', [(4, {'all': '/re/'})]),
    ('/nope', []),
    ('nope', []),
    ('', []),
]


class RouterChecks(TwinChecks):
    def test_lookup(self):
        router = _table(self.impl)
        for method, path, expected in ROUTER_LOOKUPS:
            with self.subTest(method=method, path=path[:40]):
                self.assertEqual(router.lookup(method, path), expected)

    def test_matches(self):
        router = _table(self.impl)
        for path, expected in ROUTER_MATCHES:
            with self.subTest(path=path):
                self.assertEqual(router.matches(path), expected)

    def test_add_returns_index_and_records_entry(self):
        router = self.impl.Router()
        self.assertEqual(router.add(['GET'], STATIC, '/a'), 0)
        self.assertEqual(router.add(['GET', 'PUT'], SEGMENTS,
                                    ((STR, 'x', None),)), 1)
        self.assertEqual(router.entries, [
            (('GET',), STATIC, '/a'),
            (('GET', 'PUT'), SEGMENTS, ((STR, 'x', None),))])
        self.assertEqual(router.static, {'/a': (0,)})
        router.add(['GET'], SEGMENTS, ('a', (PATH, 'p', None), 'z'))
        router.add(['GET'], SEGMENTS, ('a', (INT, 'n', None)))
        router.add(['GET'], SEGMENTS, ('a', (PATH, 'p', None)))
        router.add(['GET'], CALLABLE, _none)
        router.add(['GET'], SEGMENTS, ('a', (STR, 'n', None)))
        router.add(['GET'], STATIC, '/a')
        self.assertEqual(router.always, [5])
        self.assertEqual(router.static, {'/a': (0, 7)})
        # literals lead to the next node, 0 follows a dynamic item, 1 holds
        # the routes ending there, 2 those whose path item comes next
        self.assertEqual(router.tree, {
            0: {1: (1,)},
            'a': {0: {1: (3, 6)}, 2: {'z': (2,), None: (4,)}}})

    def test_bad_spec_is_refused(self):
        router = self.impl.Router()
        with self.assertRaises(TypeError):
            router.add(['GET'], SEGMENTS, ('a', 5))
        with self.assertRaises(TypeError):
            router.add(None, STATIC, '/x')
        self.assertEqual(router.entries, [])
        self.assertEqual(router.static, {})
        self.assertEqual(router.add(['GET'], STATIC, '/x'), 0)

    def test_invalid_kind(self):
        router = self.impl.Router()
        for kind in (3, -1, None, 'static'):
            self.check(router.add, (['GET'], kind, '/'),
                       Raises(ValueError, 'invalid route kind'))
        self.assertEqual(router.entries, [])
        self.assertEqual(router.static, {})

    def test_routes_added_after_lookups(self):
        router = _table(self.impl)
        self.assertEqual(router.lookup('GET', '/late'), (-1, -1, None))
        self.assertEqual(router.lookup('GET', '/users/late/x'),
                         (-1, -1, None))
        router.add(['GET'], STATIC, '/late')
        router.add(['GET'], SEGMENTS, ('users', (STR, 'n', None), 'x'))
        self.assertEqual(router.lookup('GET', '/late'), (7, 7, {}))
        self.assertEqual(router.lookup('GET', '/users/late/x'),
                         (8, 8, {'n': 'late'}))

    def test_tree_lookup(self):
        router = _tree_table(self.impl)
        for method, path, expected in TREE_LOOKUPS:
            with self.subTest(method=method, path=path[:40]):
                self.assertEqual(router.lookup(method, path), expected)

    def test_tree_matches(self):
        router = _tree_table(self.impl)
        for path, expected in TREE_MATCHES:
            with self.subTest(path=path[:40]):
                self.assertEqual(router.matches(path), expected)

    def test_many_routes_keep_their_order(self):
        router = self.impl.Router()
        router.add(['POST'], SEGMENTS, ((PATH, 'p', None), 'detail'))
        n = 2000 if CPYTHON else 200
        for k in range(n):
            router.add(['GET'], STATIC, '/static%d' % k)
            router.add(['GET'], SEGMENTS,
                       ('items%d' % k, (INT, 'id', _int), 'detail'))
        router.add(['GET', 'PUT'], SEGMENTS, ((STR, 'a', None),
                                              (STR, 'b', None), 'detail'))
        last = 2 * n
        self.assertEqual(router.lookup('GET', '/items%d/5/detail' % (n - 1)),
                         (last, last, {'id': 5}))
        self.assertEqual(router.lookup('GET', '/items0/-5/detail'),
                         (2, 2, {'id': -5}))
        self.assertEqual(router.lookup('PUT', '/items0/5/detail'),
                         (last + 1, last + 1, {'a': 'items0', 'b': '5'}))
        self.assertEqual(router.lookup('GET', '/items0/x/detail'),
                         (last + 1, last + 1, {'a': 'items0', 'b': 'x'}))
        self.assertEqual(router.lookup('DELETE', '/items0/5/detail'),
                         (-1, last + 1, None))
        self.assertEqual(router.lookup('GET', '/static%d' % (n - 1)),
                         (last - 1, last - 1, {}))
        self.assertEqual(router.matches('/items7/1/detail'), [
            (0, {'p': 'items7/1'}), (16, {'id': 1}),
            (last + 1, {'a': 'items7', 'b': '1'})])
        self.assertEqual(router.lookup('GET', '/items%d/5/detail' % n),
                         (last + 1, last + 1, {'a': 'items%d' % n, 'b': '5'}))
        self.assertEqual(router.lookup('GET', '/items1/5/other'),
                         (-1, -1, None))

    def test_first_route_wins(self):
        router = self.impl.Router()
        router.add(['GET'], SEGMENTS, ((STR, 'a', None),))
        router.add(['GET'], STATIC, '/x')
        router.add(['GET'], SEGMENTS, ((PATH, 'p', None),))
        self.assertEqual(router.lookup('GET', '/x'), (0, 0, {'a': 'x'}))
        self.assertEqual(router.matches('/x'),
                         [(0, {'a': 'x'}), (1, {}), (2, {'p': 'x'})])

    def test_callable_gets_whole_path_once_per_candidate(self):
        calls = []
        router = _table(self.impl, calls)
        router.lookup('GET', '/users/42')
        self.assertEqual(calls, [])  # route 1 matched before route 4
        router.lookup('PUT', '/users/42')
        self.assertEqual(calls, ['/users/42'])
        router.matches('/re/a')
        self.assertEqual(calls, ['/users/42', '/re/a'])
        router.lookup('GET', 'no-slash')
        self.assertEqual(len(calls), 2)

    def test_parser_calls(self):
        calls = []

        def parse(value):
            calls.append(value)
            return int(value) if value.isdigit() else None

        router = self.impl.Router()
        router.add(['GET'], SEGMENTS, ('n', (STR, 'v', parse)))
        router.add(['GET'], SEGMENTS, ('n', (STR, 'v', None)))
        self.assertEqual(router.lookup('GET', '/n/12'), (0, 0, {'v': 12}))
        self.assertEqual(router.lookup('GET', '/n/ab'), (1, 1, {'v': 'ab'}))
        self.assertEqual(calls, ['12', 'ab'])

    def test_empty_router(self):
        router = self.impl.Router()
        self.assertEqual(router.lookup('GET', '/'), (-1, -1, None))
        self.assertEqual(router.matches('/'), [])


class PureParseRequestLineTests(ParseRequestLineChecks, unittest.TestCase):
    impl = _pure


class PureParseHeaderLineTests(ParseHeaderLineChecks, unittest.TestCase):
    impl = _pure


class PureParseHeadTests(ParseHeadChecks, unittest.TestCase):
    impl = _pure


class PureHeadEndTests(HeadEndChecks, unittest.TestCase):
    pass


class PureUrldecodeTests(UrldecodeChecks, unittest.TestCase):
    impl = _pure


class PureParseUrlencodedTests(ParseUrlencodedChecks, unittest.TestCase):
    impl = _pure


class PureMaskTests(MaskChecks, unittest.TestCase):
    impl = _pure


class PureMatchSegmentsTests(MatchSegmentsChecks, unittest.TestCase):
    impl = _pure


class PureRouterTests(RouterChecks, unittest.TestCase):
    impl = _pure
