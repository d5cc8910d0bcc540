"""WebSocket tests without a network: through the test client, and by
feeding hand-built frames to the request machinery. Runs on CPython and
MicroPython."""
import asyncio
import time
import unittest

from microdot import Microdot, Request
from microdot.test_client import TestClient
from microdot.websocket import WebSocket, WebSocketError, with_websocket, \
    websocket_upgrade

KEY = 'dGhlIHNhbXBsZSBub25jZQ=='
# the accept value that RFC 6455 (section 1.3) gives for KEY
ACCEPT = b's3pPLMBiTxaQ9kYGzzhZRbK+xOo='


def _run(coro):
    return asyncio.run(coro)


def _frame(opcode, payload, fin=True, masked=True, rsv=0,
           key=b'\x09\xa1\x77\x3c'):
    # a client frame built independently of the code under test
    if isinstance(payload, str):
        payload = payload.encode()
    first = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    if n < 126:
        head = bytes((first, n | (0x80 if masked else 0)))
    elif n < 65536:
        head = bytes((first, 126 | (0x80 if masked else 0))) + \
            n.to_bytes(2, 'big')
    else:
        head = bytes((first, 127 | (0x80 if masked else 0))) + \
            n.to_bytes(8, 'big')
    if not masked:
        return head + payload
    body = bytearray(payload)  # XOR in place: small boards lack the RAM
    for i in range(len(body)):  # for a list of ints
        body[i] ^= key[i % 4]
    return head + key + bytes(body)


def _parse_frames(data):
    # server frames -> [(fin, opcode, payload)]
    frames = []
    i = 0
    while i < len(data):
        fin = bool(data[i] & 0x80)
        opcode = data[i] & 0x0f
        n = data[i + 1] & 0x7f
        i += 2
        if n == 126:
            n = int.from_bytes(data[i:i + 2], 'big')
            i += 2
        elif n == 127:
            n = int.from_bytes(data[i:i + 8], 'big')
            i += 8
        frames.append((fin, opcode, data[i:i + n]))
        i += n
    return frames


class _Reader:
    # a strict stream over fixed bytes: readexactly raises at the end
    def __init__(self, data):
        self.data = data
        self.pos = 0

    async def readline(self):
        end = self.data.find(b'\n', self.pos)
        end = len(self.data) if end < 0 else end + 1
        line = self.data[self.pos:end]
        self.pos = end
        return line

    async def read(self, n=-1):
        end = len(self.data) if n < 0 else self.pos + n
        chunk = self.data[self.pos:end]
        self.pos += len(chunk)
        return chunk

    async def readexactly(self, n):
        if self.pos + n > len(self.data):
            self.pos = len(self.data)
            raise EOFError('end of stream')
        return await self.read(n)


class _StallReader(_Reader):
    # a client that sends its bytes, then nothing more, without closing
    async def read(self, n=-1):
        if self.pos >= len(self.data):
            await asyncio.sleep(3600)
        return await super().read(n)

    async def readexactly(self, n):
        if self.pos + n > len(self.data):
            await asyncio.sleep(3600)
        return await super().read(n)


def _now():
    # seconds, on CPython and MicroPython
    ticks_ms = getattr(time, 'ticks_ms', None)
    return ticks_ms() / 1000 if ticks_ms else time.monotonic()


class _Writer:
    def __init__(self):
        self.data = b''

    async def awrite(self, data):
        self.data += bytes(data)

    async def aclose(self):
        pass


def _upgrade_head(path='/ws', extra=''):
    return ('GET {} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n'
            'Connection: Upgrade\r\nSec-WebSocket-Key: {}\r\n'
            'Sec-WebSocket-Version: 13\r\n{}\r\n').format(
                path, KEY, extra).encode()


_LAST = {}


async def _session(app, frames, path='/ws', reader_class=_Reader):
    """Send an upgrade request followed by frames; return (head, frames)
    written by the server."""
    writer = _Writer()
    reader = reader_class(_upgrade_head(path) + b''.join(frames))
    req = await Request.create(app, reader, writer, ('127.0.0.1', 1234))
    res = await app.dispatch_request(req)
    head, _, rest = writer.data.partition(b'\r\n\r\n')
    _LAST['reader'] = reader
    return head, _parse_frames(rest), res


