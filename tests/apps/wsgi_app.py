"""The WSGI application served by gunicorn in tests/test_wsgi_cpython.py.

The routes shared with the ASGI app are in common_routes.py; the ones here
are those of WSGI alone, or that behave differently under it.
"""
import asyncio

from microdot.wsgi import Microdot, with_websocket, websocket_upgrade

from common_routes import add_common_routes


async def forever_rest():
    for i in range(100):
        # gunicorn notices the client is gone when a write fails
        await asyncio.sleep(0.05)
        yield 'more;' * 100


app = Microdot()
add_common_routes(
    app, websocket_upgrade,
    lambda request: {
        'server_software': request.environ.get('SERVER_SOFTWARE', '')[:8]},
    forever_rest)


@app.route('/sync')
def sync_handler(request):
    # a plain function runs in the event loop's thread pool
    return 'sync ' + request.method


@app.route('/ws')
@with_websocket
async def ws_echo(request, ws):
    while True:
        message = await ws.receive()
        if message == 'bye':
            return
        await ws.send(message)
