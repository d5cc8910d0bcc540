"""ASGI applications served by uvicorn in tests/test_asgi_cpython.py.

``MICRODOT_TEST_MARKER`` names a file where the lifespan handlers write what
they saw, so the test process can check they ran.
"""
import asyncio
import hashlib
import os

from microdot.sse import with_sse
from microdot.asgi import Microdot, Request, Response, with_websocket, \
    websocket_upgrade, abort

# large uploads reach the handler as a stream up to this size
Request.max_content_length = 1024 * 1024

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


app = Microdot(lifespan_startup=startup, lifespan_shutdown=shutdown)
state = {'stream_closed': 0, 'sse_cancelled': 0}


@app.route('/')
async def index(request):
    return 'hello'


@app.route('/info')
async def info(request):
    return {
        'scheme': request.scheme,
        'path': request.path,
        'args': request.args.getlist('a') if request.args else [],
        'http_version': request.http_version,
        'scope_type': request.asgi_scope['type'],
        'client': request.client_addr[0],
        'method': request.method,
    }


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
    # the body is in request.body up to Request.max_body_length, else it is
    # read from request.stream in pieces
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
    return {'source': source, 'size': size, 'sha256': digest.hexdigest()}


@app.route('/stream')
async def stream(request):
    async def chunks():
        for i in range(3):
            yield 'chunk{};'.format(i)
            await asyncio.sleep(0.4)
    return chunks()


@app.route('/sync-stream')
async def sync_stream(request):
    def chunks():
        for i in range(3):
            yield 'part{};'.format(i).encode()
    return chunks()


@app.route('/forever')
async def forever(request):
    async def chunks():
        try:
            yield 'first;'
            while True:
                await asyncio.sleep(10)
                yield 'never;'
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


@app.route('/ws')
@with_websocket
async def ws_echo(request, ws):
    while True:
        message = await ws.receive()
        if message == 'bye':
            await ws.close()
            return
        await ws.send(message)


@app.route('/ws-auth')
async def ws_auth(request):
    if request.args.get('token') != 'secret':
        abort(401)
    ws = await websocket_upgrade(request)
    await ws.send('welcome ' + request.scheme)
    await ws.close()


@app.route('/ws-limit')
@with_websocket
async def ws_limit(request, ws):
    while True:
        message = await ws.receive()
        await ws.send(str(len(message)))


@app.route('/shutdown')
async def shutdown_route(request):
    request.app.shutdown()
    return 'bye'


async def failing_startup(scope):
    raise RuntimeError('startup boom')


failing_app = Microdot(lifespan_startup=failing_startup)


@failing_app.route('/')
async def failing_index(request):  # pragma: no cover
    return 'never served'

