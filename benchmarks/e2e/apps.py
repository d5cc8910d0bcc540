"""The servers of the end-to-end benchmark, one per name, each serving the
same routes on 127.0.0.1:

    python benchmarks/e2e/apps.py NAME PORT

- ``/``: ``Hello, World!`` as text;
- ``/json?name=...``: a small JSON object that echoes the query argument;
- ``/items/<int:id>``: ``Item <id>`` as text, behind 50 other
  parametrized routes (text, so that against ``/`` only routing differs;
  an f-string, the cheapest way to make the text, in every app);
- ``POST /echo``: the JSON body parsed and sent back;
- ``/big``: 64 KiB of bytes.

Names: ``microdot`` (our embedded server; ``MICRODOT_PURE=1`` selects the
pure twins), ``microdot-uvicorn`` (our ASGI adapter under Uvicorn),
``raw-asgi`` (a bare ASGI callable under Uvicorn + httptools: the
reference), ``ceiling`` (a bare uvloop ``asyncio.Protocol`` that answers
every request head with the same fixed reply: the upper bound), and the
peers ``starlette``, ``falcon`` and ``blacksheep`` under Uvicorn (when
installed), and ``upstream`` (upstream microdot 2.7.0's embedded server,
HTTP/1.0, from the package whose path is in ``MICRODOT_UPSTREAM_PATH``).
Every server runs one process on uvloop.
"""
import json
import os
import sys

BIG = b'x' * 65536
HELLO = 'Hello, World!'
ROUTES = 50


def microdot_app(asgi=False):
    if asgi:
        from microdot.asgi import Microdot
    else:
        from microdot import Microdot
    return add_routes(Microdot())


def add_routes(app):
    # the routes, on our Microdot or upstream's (the same API)
    @app.get('/')
    async def hello(request):
        return HELLO

    @app.get('/json')
    async def json_route(request):
        return {'message': HELLO, 'name': request.args.get('name')}

    def other(request, id):
        return {'other': id}

    for i in range(ROUTES):
        app.get('/other{}/<int:id>'.format(i))(other)

    @app.get('/items/<int:id>')
    async def item(request, id):
        return f'Item {id}'

    @app.post('/echo')
    async def echo(request):
        return request.json

    @app.get('/big')
    async def big(request):
        return BIG

    return app


async def raw_asgi(scope, receive, send):
    # the least an ASGI application can do for the same routes
    if scope['type'] != 'http':
        return
    path = scope['path']
    ctype = b'application/json'
    if path == '/':
        body, ctype = HELLO.encode(), b'text/plain'
    elif path == '/json':
        qs = scope['query_string'].decode()
        name = qs.split('=', 1)[1] if '=' in qs else None
        body = json.dumps({'message': HELLO, 'name': name}).encode()
    elif path.startswith('/items/'):
        body, ctype = f'Item {int(path[7:])}'.encode(), b'text/plain'
    elif path == '/echo':
        data = b''
        while True:
            message = await receive()
            data += message.get('body', b'')
            if not message.get('more_body'):
                break
        body = json.dumps(json.loads(data)).encode()
    elif path == '/big':
        body, ctype = BIG, b'application/octet-stream'
    else:
        body, ctype = b'Not found', b'text/plain'
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-type', ctype),
                            (b'content-length', str(len(body)).encode())]})
    await send({'type': 'http.response.body', 'body': body})


def starlette_app():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    async def hello(request):
        return PlainTextResponse(HELLO)

    async def json_route(request):
        return JSONResponse({'message': HELLO,
                             'name': request.query_params.get('name')})

    async def other(request):
        return JSONResponse({'other': request.path_params['id']})

    async def item(request):
        return PlainTextResponse(f"Item {request.path_params['id']}")

    async def echo(request):
        return JSONResponse(await request.json())

    async def big(request):
        return Response(BIG)

    routes = [Route('/', hello), Route('/json', json_route)]
    routes += [Route('/other{}/{{id:int}}'.format(i), other)
               for i in range(ROUTES)]
    routes += [Route('/items/{id:int}', item),
               Route('/echo', echo, methods=['POST']), Route('/big', big)]
    return Starlette(routes=routes)


