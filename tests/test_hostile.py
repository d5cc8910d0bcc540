"""The MicroPython subset of the hostile-input corpus (tests/hostile_corpus.py)
against the portable server over a real socket, with a client on the same
event loop: it runs on MicroPython and on CPython alike. One test per group
of cases; each case must get its answer, log no traceback and leave the
server serving. tests/test_hostile_cpython.py runs the whole corpus against
both CPython servers on asyncio and uvloop."""
import asyncio
import sys
import unittest

import microdot.microdot
import microdot.websocket
from microdot import Request
from microdot.multipart import FormDataIter
from microdot.websocket import WebSocket
from hostile_corpus import CLOSE, PENDING, GROUPS, build, make_app, req
from test_core_server import PortableServer, send, close

IS_MICROPYTHON = sys.implementation.name == 'micropython'
TIMEOUT = 3
OWNERS = {'Request': Request, 'WebSocket': WebSocket,
          'FormDataIter': FormDataIter}
# the modules that print tracebacks through print_exception
PRINTERS = (microdot.microdot, microdot.websocket)


def _run(coro):
    return asyncio.run(coro)


def _now():
    try:
        from time import ticks_ms
        return ticks_ms() / 1000
    except ImportError:
        from time import monotonic
        return monotonic()


class Traces:
    """Record every traceback the server would print: calls of
    ``print_exception`` in microdot's modules and exceptions that reach the
    event loop's handler."""
    def __init__(self):
        self.found = []
        self.saved = []

    def __enter__(self):
        for module in PRINTERS:
            self.saved.append((module, module.print_exception))
            module.print_exception = self.record
        loop = asyncio.get_event_loop()
        loop.set_exception_handler(self.handler)
        return self

    def __exit__(self, *exc):
        for module, function in self.saved:
            module.print_exception = function
        asyncio.get_event_loop().set_exception_handler(None)

    def record(self, exc, *args):
        self.found.append(repr(exc))

    def handler(self, loop, context):
        self.found.append(repr(context.get('exception',
                                           context.get('message'))))


async def response(reader, head=False):
    """Read one response: (status, body); status is CLOSE when the
    connection ends first."""
    try:
        line = await reader.readline()
    except OSError:  # reset
        return CLOSE, b''
    if not line:
        return CLOSE, b''
    status = int(line.split()[1])
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b'\r\n', b'\n', b''):
            break
        name, value = line.decode().split(':', 1)
        headers[name.strip().lower()] = value.strip()
    body = b''
    if head or status in (101, 204, 304) or status < 200:
        return status, body
    if headers.get('transfer-encoding') == 'chunked':
        while True:
            size = int((await reader.readline()).split(b';')[0], 16)
            if size == 0:
                await reader.readline()
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    elif 'content-length' in headers:
        body = await reader.readexactly(int(headers['content-length']))
    else:
        while True:
            chunk = await reader.read(4096)
            if not chunk:
                break
            body += chunk
    return status, body


async def ws_close(reader, writer):
    # the status code of the server's close frame, answered as a client
    # does; None when the connection ends without one
    while True:
        head = await reader.readexactly(2)
        if len(head) < 2:
            return None
        n = head[1] & 0x7f
        if n == 126:
            n = int.from_bytes(await reader.readexactly(2), 'big')
        elif n == 127:
            n = int.from_bytes(await reader.readexactly(8), 'big')
        payload = await reader.readexactly(n)
        if head[0] & 0x0f == 8:
            code = int.from_bytes(payload[:2], 'big') if payload else 1005
            try:
                await send(writer, b'\x88\x82\x00\x00\x00\x00' +
                           code.to_bytes(2, 'big'))
            except OSError:
                pass
            while await reader.read(4096):
                pass
            return code