def _close_code(frame):
    fin, opcode, payload = frame
    assert opcode == WebSocket.CLOSE
    return int.from_bytes(payload[:2], 'big')


def _echo_app(log=None):
    app = Microdot()

    @app.route('/ws')
    @with_websocket
    async def echo(request, ws):
        try:
            while True:
                msg = await ws.receive()
                if isinstance(msg, str) and msg == 'bye':
                    break
                await ws.send(msg)
        except WebSocketError as exc:
            if log is not None:
                log.append(str(exc))
            raise

    return app


class TestWebSocketTestClient(unittest.TestCase):
    def setUp(self):
        self.saved = WebSocket.max_message_length

    def tearDown(self):
        WebSocket.max_message_length = self.saved

    def test_echo_text_and_binary(self):
        log = []
        app = _echo_app(log)
        got = []

        def client():
            got.append((yield 'hello'))
            got.append((yield b'\x00\x01\xff'))
            got.append((yield 'é ü'))

        res = _run(TestClient(app).websocket('/ws', client))
        self.assertEqual(got, ['hello', b'\x00\x01\xff', 'é ü'])
        self.assertIsNone(res.status_code)  # already handled
        # the generator ended: receive() reported the closed connection
        self.assertEqual(log, ['Websocket connection closed'])

    def test_async_generator_client_and_large_message(self):
        WebSocket.max_message_length = 0
        app = _echo_app()
        big = 'x' * 70000  # uses the 64-bit length form
        got = []

        async def client():
            got.append((yield big))
            got.append((yield 'y' * 126))  # uses the 16-bit length form

        _run(TestClient(app).websocket('/ws', client))
        self.assertEqual(got, [big, 'y' * 126])

    def test_handler_ends_connection(self):
        app = _echo_app()
        got = []

        def client():
            got.append((yield 'one'))
            yield 'bye'
            got.append('not reached')

        _run(TestClient(app).websocket('/ws', client))
        self.assertEqual(got, ['one'])

    def test_bad_handshakes(self):
        app = _echo_app()
        client = TestClient(app)
        good = {'Upgrade': 'websocket', 'Connection': 'keep-alive, Upgrade',
                'Sec-WebSocket-Key': KEY}
        cases = [
            ('Upgrade', None), ('Upgrade', 'h2c'),
            ('Connection', None), ('Connection', 'keep-alive'),
            ('Sec-WebSocket-Key', None), ('Sec-WebSocket-Key', 'short'),
            ('Sec-WebSocket-Key', '!!!!not base64!!!!!!!!=='),
        ]
        for name, value in cases:
            headers = dict(good)
            if value is None:
                del headers[name]
            else:
                headers[name] = value
            res = _run(client.get('/ws', headers=headers))
            self.assertEqual(res.status_code, 400, (name, value))
            self.assertIn(name.split('-')[-1].lower(), res.text.lower())

    def test_unsupported_version(self):
        # RFC 6455 4.4: 426 and the version the server speaks; a handshake
        # without the header is accepted, as microdot 2.7 accepts it
        app = _echo_app()
        client = TestClient(app)
        headers = {'Upgrade': 'websocket', 'Connection': 'Upgrade',
                   'Sec-WebSocket-Key': KEY}
        for version in ('8', '12', '14', '13, 8', ''):
            headers['Sec-WebSocket-Version'] = version
            res = _run(client.get('/ws', headers=headers))
            self.assertEqual(res.status_code, 426, version)
            self.assertEqual(res.headers['Sec-WebSocket-Version'], '13')
            self.assertIn('Version', res.text)

        @app.errorhandler(426)
        def upgrade_required(request):
            return 'speak 13', 426

        headers['Sec-WebSocket-Version'] = '7'
        res = _run(client.get('/ws', headers=headers))
        self.assertEqual((res.status_code, res.text), (426, 'speak 13'))
        self.assertEqual(res.headers['Sec-WebSocket-Version'], '13')
        headers['Sec-WebSocket-Version'] = ' 13 '
        got = []

        def talk():
            got.append((yield 'hi'))

        _run(client.websocket('/ws', talk, headers=headers))
        self.assertEqual(got, ['hi'])

    def test_upgrade_function_after_checks(self):
        app = Microdot()

        @app.route('/ws')
        async def ws_route(request):
            if request.args.get('token') != 'ok':
                app.abort(401)
            ws = await websocket_upgrade(request)
            msg = await ws.receive()
            await ws.send(msg.upper())
            await ws.close()

        res = _run(TestClient(app).get('/ws'))
        self.assertEqual(res.status_code, 401)
        got = []

        def client():
            got.append((yield 'abc'))

        _run(TestClient(app).websocket('/ws?token=ok', client))
        self.assertEqual(got, ['ABC'])


