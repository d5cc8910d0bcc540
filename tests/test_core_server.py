"""The portable server on a real socket, driven from the same event loop
with asyncio streams, so that it runs on CPython and MicroPython alike."""
import asyncio
import socket
import sys
import unittest

from microdot import Microdot

IS_MICROPYTHON = sys.implementation.name == 'micropython'


def _run(coro):
    return asyncio.run(coro)


def free_port():
    """Return a port on 127.0.0.1 that nothing listens on."""
    if not IS_MICROPYTHON:
        s = socket.socket()
        try:
            s.bind(('127.0.0.1', 0))
            return s.getsockname()[1]
        finally:
            s.close()
    # MicroPython sockets cannot tell their port: probe pseudo-random ones
    import time
    seed = time.ticks_us()
    for attempt in range(100):
        port = 20000 + (seed + attempt * 7919) % 30000
        s = socket.socket()
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(socket.getaddrinfo('127.0.0.1', port)[0][-1])
            return port
        except OSError:
            pass
        finally:
            s.close()
    raise RuntimeError('no free port found')


async def fetch(port, data):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    if hasattr(writer, 'awrite'):
        await writer.awrite(data)
    else:
        writer.write(data)
        await writer.drain()
    chunks = []
    while True:
        chunk = await reader.read(1024)
        if not chunk:
            break
        chunks.append(chunk)
    if hasattr(writer, 'aclose'):
        await writer.aclose()
    else:
        writer.close()
    return b''.join(chunks)


def make_app():
    app = Microdot()

    @app.get('/')
    async def index(req):
        return 'hello ' + req.scheme

    @app.post('/echo')
    async def echo(req):
        return req.body

    @app.get('/gen')
    async def gen(req):
        def chunks():
            yield 'ab'
            yield b'cde'
        return chunks()

    return app


async def read_response(reader):
    # one response from a persistent connection: (status line, headers,
    # body), the body read by Content-Length or chunked framing
    status = (await reader.readline()).strip()
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b'\r\n', b'\n', b''):
            break
        name, value = line.decode().split(':', 1)
        headers[name.strip().lower()] = value.strip()
    body = b''
    if headers.get('transfer-encoding') == 'chunked':
        while True:
            size = int((await reader.readline()).strip(), 16)
            if size == 0:
                await reader.readline()
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    elif 'content-length' in headers:
        body = await reader.readexactly(int(headers['content-length']))
    return status, headers, body


async def send(writer, data):
    if hasattr(writer, 'awrite'):
        await writer.awrite(data)
    else:
        writer.write(data)
        await writer.drain()


async def close(writer):
    if hasattr(writer, 'aclose'):
        await writer.aclose()
    else:
        writer.close()


class PortableServer:
    """The portable server (the one MicroPython runs) in a task, on
    CPython too."""
    def __init__(self, app):
        self.app = app
        self.port = free_port()

    async def __aenter__(self):
        app = self.app
        if IS_MICROPYTHON:
            start = app.start_server(host='127.0.0.1', port=self.port)
        else:
            start = app._serve_portable('127.0.0.1', self.port)
        self.task = asyncio.create_task(start)
        for _ in range(100):
            if app.server is not None:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        return self

    async def __aexit__(self, *exc):
        self.app.shutdown()
        try:
            await asyncio.wait_for(self.task, 5)
        except asyncio.CancelledError:
            pass


class TestPortableServer(unittest.TestCase):
    def test_serve_and_shutdown(self):
        app = make_app()
        port = free_port()

        async def main():
            task = asyncio.create_task(
                app.start_server(host='127.0.0.1', port=port))
            for _ in range(100):
                if app.server is not None:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            results = [
                await fetch(port, b'GET / HTTP/1.0\r\n\r\n'),
                await fetch(port, b'POST /echo HTTP/1.0\nContent-Length: 3'
                                  b'\n\nabc'),
                await fetch(port, b'GET /nope HTTP/1.0\r\n\r\n'),
                # nothing may follow the bad line: a socket closed with
                # unread input is reset, and the response can be lost
                await fetch(port, b'BAD\r\n'),
                await fetch(port, b'HEAD / HTTP/1.0\r\n\r\n'),
            ]
            app.shutdown()
            await asyncio.wait_for(task, 5)
            return results

        ok, echo, missing, bad, head = _run(main())
        self.assertTrue(ok.startswith(b'HTTP/1.0 200 OK\r\n'))
        self.assertIn(b'Content-Length: 10\r\n', ok)
        self.assertTrue(ok.endswith(b'\r\n\r\nhello http'))
        self.assertTrue(echo.endswith(b'\r\n\r\nabc'))
        self.assertTrue(missing.startswith(b'HTTP/1.0 404 N/A\r\n'))
        self.assertTrue(missing.endswith(b'Not found'))
        self.assertTrue(bad.startswith(b'HTTP/1.0 400 N/A\r\n'))
        self.assertTrue(head.startswith(b'HTTP/1.0 200 OK\r\n'))
        self.assertTrue(head.endswith(b'\r\n\r\n'))

    def test_start_serving_false(self):
        app = make_app()
        if IS_MICROPYTHON:
            with self.assertRaises(ValueError) as cm:
                _run(app.start_server(host='127.0.0.1', port=free_port(),
                                      start_serving=False))
            self.assertEqual(str(cm.exception), 'start_serving must be True')
            return

        async def main():
            server = await app.start_server(host='127.0.0.1', port=0,
                                            start_serving=False)
            serving = server.is_serving()
            server.close()
            await server.wait_closed()
            return server, serving

        server, serving = _run(main())
        self.assertIs(server, app.server)
        self.assertFalse(serving)