async def play(port, c):
    """Send a case's request and check the answer; return what went
    wrong."""
    problems = []
    expect = c['expect']
    if IS_MICROPYTHON and 'micropython' in c:
        expect = (c['micropython'],)
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        data = c['data']
        pieces = data if isinstance(data, list) else [data]
        try:
            for i, piece in enumerate(pieces):
                if i:
                    await asyncio.sleep(c.get('pause', 0.005))
                sent = _now()
                if piece:
                    await send(writer, piece)
            if c.get('shut'):
                writer.write_eof()  # CPython only: see runnable()
        except OSError:
            pass  # answered early and closed: read the answer
        if c.get('reset'):
            want = c.get('read', 0)
            try:
                while want > 0:
                    chunk = await asyncio.wait_for(reader.read(want),
                                                   TIMEOUT)
                    if not chunk:
                        break
                    want -= len(chunk)
            except (OSError, asyncio.TimeoutError):
                pass
            return problems
        for _ in range(c.get('responses', 1)):
            try:
                status, body = await asyncio.wait_for(
                    response(reader, c.get('head', False)), TIMEOUT)
                while status == 100:
                    status, body = await asyncio.wait_for(
                        response(reader), TIMEOUT)
            except asyncio.TimeoutError:
                return problems + ['no answer in {} s'.format(TIMEOUT)]
            if status not in expect:
                return problems + ['answer {} instead of {}: {}'.format(
                    status, expect, body[:100])]
        if 'within' in c and _now() - sent > c['within']:
            problems.append('answered in {:.2f} s'.format(_now() - sent))
        if 'body' in c and c['body'] not in body:
            problems.append('body {} lacks {}'.format(body[:100],
                                                      c['body'][:40]))
        if 'ws_close' in c:
            try:
                code = await asyncio.wait_for(ws_close(reader, writer),
                                              c.get('within', TIMEOUT))
            except (asyncio.TimeoutError, OSError, EOFError):
                code = None
            if code != c['ws_close']:
                problems.append('close code {}'.format(code))
        then = c.get('then')
        if then == 'keep':
            try:
                await send(writer, req())
                status, body = await asyncio.wait_for(response(reader),
                                                      TIMEOUT)
                if body != b'hello':
                    problems.append('next request: {} {}'.format(status,
                                                                 body))
            except (OSError, asyncio.TimeoutError) as exc:
                problems.append('connection not kept: {}'.format(exc))
        elif then == 'close':
            try:
                # the keep-alive timeout is longer
                if await asyncio.wait_for(reader.read(100), 1):
                    problems.append('connection not closed')
            except OSError:
                pass
            except asyncio.TimeoutError:
                problems.append('connection not closed')
    finally:
        await close(writer)
    return problems


async def still_serves(port):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        await send(writer, req(headers=b'Connection: close\r\n'))
        status, body = await asyncio.wait_for(response(reader), 10)
        return body == b'hello'
    finally:
        await close(writer)


def runnable(c):
    # MicroPython streams cannot half-close (no write_eof(), no shutdown())
    return not (IS_MICROPYTHON and c.get('shut'))


class HostileCase(unittest.TestCase):
    def play_group(self, group):
        failed = []

        async def main():
            app = make_app()
            async with PortableServer(app) as server:
                for c in group():
                    if not c.get('mpy', True) or not runnable(c):
                        continue
                    failed.extend(await self.play_case(server.port,
                                                       build(c)))
        _run(main())
        self.assertEqual(failed, [])

    async def play_case(self, port, c):
        saved = []
        for owner, name, value in c.get('conf', ()):
            target = OWNERS[owner]
            saved.append((target, name, getattr(target, name, None)))
            setattr(target, name, value)
        try:
            with Traces() as traces:
                problems = await play(port, c)
                if c.get('reset'):
                    await asyncio.sleep(0.05)
                serves = await still_serves(port)
        finally:
            for target, name, value in saved:
                setattr(target, name, value)
        if traces.found and not c.get('traceback'):
            problems.append('logged {}'.format(traces.found[:2]))
        if not serves:
            return ['{}: the server stopped serving'.format(c['name'])]
        if c['name'] in PENDING:
            # how a pending case ends depends on the platform (MicroPython
            # has its own json module): only the server's survival counts
            return []
        return ['{}: {}'.format(c['name'], p) for p in problems]


class TestChecks(unittest.TestCase):
    def test_the_checks_can_fail(self):
        from hostile_corpus import case

        async def main():
            app = make_app()

            @app.route('/boom')
            async def boom(req):
                raise RuntimeError('boom')

            checks = HostileCase()
            results = []
            async with PortableServer(app) as server:
                for c in (
                        case('boom', req(path='/boom'), 500),
                        case('wrong-status', req(path='/nope'), 200),
                        case('wrong-body', req(), 200, body=b'bye'),
                        case('not-kept', req(version=b'1.0'), 200,
                             then='keep'),
                        case('ok', req(), 200, body=b'hello', then='keep')):
                    results.append(await checks.play_case(server.port, c))
            return results

        boom, status, body, kept, ok = _run(main())
        self.assertIn('boom: logged', boom[0])
        self.assertIn('RuntimeError', boom[0])
        self.assertIn('answer 404 instead of (200,)', status[0])
        self.assertIn('lacks', body[0])
        self.assertIn('not-kept: next request: 0', kept[0])
        self.assertEqual(ok, [])

    def test_the_subset_is_large(self):
        from hostile_corpus import cases
        count = 0
        for c in cases(micropython=True):
            count += runnable(c)
        self.assertGreater(count, 150)


def _test(group):
    def test(self):
        self.play_group(group)
    return test


for _group in GROUPS:
    setattr(HostileCase, 'test' + _group.__name__, _test(_group))


if __name__ == '__main__':
    unittest.main()