class TestWebSocketFrames(unittest.TestCase):
    def setUp(self):
        self.saved = (WebSocket.max_message_length, Request.max_body_length)

    def tearDown(self):
        WebSocket.max_message_length, Request.max_body_length = self.saved

    def test_handshake_response(self):
        head, frames, res = _run(_session(_echo_app(), []))
        lines = head.split(b'\r\n')
        self.assertEqual(lines[0], b'HTTP/1.1 101 Switching Protocols')
        self.assertIn(b'Upgrade: websocket', lines)
        self.assertIn(b'Connection: Upgrade', lines)
        self.assertIn(b'Sec-WebSocket-Accept: ' + ACCEPT, lines)
        self.assertEqual(frames, [])  # client vanished: nothing to close
        self.assertIs(res, type(res).already_handled)

    def test_fragmented_message_with_ping_inside(self):
        frames = [
            _frame(WebSocket.TEXT, 'Hel', fin=False),
            _frame(WebSocket.CONT, 'lo, ', fin=False),
            _frame(WebSocket.PING, b'are you there'),
            _frame(WebSocket.CONT, 'world'),
            _frame(WebSocket.BINARY, b'\x01', fin=False),
            _frame(WebSocket.CONT, b'\x02'),
            _frame(WebSocket.CLOSE, (1000).to_bytes(2, 'big')),
        ]
        _, out, _ = _run(_session(_echo_app(), frames))
        self.assertEqual(out[0], (True, WebSocket.PONG, b'are you there'))
        self.assertEqual(out[1], (True, WebSocket.TEXT, b'Hello, world'))
        self.assertEqual(out[2], (True, WebSocket.BINARY, b'\x01\x02'))
        self.assertEqual(_close_code(out[3]), 1000)
        self.assertEqual(len(out), 4)

    def test_ping_pong_and_unsolicited_pong(self):
        frames = [_frame(WebSocket.PONG, b'ignored'),
                  _frame(WebSocket.PING, b''),
                  _frame(WebSocket.PING, b'p' * 125),
                  _frame(WebSocket.TEXT, '')]
        _, out, _ = _run(_session(_echo_app(), frames))
        self.assertEqual(out, [(True, WebSocket.PONG, b''),
                               (True, WebSocket.PONG, b'p' * 125),
                               (True, WebSocket.TEXT, b'')])

    def test_client_close_code_echoed(self):
        log = []
        frames = [_frame(WebSocket.CLOSE,
                         (1001).to_bytes(2, 'big') + b'going away'),
                  _frame(WebSocket.TEXT, 'never read')]
        _, out, _ = _run(_session(_echo_app(log), frames))
        self.assertEqual(len(out), 1)
        self.assertEqual(_close_code(out[0]), 1001)
        self.assertEqual(log, ['Websocket connection closed'])

    def _assert_closed_with(self, frames, code, app=None):
        log = []
        _, out, _ = _run(_session(app or _echo_app(log), frames))
        self.assertEqual(len(out), 1, out)
        self.assertEqual(_close_code(out[0]), code)
        return out, log

    def test_protocol_errors_close_1002(self):
        cases = [
            [_frame(WebSocket.TEXT, 'plain', masked=False)],
            [_frame(WebSocket.PING, b'p' * 126)],
            [_frame(WebSocket.PING, b'p', fin=False)],
            [_frame(WebSocket.CONT, 'orphan')],
            [_frame(WebSocket.TEXT, 'a', fin=False),
             _frame(WebSocket.TEXT, 'b')],
            [_frame(WebSocket.TEXT, 'rsv', rsv=0x40)],
            [_frame(3, 'unknown opcode')],
            [_frame(11, 'unknown control')],
            [_frame(WebSocket.CLOSE, b'\x03')],
            [_frame(WebSocket.CLOSE, (1005).to_bytes(2, 'big'))],
            [_frame(WebSocket.CLOSE, (999).to_bytes(2, 'big'))],
        ]
        for frames in cases:
            out, log = self._assert_closed_with(frames, 1002)

    def test_invalid_utf8_closes_1007(self):
        self._assert_closed_with([_frame(WebSocket.TEXT, b'\xff\xfe')], 1007)
        self._assert_closed_with([
            _frame(WebSocket.TEXT, b'ok\xc3', fin=False),
            _frame(WebSocket.CONT, b'(')], 1007)
        self._assert_closed_with([_frame(
            WebSocket.CLOSE, (1000).to_bytes(2, 'big') + b'\xff')], 1007)

    def test_valid_utf8_split_across_fragments(self):
        data = 'ñ'.encode()
        _, out, _ = _run(_session(_echo_app(), [
            _frame(WebSocket.TEXT, data[:1], fin=False),
            _frame(WebSocket.CONT, data[1:])]))
        self.assertEqual(out, [(True, WebSocket.TEXT, data)])

    def test_message_limit_at_and_past(self):
        WebSocket.max_message_length = 10
        _, out, _ = _run(_session(_echo_app(), [
            _frame(WebSocket.BINARY, b'a' * 10)]))
        self.assertEqual(out, [(True, WebSocket.BINARY, b'a' * 10)])
        self._assert_closed_with([_frame(WebSocket.BINARY, b'a' * 11)], 1009)
        # fragments count together
        _, out, _ = _run(_session(_echo_app(), [
            _frame(WebSocket.TEXT, 'a' * 6, fin=False),
            _frame(WebSocket.CONT, 'a' * 4)]))
        self.assertEqual(out, [(True, WebSocket.TEXT, b'a' * 10)])
        self._assert_closed_with([
            _frame(WebSocket.TEXT, 'a' * 6, fin=False),
            _frame(WebSocket.CONT, 'a' * 5)], 1009)

    def test_refused_frames_are_skipped_until_client_close(self):
        # after a violation the server discards frames, aligned on frame
        # boundaries, until the client's close frame
        WebSocket.max_message_length = 10
        trailer = _frame(WebSocket.TEXT, 'never read')
        for bad in (_frame(WebSocket.BINARY, b'a' * 70000),
                    _frame(WebSocket.TEXT, 'unmasked', masked=False),
                    _frame(WebSocket.PING, b'p' * 200),
                    _frame(WebSocket.CONT, 'orphan payload'),
                    _frame(WebSocket.TEXT, 'one', fin=False) +
                    _frame(WebSocket.BINARY, 'not a continuation')):
            frames = [bad, _frame(WebSocket.TEXT, 'ignored'),
                      _frame(WebSocket.CLOSE, b''), trailer]
            _, out, _ = _run(_session(_echo_app(), frames))
            self.assertEqual(len(out), 1)
            self.assertIn(_close_code(out[0]), (1002, 1009))
            reader = _LAST['reader']
            self.assertEqual(len(reader.data) - reader.pos, len(trailer))

    def test_refused_close_frame_ends_without_waiting(self):
        # the client's (invalid) close frame has arrived: the server answers
        # and ends the connection, instead of waiting for another close
        trailer = _frame(WebSocket.TEXT, 'never read')
        for bad, code in (
                (_frame(WebSocket.CLOSE, (0).to_bytes(2, 'big')), 1002),
                (_frame(WebSocket.CLOSE, b'\x03'), 1002),
                (_frame(WebSocket.CLOSE, b'\x03\xe8' + b'r' * 124), 1002),
                (_frame(WebSocket.CLOSE, b'\x03\xe8\xff'), 1007)):
            out, _ = self._assert_closed_with([bad, trailer], code)
            reader = _LAST['reader']
            self.assertEqual(len(reader.data) - reader.pos, len(trailer))

    def test_limit_minus_one_uses_max_body_length(self):
        WebSocket.max_message_length = -1
        Request.max_body_length = 8
        _, out, _ = _run(_session(_echo_app(), [
            _frame(WebSocket.TEXT, 'a' * 8)]))
        self.assertEqual(out, [(True, WebSocket.TEXT, b'a' * 8)])
        self._assert_closed_with([_frame(WebSocket.TEXT, 'a' * 9)], 1009)

    def test_limit_zero_disables_check(self):
        WebSocket.max_message_length = 0
        Request.max_body_length = 8
        data = b'z' * 70000
        _, out, _ = _run(_session(_echo_app(), [
            _frame(WebSocket.BINARY, data)]))
        self.assertEqual(out, [(True, WebSocket.BINARY, data)])

    def test_handler_return_and_failure_close_codes(self):
        app = Microdot()

        @app.route('/ws')
        @with_websocket
        async def done(request, ws):
            await ws.send('only one')

        @app.route('/boom')
        @with_websocket
        async def boom(request, ws):
            await ws.receive()
            raise RuntimeError('handler bug')

        _, out, _ = _run(_session(app, []))
        self.assertEqual(out[0], (True, WebSocket.TEXT, b'only one'))
        self.assertEqual(_close_code(out[1]), 1000)
        _, out, _ = _run(_session(app, [_frame(WebSocket.TEXT, 'x')],
                                  path='/boom'))
        self.assertEqual(len(out), 1)
        self.assertEqual(_close_code(out[0]), 1011)

    def test_use_after_close_and_bad_types(self):
        app = Microdot()
        results = []

        @app.route('/ws')
        @with_websocket
        async def handler(request, ws):
            try:
                await ws.send({'a': 1})
            except TypeError as exc:
                results.append('TypeError: ' + str(exc))
            for code, reason in ((999, ''), (1005, ''), (5000, ''),
                                 ('1000', ''), (1000, 'r' * 124)):
                try:
                    await ws.close(code, reason)
                except ValueError:
                    results.append('ValueError')
            await ws.close(4000, 'r' * 117 + 'custom')
            await ws.close()  # a second close does nothing
            for op in (ws.receive(), ws.send('late')):
                try:
                    await op
                except WebSocketError as exc:
                    results.append(str(exc))

        _, out, _ = _run(_session(app, [_frame(WebSocket.CLOSE, b'')]))
        self.assertEqual(len(out), 1)
        self.assertEqual(out[0][2], (4000).to_bytes(2, 'big') +
                         b'r' * 117 + b'custom')
        self.assertIn('dict', results[0])
        self.assertEqual(results[1:6], ['ValueError'] * 5)
        self.assertEqual(results[6:], ['Websocket connection closed'] * 2)


