"""The hostile-input corpus (tests/hostile_corpus.py) over real sockets
against the HTTP/1.1 server (microdot.server) and the portable server
(``Microdot._serve_portable``), each on an asyncio and on a uvloop event
loop. One test per case and server; each asserts the answer, that nothing
was logged with a traceback, and that the server still serves. Run with
the compiled and with the pure twins (MICRODOT_PURE=1), like the whole
suite. CPython only."""
import asyncio
import contextlib
import gc
import io
import logging
import socket
import time
import unittest

from microdot import Request
from microdot.multipart import FormDataIter
from microdot.websocket import WebSocket
from http11_client import Client
from live_server import LiveServer
from hostile_corpus import CLOSE, PENDING, case, cases, make_app, req
from microdot._speedups import IMPLEMENTATION

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None

TIMEOUT = 3
# what a traceback or an unhandled error leaves in the log
TRACES = ('Traceback', 'Exception in callback', 'exception was never '
          'retrieved', 'Task was destroyed', 'Exception ignored',
          'Fatal error', 'Unhandled error')
OWNERS = {'Request': Request, 'WebSocket': WebSocket,
          'FormDataIter': FormDataIter}


class _Records(logging.Handler):
    # every log record, formatted with its traceback
    def __init__(self, out):
        super().__init__(logging.DEBUG)
        self.out = out
        self.setFormatter(logging.Formatter('%(levelname)s %(name)s: '
                                            '%(message)s'))

    def emit(self, record):
        self.out.write(self.format(record) + '\n')


@contextlib.contextmanager
def watch_log():
    """Capture what the process prints and logs (the server runs in a
    thread of this process); yields the StringIO it goes to."""
    out = io.StringIO()
    handler = _Records(out)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(out):
            yield out
    finally:
        root.removeHandler(handler)


def traces(text):
    """The lines of ``text`` that show a traceback or an unhandled error."""
    return [line for line in text.splitlines()
            if any(marker in line for marker in TRACES)]


def ws_close_code(data):
    """The status code of the first close frame in what a WebSocket server
    sent (unmasked frames), or None when there is none yet."""
    i = 0
    while i + 2 <= len(data):
        opcode = data[i] & 0x0f
        n = data[i + 1] & 0x7f
        i += 2
        if n == 126:
            n = int.from_bytes(data[i:i + 2], 'big')
            i += 2
        elif n == 127:
            n = int.from_bytes(data[i:i + 8], 'big')
            i += 8
        if i + n > len(data):
            return None
        payload = data[i:i + n]
        i += n
        if opcode == 8:
            return int.from_bytes(payload[:2], 'big') if payload else 1005
    return None


def ws_closed_with(client, timeout):
    """Read WebSocket frames until the server's close frame, answer it as a
    client does, and return its status code once the server closed the
    connection; None when that does not happen within ``timeout``."""
    client.sock.settimeout(timeout)
    data = b''
    code = None
    try:
        while code is None:
            chunk = client.file.read1(65536)
            if not chunk:
                return None
            data += chunk
            code = ws_close_code(data)
        try:
            client.send(b'\x88\x82\x00\x00\x00\x00' +
                        code.to_bytes(2, 'big'))
        except OSError:
            pass
        while client.file.read1(65536):
            pass
    except ConnectionResetError:
        pass
    except socket.timeout:
        return None
    return code


