"""ASGI applications served by uvicorn in tests/test_asgi_cpython.py.

The routes shared with the WSGI app are in common_routes.py; the ones here
are those of ASGI alone, or that behave differently under it.

``MICRODOT_TEST_MARKER`` names a file where the lifespan handlers write what
they saw, so the test process can check they ran.
"""
import asyncio
import os

from microdot.asgi import Microdot, with_websocket, websocket_upgrade

from common_routes import add_common_routes

MARKER = os.environ.get('MICRODOT_TEST_MARKER')


def _mark(text):
    if MARKER:
        with open(MARKER, 'a') as f:
            f.write(text + '\n')


async def startup(scope):
    _mark('startup ' + scope['type'])


def shutdown(scope):
    # a plain function works too
    _mark('shutdown ' + scope['type'])


async def forever_rest():
    # idle: microdot.asgi cancels it when uvicorn reports the client gone
    while True:
        await asyncio.sleep(10)
        yield 'never;'


app = Microdot(lifespan_startup=startup, lifespan_shutdown=shutdown)
add_common_routes(
    app, websocket_upgrade,
    lambda request: {'scope_type': request.asgi_scope['type']},
    forever_rest)


@app.route('/sync-stream')
async def sync_stream(request):
    def chunks():
        for i in range(3):
            yield 'part{};'.format(i).encode()
    return chunks()


@app.route('/ws')
@with_websocket
async def ws_echo(request, ws):
    while True:
        message = await ws.receive()
        if message == 'bye':
            await ws.close()
            return
        await ws.send(message)


@app.route('/ws-limit')
@with_websocket
async def ws_limit(request, ws):
    while True:
        message = await ws.receive()
        await ws.send(str(len(message)))


async def failing_startup(scope):
    raise RuntimeError('startup boom')


failing_app = Microdot(lifespan_startup=failing_startup)


@failing_app.route('/')
async def failing_index(request):  # pragma: no cover
    return 'never served'
