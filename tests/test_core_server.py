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

    return app


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