def play(port, c, http11=False):
    """Send a case's request and check what comes back; return the list of
    what went wrong (empty when all is as the case expects). ``http11``:
    the server is microdot.server."""
    problems = []
    expect = c['expect']
    if http11 and 'http11' in c:
        expect = (c['http11'],)
    client = Client(port, timeout=TIMEOUT)
    try:
        data = c['data']
        pieces = data if isinstance(data, list) else [data]
        try:
            for i, piece in enumerate(pieces):
                if i:
                    time.sleep(c.get('pause', 0.005))
                # from before the last piece: the server thread may hold
                # the GIL from the moment it arrives
                sent = time.monotonic()
                client.send(piece)
            if c.get('shut'):
                client.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered early and closed: read the answer
        if c.get('reset'):
            want = c.get('read', 0)
            got = 0
            try:
                while got < want:
                    chunk = client.sock.recv(want - got)
                    if not chunk:
                        break
                    got += len(chunk)
            except OSError:
                pass
            client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   b'\x01\x00\x00\x00\x00\x00\x00\x00')
            return problems
        for n in range(c.get('responses', 1)):
            try:
                res = client.response(head_only=c.get('head', False))
                while res.status == 100:  # an interim answer
                    res = client.response()
                status = res.status
            except (EOFError, ConnectionResetError):
                res = None
                status = CLOSE
            except socket.timeout:
                problems.append('no answer in {} s'.format(TIMEOUT))
                return problems
            if status not in expect:
                problems.append('answer {} instead of {}{}'.format(
                    status, expect, ': {!r}'.format(res.body[:200])
                    if res else ''))
                return problems
        if 'within' in c and time.monotonic() - sent > c['within']:
            problems.append('answered in {:.2f} s, over {} s'.format(
                time.monotonic() - sent, c['within']))
        if 'body' in c and (res is None or c['body'] not in res.body):
            problems.append('body {!r} lacks {!r}'.format(
                res.body[:200] if res else None, c['body'][:60]))
        if 'ws_close' in c:
            code = ws_closed_with(client, c.get('within', TIMEOUT))
            if code != c['ws_close']:
                problems.append('WebSocket close code {} instead of '
                                '{}'.format(code, c['ws_close']))
        then = c.get('then')
        if then == 'keep':
            try:
                client.send(req())
                res = client.response()
                if res.body != b'hello':
                    problems.append('next request on the connection: '
                                    '{!r}'.format(res))
            except (OSError, EOFError) as exc:
                problems.append('connection not kept: {!r}'.format(exc))
        elif then == 'close':
            client.sock.settimeout(1)  # the keep-alive timeout is longer
            try:
                if not client.closed():
                    problems.append('connection not closed')
            except socket.timeout:
                problems.append('connection not closed in 1 s')
    finally:
        client.close()
    return problems


def still_serves(port):
    # a generous timeout: a pending case may hold the server for seconds
    with Client(port, timeout=10) as client:
        client.request(headers={'Connection': 'close'})
        return client.response().body == b'hello'


class HostileCorpus:
    """One test per corpus case, against one server (``runner``) on one
    event loop (``loop_factory``), started once for the class."""
    runner = 'start_server'
    loop_factory = None

    @classmethod
    def setUpClass(cls):
        cls.app = make_app()
        cls.server = LiveServer(cls.app, runner=cls.runner,
                                loop_factory=cls.loop_factory).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def check(self, c):
        if c.get('blocks') and c['name'] in PENDING and \
                IMPLEMENTATION == 'pure':
            self.skipTest('pending ({}): the pure twins would hold the '
                          'server for minutes'.format(PENDING[c['name']]))
        saved = []
        for owner, name, value in c.get('conf', ()):
            target = self.app if owner == 'app' else OWNERS[owner]
            saved.append((target, name, getattr(target, name, None)))
            setattr(target, name, value)
        try:
            with watch_log() as log:
                problems = play(self.server.port, c,
                                self.runner != 'portable')
                if c.get('reset'):
                    # what the server logs once the client is gone (as it
                    # answers /slow) counts too
                    time.sleep(0.1)
                serves = still_serves(self.server.port)
        finally:
            for target, name, value in saved:
                setattr(target, name, value)
        found = traces(log.getvalue())
        if found and not c.get('traceback'):
            problems.append('logged: ' + ' | '.join(found[:3]))
        self.assertTrue(serves, 'the server stopped serving after ' +
                        c['name'])
        if c['name'] in PENDING:
            self.assertTrue(problems, '{} passes now ({}): remove it from '
                            'hostile_corpus.PENDING'.format(
                                c['name'], PENDING[c['name']]))
            return
        self.assertEqual(problems, [], '{}\n{}'.format(
            c['name'], log.getvalue()[-2000:]))


def _test(c):
    def test(self):
        self.check(c)
    test.__name__ = 'test_' + c['name'].replace('-', '_').replace('.', '_')
    return test


for _case in cases():
    setattr(HostileCorpus, _test(_case).__name__, _test(_case))


class TestHostileHTTP11Asyncio(HostileCorpus, unittest.TestCase):
    runner = 'start_server'


@unittest.skipIf(uvloop is None, 'needs uvloop')
class TestHostileHTTP11Uvloop(HostileCorpus, unittest.TestCase):
    runner = 'start_server'
    loop_factory = staticmethod(uvloop.new_event_loop) if uvloop else None


class TestHostilePortableAsyncio(HostileCorpus, unittest.TestCase):
    runner = 'portable'


@unittest.skipIf(uvloop is None, 'needs uvloop')
class TestHostilePortableUvloop(HostileCorpus, unittest.TestCase):
    runner = 'portable'
    loop_factory = staticmethod(uvloop.new_event_loop) if uvloop else None


def _reset(port, data):
    s = socket.create_connection(('127.0.0.1', port), timeout=TIMEOUT)
    s.sendall(data)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 b'\x01\x00\x00\x00\x00\x00\x00\x00')
    s.close()


