"""An application's embedded server on 127.0.0.1 and a free port, in a thread
with its own event loop, for the CPython tests that use real sockets.

Imported by tests/test_*_cpython.py only. The name does not start with
``test_``, so neither pytest nor tests/run_micropython.py collects it.

Usage::

    server = LiveServer(app).start()   # or: with LiveServer(app) as server:
    http.client.HTTPConnection('127.0.0.1', server.port)
    server.stop()
"""
import asyncio
import os
import shutil
import socket
import threading
import unittest

HOST = '127.0.0.1'
TIMEOUT = 10
# on CI (ci/install_tools.sh installs them) a missing tool fails its test
TOOLS_REQUIRED = any(
    os.environ.get(name, '').strip().lower() in ('1', 'true', 'yes', 'on')
    for name in ('MICRODOT_REQUIRE_TOOLS', 'CI'))


def needs(tool):
    """Skip a test when the command ``tool`` is missing, except on CI."""
    return unittest.skipUnless(shutil.which(tool) or TOOLS_REQUIRED,
                               'needs {} (apt-get install {})'.format(
                                   tool, tool))


class LiveServer:
    """Run ``app``'s embedded server in a thread until :meth:`stop`.

    ``runner`` chooses how the server is started:

    - ``'serve_forever'`` (the default): ``app.start_server(...,
      start_serving=False)`` binds, the port is read, the server listens
      (``start_serving()``) before :meth:`start` returns, then
      ``serve_forever()``;
    - ``'start_server'``: ``await app.start_server(...)`` as an application
      runs it; the port is read from ``app.server`` once it listens;
    - ``'portable'``: the same with ``app._serve_portable(...)``, the
      portable server that MicroPython runs.

    ``loop_factory`` makes the event loop (``uvloop.new_event_loop`` for
    uvloop); a plain asyncio loop by default.

    The server stops on :meth:`stop` or ``app.shutdown()`` (from a route as
    well); the tasks left (connection handlers still running) are then
    cancelled and the loop closed before the thread ends.

    Attributes: ``port``, ``url``, ``loop``, ``server`` (the asyncio server),
    ``thread`` and ``error`` (what ended the thread with an exception).
    """
    RUNNERS = ('serve_forever', 'start_server', 'portable')

    def __init__(self, app, runner='serve_forever', timeout=TIMEOUT,
                 loop_factory=None):
        if runner not in self.RUNNERS:
            raise ValueError('runner must be one of {}'.format(self.RUNNERS))
        self.app = app
        self.runner = runner
        self.timeout = timeout
        self.loop_factory = loop_factory or asyncio.new_event_loop
        self.port = None
        self.url = None
        self.loop = None
        self.server = None
        self.error = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._main, daemon=True)

    def start(self):
        """Start the thread; return ``self`` once the server listens."""
        self.thread.start()
        if not self.ready.wait(self.timeout) or self.port is None:
            error = self.error
            try:
                self.stop()
            except RuntimeError:  # pragma: no cover
                pass
            raise RuntimeError('server did not start: {!r}'.format(error))
        return self

    def stop(self):
        """Close the server and wait (``timeout``) for the thread to end."""
        if self.thread.ident is None:  # never started
            return
        loop, server = self.loop, self.server
        if loop is not None and server is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(server.close)
            except RuntimeError:  # the loop closed meanwhile
                pass
        self.thread.join(self.timeout)
        if self.thread.is_alive():
            raise RuntimeError('server thread did not stop')

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _listening(self, server):
        self.server = server
        self.port = server.sockets[0].getsockname()[1]
        self.url = 'http://{}:{}'.format(HOST, self.port)

    async def _serve_forever(self):
        server = await self.app.start_server(host=HOST, port=0,
                                             start_serving=False)
        self._listening(server)
        # listen before anyone is told the port
        await server.start_serving()
        self.ready.set()
        try:
            await server.serve_forever()
        except asyncio.CancelledError:  # server.close()
            pass

    async def _start_server(self):
        app = self.app
        previous = app.server  # None, or a closed server of an earlier run
        if self.runner == 'portable':
            task = asyncio.ensure_future(app._serve_portable(HOST, 0))
        else:
            task = asyncio.ensure_future(app.start_server(host=HOST, port=0))
        while app.server is previous and not task.done():
            await asyncio.sleep(0.005)
        if app.server is not previous:
            self._listening(app.server)
            self.ready.set()
        await task

    def _main(self):
        self.loop = loop = self.loop_factory()
        asyncio.set_event_loop(loop)
        try:
            if self.runner != 'serve_forever':
                loop.run_until_complete(self._start_server())
            else:
                loop.run_until_complete(self._serve_forever())
        except BaseException as exc:  # reported by start(), kept in .error
            self.error = exc
        finally:
            self.ready.set()
            try:
                tasks = asyncio.all_tasks(loop)
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(
                    asyncio.gather(*tasks, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                # sync handlers run in the default executor
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                asyncio.set_event_loop(None)
                loop.close()


def raw_request(port, data, shutdown_write=False, timeout=TIMEOUT):
    """Send raw bytes to 127.0.0.1:port and return everything received
    until the server closes the connection. With ``shutdown_write`` the
    sending side is closed first, as a client that sent everything does."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        s.sendall(data)
        if shutdown_write:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b''.join(chunks)
