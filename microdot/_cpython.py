"""
microdot._cpython
-----------------

The parts of :mod:`microdot.microdot` that only run on CPython (and other
full Pythons), kept out of the modules a MicroPython board loads: sync
handlers in a thread pool, tracebacks through :mod:`traceback`, the stream
writer adapter of the portable server, the name of the event loop, and
``Microdot.start_server`` on :mod:`microdot.server`.
"""
import asyncio
import traceback
from inspect import iscoroutinefunction, iscoroutine  # noqa: F401

try:
    from functools import partial
    import concurrent.futures  # noqa: F401  (proves a thread pool exists)
except ImportError:  # pragma: no cover  (a build without threads)
    partial = None  # type: ignore[assignment,misc]

_coroutine_functions = {}  # type: dict


async def invoke_handler(handler, *call_args, **call_kwargs):
    """Call a handler, sync or async, and return what it returns.

    Coroutine functions are awaited in the event loop. Plain functions run
    in the loop's default thread pool, so a slow sync handler does not stop
    the server from handling other requests (inline where there are no
    threads).
    """
    # keyed by the code of functions: the closures that a request creates
    # (request.after_request handlers) share one entry, and the cache does
    # not keep them and what they hold alive
    key = getattr(handler, '__code__', handler)
    try:
        is_async = _coroutine_functions[key]
    except (KeyError, TypeError):  # new, or not hashable
        is_async = iscoroutinefunction(handler)
        if len(_coroutine_functions) < 10000:
            try:
                _coroutine_functions[key] = is_async
            except TypeError:
                pass
    if is_async:
        return await handler(*call_args, **call_kwargs)
    if partial is None:  # pragma: no cover
        ret = handler(*call_args, **call_kwargs)
    else:
        loop = asyncio.get_running_loop()
        ret = await loop.run_in_executor(
            None, partial(handler, *call_args, **call_kwargs))
    if iscoroutine(ret):
        # an awaitable returned by a callable object or a partial
        ret = await ret
    return ret


def print_exception(exc):
    """Print an exception with its traceback."""
    traceback.print_exception(type(exc), exc, exc.__traceback__)


class _Writer:
    # Gives a CPython StreamWriter the awrite()/aclose() coroutines that
    # microdot writes through, as MicroPython streams have them.
    __slots__ = ('writer', 'write', 'get_extra_info')

    def __init__(self, writer):
        self.writer = writer
        self.write = writer.write
        self.get_extra_info = writer.get_extra_info

    async def awrite(self, data):
        if self.writer.is_closing():
            # the client went away (uvloop would raise a RuntimeError)
            raise ConnectionResetError(104, 'Connection lost')
        self.writer.write(data)
        await self.writer.drain()

    async def aclose(self):
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass

    async def drain(self):
        await self.writer.drain()

    def close(self):
        self.writer.close()

    async def wait_closed(self):
        await self.writer.wait_closed()


async def start_server(app, host, port, ssl, start_serving):
    # Microdot.start_server on CPython: microdot.server's HTTP/1.1 server
    from microdot.server import Server
    server = Server(app)
    await server.listen(host, port, ssl, start_serving)
    app.server = server
    if not start_serving:
        return server
    await server.wait_closed()


def _event_loop_name():
    """Name the event loop that :meth:`Microdot.run` uses."""
    try:
        import uvloop  # noqa: F401
        return 'uvloop'
    except ImportError:
        return 'asyncio'