class TestPortableKeepAlive(unittest.TestCase):
    def test_several_requests_on_one_connection(self):
        app = make_app()

        async def main():
            async with PortableServer(app) as server:
                reader, writer = await asyncio.open_connection(
                    '127.0.0.1', server.port)
                results = []
                await send(writer, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
                results.append(await read_response(reader))
                await send(writer, b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                                   b'Content-Length: 3\r\n\r\nabc')
                results.append(await read_response(reader))
                # a streamed body is chunked, and the connection survives
                await send(writer, b'GET /gen HTTP/1.1\r\nHost: x\r\n\r\n')
                results.append(await read_response(reader))
                # pipelined, then a chunked upload, then close
                await send(writer, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
                                   b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                                   b'Transfer-Encoding: chunked\r\n\r\n'
                                   b'2\r\nxy\r\n1\r\nz\r\n0\r\n\r\n'
                                   b'GET / HTTP/1.1\r\nHost: x\r\n'
                                   b'Connection: close\r\n\r\n')
                for _ in range(3):
                    results.append(await read_response(reader))
                rest = await reader.read(100)
                await close(writer)
                return results, rest

        results, rest = _run(main())
        statuses = [r[0] for r in results]
        self.assertEqual(statuses, [b'HTTP/1.1 200 OK'] * 6)
        self.assertEqual([r[2] for r in results],
                         [b'hello http', b'abc', b'abcde', b'hello http',
                          b'xyz', b'hello http'])
        self.assertEqual(results[2][1]['transfer-encoding'], 'chunked')
        self.assertEqual(results[5][1]['connection'], 'close')
        self.assertEqual(rest, b'')  # closed after Connection: close

    def test_http_1_0_closes_and_keep_alive_times_out(self):
        app = make_app()
        app.keep_alive_timeout = 0.3

        async def main():
            async with PortableServer(app) as server:
                reader, writer = await asyncio.open_connection(
                    '127.0.0.1', server.port)
                await send(writer, b'GET / HTTP/1.0\r\n\r\n')
                first = await read_response(reader)
                closed_10 = await reader.read(100)
                await close(writer)
                reader, writer = await asyncio.open_connection(
                    '127.0.0.1', server.port)
                await send(writer, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
                second = await read_response(reader)
                # idle past keep_alive_timeout: the server closes
                closed_idle = await asyncio.wait_for(reader.read(100), 3)
                await close(writer)
                return first, closed_10, second, closed_idle

        first, closed_10, second, closed_idle = _run(main())
        self.assertEqual(first[0], b'HTTP/1.0 200 OK')
        self.assertEqual(closed_10, b'')
        self.assertEqual(second[0], b'HTTP/1.1 200 OK')
        self.assertEqual(closed_idle, b'')

    def test_idle_connections_give_their_memory_back(self):
        # connections left idle are closed at keep_alive_timeout, and
        # what they held is freed: on MicroPython the heap after a third
        # round of idle connections is what it was after the second (the
        # first round grows the event loop's own tables once)
        import gc
        app = make_app()
        app.keep_alive_timeout = 0.2

        async def round_of_idle(port, count):
            conns = []
            for _ in range(count):
                reader, writer = await asyncio.open_connection(
                    '127.0.0.1', port)
                await send(writer, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
                await read_response(reader)
                conns.append((reader, writer))
            await asyncio.sleep(0.6)
            ends = []
            for reader, writer in conns:
                ends.append(await asyncio.wait_for(reader.read(100), 3))
                await close(writer)
            return ends

        async def main():
            heaps = []
            async with PortableServer(app) as server:
                for _ in range(3):
                    ends = await round_of_idle(server.port, 6)
                    self.assertEqual(ends, [b''] * 6)
                    gc.collect()
                    if IS_MICROPYTHON:
                        heaps.append(gc.mem_alloc())
            return heaps

        heaps = _run(main())
        if IS_MICROPYTHON:
            # six connections held about 12 KB while idle
            self.assertLess(heaps[2] - heaps[1], 1024, heaps)

    def test_bad_framing_is_refused(self):
        app = make_app()

        async def main():
            async with PortableServer(app) as server:
                reader, writer = await asyncio.open_connection(
                    '127.0.0.1', server.port)
                await send(writer, b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                                   b'Content-Length: 3\r\nTransfer-Encoding:'
                                   b' chunked\r\n\r\n0\r\n\r\n')
                res = await read_response(reader)
                await close(writer)
                return res

        status, _, body = _run(main())
        self.assertEqual(status, b'HTTP/1.0 400 N/A')
        self.assertEqual(body, b'Content-Length with Transfer-Encoding')