def falcon_app():
    import falcon
    import falcon.asgi

    class Hello:
        async def on_get(self, req, resp):
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = HELLO

    class Json:
        async def on_get(self, req, resp):
            resp.media = {'message': HELLO, 'name': req.get_param('name')}

    class Item:
        async def on_get(self, req, resp, id):
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f'Item {id}'

    class Echo:
        async def on_post(self, req, resp):
            resp.media = await req.get_media()

    class Big:
        async def on_get(self, req, resp):
            resp.data = BIG

    app = falcon.asgi.App()
    app.add_route('/', Hello())
    app.add_route('/json', Json())
    for i in range(ROUTES):
        app.add_route('/other{}/{{id:int}}'.format(i), Item())
    app.add_route('/items/{id:int}', Item())
    app.add_route('/echo', Echo())
    app.add_route('/big', Big())
    return app


def blacksheep_app():
    from blacksheep import Application, json as json_response, text, \
        Response, Content

    app = Application()
    get = app.router.get

    @get('/')
    async def hello():
        return text(HELLO)

    @get('/json')
    async def json_route(request):
        name = request.query.get('name')
        return json_response({'message': HELLO,
                              'name': name[0] if name else None})

    for i in range(ROUTES):
        async def other(id: int):
            return json_response({'other': id})
        get('/other{}/{{id}}'.format(i))(other)

    @get('/items/{id}')
    async def item(id: int):
        return text(f'Item {id}')

    @app.router.post('/echo')
    async def echo(request):
        return json_response(await request.json())

    @get('/big')
    async def big():
        return Response(200, content=Content(b'application/octet-stream',
                                             BIG))

    return app


CEILING_REPLY = (b'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n'
                 b'Content-Type: text/plain\r\n\r\nHello, World!')


def ceiling(port):
    import asyncio
    import uvloop

    class Fixed(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            self.tail = b''

        def data_received(self, data):
            data = self.tail + data
            count = data.count(b'\r\n\r\n')
            self.tail = data[data.rfind(b'\r\n\r\n') + 4:] if count else data
            if count:
                self.transport.write(CEILING_REPLY * count)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Fixed, '127.0.0.1', port,
                                          backlog=1024)
        await server.serve_forever()

    uvloop.run(main())


def upstream_app(path):
    # upstream microdot 2.7.0 (its package extracted from the sdist by
    # run.py), embedded, on uvloop
    sys.path.insert(0, path)
    import microdot
    if not microdot.__file__.startswith(path):
        raise SystemExit('upstream microdot not found in ' + path)
    return add_routes(microdot.Microdot())


def uvicorn_run(app, port):
    import uvicorn
    uvicorn.run(app, host='127.0.0.1', port=port, loop='uvloop',
                http='httptools', log_level='warning', access_log=False,
                lifespan='off')


def main(name, port):
    if name == 'microdot':
        microdot_app().run(host='127.0.0.1', port=port)
    elif name == 'microdot-uvicorn':
        uvicorn_run(microdot_app(asgi=True), port)
    elif name == 'raw-asgi':
        uvicorn_run(raw_asgi, port)
    elif name == 'ceiling':
        ceiling(port)
    elif name == 'starlette':
        uvicorn_run(starlette_app(), port)
    elif name == 'falcon':
        uvicorn_run(falcon_app(), port)
    elif name == 'blacksheep':
        uvicorn_run(blacksheep_app(), port)
    elif name == 'upstream':
        import uvloop
        app = upstream_app(os.environ['MICRODOT_UPSTREAM_PATH'])
        uvloop.run(app.start_server(host='127.0.0.1', port=port))
    else:
        raise SystemExit('unknown server: ' + name)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