class TestDisconnectsLogNothing(unittest.TestCase):
    """Issue 8 item 3: clients that reset the connection before or during
    their response leave nothing in the log, on any server and loop."""
    def check(self, runner, loop_factory=None):
        app = make_app()

        @app.route('/endless')
        def endless(req):
            # a body that never waits: only a failing write can end it
            def body():
                while True:
                    yield b'e' * 1024
            return body()

        with watch_log() as log:
            with LiveServer(app, runner=runner,
                            loop_factory=loop_factory) as server:
                for _ in range(10):
                    _reset(server.port, req(path='/slow?t=0.05'))
                    _reset(server.port, req(path='/sse'))
                    _reset(server.port, req(path='/stream'))
                with Client(server.port) as client:
                    client.request(path='/endless')
                    client.file.read(100000)
                    client.sock.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER,
                        b'\x01\x00\x00\x00\x00\x00\x00\x00')
                time.sleep(0.3)  # the responses go to closed connections
                self.assertTrue(still_serves(server.port))
        self.assertEqual(log.getvalue(), '')

    def test_http11_asyncio(self):
        self.check('start_server')

    @unittest.skipIf(uvloop is None, 'needs uvloop')
    def test_http11_uvloop(self):
        self.check('start_server', uvloop.new_event_loop)

    def test_portable_asyncio(self):
        self.check('portable')

    @unittest.skipIf(uvloop is None, 'needs uvloop')
    def test_portable_uvloop(self):
        self.check('portable', uvloop.new_event_loop)


class TestSoakFindings(unittest.TestCase):
    """What the soak test (benchmarks/soak.py) found: memory that closed
    connections and finished requests kept."""
    def test_closed_connections_are_freed_at_once(self):
        from microdot.server import HTTPConnection

        def alive():
            gc.collect()
            return sum(isinstance(o, HTTPConnection)
                       for o in gc.get_objects())

        with LiveServer(make_app(), runner='start_server') as server:
            for _ in range(20):
                self.assertTrue(still_serves(server.port))
            time.sleep(0.1)
            # not kept until their head_timeout timer (10 s) fires
            self.assertEqual(alive(), 0)

    def test_per_request_handlers_are_not_kept(self):
        from microdot.test_client import TestClient

        class Held:
            pass

        app = make_app()

        @app.route('/held')
        async def held(req):
            payload = Held()

            @req.after_request
            def after(req, res):
                res.headers['X-Held'] = type(payload).__name__

            @req.after_request
            async def after_async(req, res):
                res.headers['X-Async'] = 'yes'

        async def main():
            client = TestClient(app)
            for _ in range(20):
                res = await client.get('/held')
                self.assertEqual(res.headers['X-Held'], 'Held')
                self.assertEqual(res.headers['X-Async'], 'yes')

        asyncio.run(main())
        gc.collect()
        self.assertEqual(sum(isinstance(o, Held) for o in gc.get_objects()),
                         0)


class TestCorpus(unittest.TestCase):
    def test_names_are_unique_and_pending_ones_exist(self):
        names = [c['name'] for c in cases()]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(set(PENDING) - set(names), set())

    def test_micropython_subset(self):
        subset = [c['name'] for c in cases(micropython=True)]
        self.assertGreater(len(subset), 100)
        self.assertNotIn('route-three-path-segments-900', subset)

    def test_traces_are_found(self):
        self.assertEqual(traces('Bad request: 400 x\nTraceback (most recent '
                                'call last):\n'), ['Traceback (most recent '
                                                   'call last):'])

    def test_the_checks_can_fail(self):
        app = make_app()

        @app.route('/boom')
        async def boom(req):
            raise RuntimeError('boom')

        with LiveServer(app, runner='start_server') as server:
            with watch_log() as log:
                self.assertEqual(play(server.port, case(
                    'boom', req(path='/boom'), 500)), [])
                time.sleep(0.05)
            self.assertIn('Traceback (most recent call last):',
                          traces(log.getvalue()))
            for c, message in (
                    (case('wrong-status', req(path='/nope'), 200),
                     'answer 404 instead of (200,)'),
                    (case('wrong-body', req(), 200, body=b'bye'), 'lacks'),
                    (case('not-kept', req(version=b'1.0'), 200, then='keep'),
                     'connection not kept'),
                    (case('not-closed', req(), 200, then='close'),
                     'connection not closed'),
                    (case('slow', req(path='/slow?t=0.3'), 200, within=0.1),
                     'over 0.1 s')):
                problems = play(server.port, c)
                self.assertEqual(len(problems), 1, problems)
                self.assertIn(message, problems[0])
            self.assertEqual(play(server.port, case(
                'ok', req(), 200, body=b'hello', then='keep')), [])


if __name__ == '__main__':
    unittest.main()