class TestWebSocketTimeouts(unittest.TestCase):
    def setUp(self):
        self.saved = (WebSocket.frame_timeout, WebSocket.ping_interval,
                      WebSocket.idle_timeout, WebSocket.close_timeout)
        WebSocket.close_timeout = 0.05

    def tearDown(self):
        (WebSocket.frame_timeout, WebSocket.ping_interval,
         WebSocket.idle_timeout, WebSocket.close_timeout) = self.saved

    def _stalled(self, frames, app=None):
        log = []
        start = _now()
        _, out, _ = _run(_session(app or _echo_app(log), frames,
                                  reader_class=_StallReader))
        return out, log, _now() - start

    def test_defaults(self):
        # upstream behaviour between frames; a stall inside one is bounded
        self.assertIsNone(WebSocket.ping_interval)
        self.assertIsNone(WebSocket.idle_timeout)
        self.assertEqual(WebSocket.frame_timeout, 30)
        self.assertEqual(WebSocket.CLOSE_GOING_AWAY, 1001)

    def test_stall_inside_a_frame_closes_1001(self):
        WebSocket.frame_timeout = 0.05
        whole = _frame(WebSocket.TEXT, 'a' * 200)  # 16-bit length form
        echo = _frame(WebSocket.TEXT, 'first')
        for cut in (1, 2, 3, 5, 8, 20):
            out, log, elapsed = self._stalled([echo, whole[:cut]])
            self.assertEqual(out[0], (True, WebSocket.TEXT, b'first'))
            self.assertEqual(len(out), 2, (cut, out))
            self.assertEqual(_close_code(out[1]), 1001)
            self.assertEqual(out[1][2][2:], b'Frame timeout')
            self.assertEqual(log, ['Frame timeout'])
            self.assertLess(elapsed, 2)

    def test_no_frame_timeout_waits_inside_a_frame(self):
        WebSocket.frame_timeout = None

        async def session():
            try:
                await asyncio.wait_for(_session(
                    _echo_app(), [_frame(WebSocket.TEXT, 'abc')[:3]],
                    reader_class=_StallReader), 0.3)
            except asyncio.TimeoutError:
                return 'still waiting'

        self.assertEqual(_run(session()), 'still waiting')

    def test_idle_connection_is_pinged_then_closed(self):
        WebSocket.ping_interval = 0.05
        WebSocket.idle_timeout = 0.3
        out, log, elapsed = self._stalled([_frame(WebSocket.TEXT, 'hi')])
        self.assertEqual(out[0], (True, WebSocket.TEXT, b'hi'))
        pings = [f for f in out if f[1] == WebSocket.PING]
        self.assertGreaterEqual(len(pings), 3)
        self.assertLessEqual(len(pings), 6)
        self.assertEqual(pings[0], (True, WebSocket.PING, b''))
        self.assertEqual(_close_code(out[-1]), 1001)
        self.assertEqual(out[-1][2][2:], b'Idle timeout')
        self.assertEqual(len(out), len(pings) + 2)
        self.assertEqual(log, ['Idle timeout'])
        self.assertLess(elapsed, 2)

    def test_idle_timeout_without_pings(self):
        WebSocket.idle_timeout = 0.1
        out, log, elapsed = self._stalled([])
        self.assertEqual(len(out), 1)
        self.assertEqual(_close_code(out[0]), 1001)
        self.assertEqual(log, ['Idle timeout'])
        self.assertLess(elapsed, 2)

    def test_pings_alone_never_close(self):
        WebSocket.ping_interval = 0.05

        async def session():
            try:
                await asyncio.wait_for(_session(
                    _echo_app(), [], reader_class=_StallReader), 0.3)
            except asyncio.TimeoutError:
                return 'still open'

        self.assertEqual(_run(session()), 'still open')

    def test_negative_setting_is_a_programming_error(self):
        WebSocket.idle_timeout = -1
        app = Microdot()
        errors = []

        @app.route('/ws')
        @with_websocket
        async def handler(request, ws):
            try:
                await ws.receive()
            except ValueError as exc:
                errors.append(str(exc))
                raise

        _, out, _ = _run(_session(app, [], reader_class=_StallReader))
        self.assertIn('idle_timeout', errors[0])
        self.assertEqual(_close_code(out[0]), 1011)


