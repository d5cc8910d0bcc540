"""The WSGI application served by gunicorn in tests/test_wsgi_cpython.py."""
import asyncio
import hashlib

from microdot.sse import with_sse
from microdot.wsgi import Microdot, Request, Response, with_websocket, \
    websocket_upgrade, abort

# large uploads reach the handler as a stream up to this size
Request.max_content_length = 1024 * 1024

app = Microdot()
state = {'stream_closed': 0, 'sse_cancelled': 0}


@app.route('/')
async def index(request):
    return 'hello'


@app.route('/sync')
def sync_handler(request):
    # a plain function runs in the event loop's thread pool
    return 'sync ' + request.method


@app.route('/info')
async def info(request):
    return {
        'scheme': request.scheme,
        'path': request.path,
        'args': request.args.getlist('a') if request.args else [],
        'http_version': request.http_version,
        'server_software': request.environ.get('SERVER_SOFTWARE', '')[:8],
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


@app.route('/forever')
async def forever(request):
    async def chunks():
        try:
            yield 'first;'
            for i in range(100):
                # gunicorn notices the client is gone when a write fails
                await asyncio.sleep(0.05)
                yield 'more;' * 100
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
            return
        await ws.send(message)


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
