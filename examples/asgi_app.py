"""An ASGI application: HTTP routes, a streamed response, a WebSocket echo
and lifespan handlers, served by Uvicorn.

Run it from this directory with::

    uvicorn asgi_app:app --port 8000

then open http://127.0.0.1:8000/, http://127.0.0.1:8000/countdown, or
connect a WebSocket client to ws://127.0.0.1:8000/echo.
"""
import asyncio

from microdot.asgi import Microdot, with_websocket


async def startup(scope):
    print('the server started')


async def shutdown(scope):
    print('the server is stopping')


app = Microdot(lifespan_startup=startup, lifespan_shutdown=shutdown)


@app.route('/')
async def index(request):
    return {'hello': 'world', 'scheme': request.scheme,
            'server': request.asgi_scope.get('server')}


@app.route('/countdown')
async def countdown(request):
    async def lines():
        for i in range(5, 0, -1):
            yield '{}...\n'.format(i)
            await asyncio.sleep(1)
        yield 'liftoff!\n'
    return lines()


@app.route('/echo')
@with_websocket
async def echo(request, ws):
    while True:
        message = await ws.receive()
        await ws.send(message)


if __name__ == '__main__':
    # for development only: the embedded server
    app.run(host='127.0.0.1', port=8000)