class TestWrapper(unittest.TestCase):
    def test_subclass_with_argumentless_close(self):
        # a WebSocket subclass written for microdot 2.x, whose close() takes
        # no status code, still gets closed after a handler failure
        from microdot.websocket import websocket_wrapper
        calls = []

        class OldStyle(WebSocket):
            async def close(self):
                calls.append('close')
                await super().close()

        async def upgrade(request):
            ws = OldStyle(request)
            await ws.handshake()
            return ws

        async def handler(request, ws):
            raise RuntimeError('oops')

        app = Microdot()
        app.route('/ws')(websocket_wrapper(handler, upgrade))
        _, out, res = _run(_session(app, []))
        self.assertEqual(calls, ['close'])
        self.assertEqual(_close_code(out[0]), 1000)
        self.assertIs(res, type(res).already_handled)


class TestFrameHelpers(unittest.TestCase):
    def test_encode_lengths_at_and_past_each_form(self):
        for size, head_len in ((0, 2), (125, 2), (126, 4), (65535, 4),
                               (65536, 10)):
            frame = WebSocket._encode_websocket_frame(WebSocket.BINARY,
                                                      b'q' * size)
            self.assertEqual(len(frame), head_len + size)
            fin, opcode, has_mask, length = \
                WebSocket._parse_frame_header(frame[:2])
            self.assertTrue(fin)
            self.assertEqual(opcode, WebSocket.BINARY)
            self.assertFalse(has_mask)
            expected = {2: size, 4: -2, 10: -8}[head_len]
            self.assertEqual(length, expected)
            self.assertEqual(_parse_frames(frame),
                             [(True, WebSocket.BINARY, b'q' * size)])

    def test_encode_text_and_parse_continuation(self):
        frame = WebSocket._encode_websocket_frame(WebSocket.TEXT, 'hé')
        self.assertEqual(frame, b'\x81\x03h\xc3\xa9')
        self.assertEqual(WebSocket._parse_frame_header(b'\x00\x85'),
                         (0, 0, 0x80, 5))


if __name__ == '__main__':
    unittest.main()
