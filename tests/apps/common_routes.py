"""The routes that tests/apps/asgi_app.py and tests/apps/wsgi_app.py both
serve, checked over real sockets by tests/http_server_checks.py.

The servers import the app modules by name from this directory (their
subprocesses run here, with it on PYTHONPATH: see serverproc.py), so those
modules import this one by name too.
"""
import asyncio
import hashlib

from microdot import Request, Response, abort
from microdot.sse import with_sse

# large uploads reach the handler as a stream up to this size
Request.max_content_length = 1024 * 1024


def add_common_routes(app, websocket_upgrade, info_extra, forever_rest):
    """Add the shared routes to ``app``.

    :param websocket_upgrade: the ``websocket_upgrade`` of the transport.
    :param info_extra: a function of the request returning the items of
                       ``/info`` that only its transport knows.
    :param forever_rest: an async generator function giving what ``/forever``
                         streams after its first chunk, so that its server
                         notices when the client goes away.
    """
    state = {'stream_closed': 0, 'sse_cancelled': 0}

    @app.route('/')
    async def index(request):
        return 'hello'

    @app.route('/info')
    async def info(request):
        data = {
            'scheme': request.scheme,
            'path': request.path,
            'args': request.args.getlist('a') if request.args else [],
            'http_version': request.http_version,
            'client': request.client_addr[0],
            'method': request.method,
        }
        data.update(info_extra(request))
        return data

    @app.route('/path/<name>')
    async def path_arg(request, name):
        return name

    @app.route('/echo', methods=['POST'])
    async def echo(request):
        return request.body, 200, {'Content-Type': request.content_type}

    @app.route('/json', methods=['POST'])
    async def json_route(request):
        data = request.json
        data['seen'] = True
        return data

    @app.route('/cookies')
    async def cookies(request):
        res = Response({'got': request.cookies})
        res.set_cookie('one', '1')
        res.set_cookie('two', '2', http_only=True)
        return res

    @app.route('/headers')
    async def headers(request):
        return request.headers.get('X-Test', 'none'), {'X-Reply': 'yes'}

    @app.route('/error')
    async def error(request):
        raise RuntimeError('expected error from a test route')

    @app.post('/only-post')
    async def only_post(request):
        return 'posted'

    @app.post('/upload')
    async def upload(request):
        # the body is in request.body up to Request.max_body_length, else it
        # is read from request.stream in pieces
        digest = hashlib.sha256()
        size = 0
        if request.body:
            source = 'body'
            digest.update(request.body)
            size = len(request.body)
        else:
            source = 'stream'
            while True:
                chunk = await request.stream.read(4096)
                if not chunk:
                    break
                digest.update(chunk)
                size += len(chunk)
        return {'source': source, 'size': size,
                'sha256': digest.hexdigest()}

    @app.route('/stream')
    async def stream(request):
        async def chunks():
            for i in range(3):
                yield 'chunk{};'.format(i)
                await asyncio.sleep(0.4)
        return chunks()

    @app.route('/forever')
    async def forever(request):
        async def chunks():
            try:
                yield 'first;'
                async for chunk in forever_rest():
                    yield chunk
            except (GeneratorExit, asyncio.CancelledError):
                # counted only when the stream is cut short
                state['stream_closed'] += 1
                raise
        return chunks()

    @app.route('/forever-status')
    async def forever_status(request):
        return {'closed': state['stream_closed'],
                'sse_cancelled': state['sse_cancelled']}

    @app.route('/sse')
    @with_sse
    async def sse_counter(request, sse):
        try:
            for i in range(1000):
                await sse.send({'n': i}, event='count')
                await asyncio.sleep(0.1)
        except asyncio.CancelledError:
            state['sse_cancelled'] += 1
            raise

    @app.route('/ws-auth')
    async def ws_auth(request):
        if request.args.get('token') != 'secret':
            abort(401)
        ws = await websocket_upgrade(request)
        await ws.send('welcome ' + request.scheme)
        await ws.close()

    @app.route('/shutdown')
    async def shutdown_route(request):
        request.app.shutdown()
        return 'bye'
