"""The application of the soak test (benchmarks/soak.py), served by
``app.run()`` (microdot.server, on uvloop when installed) on 127.0.0.1 and
the port given as the first argument.

Routes: ``/`` (hello), ``/info`` (twins, event loop, pid), ``/upload``
(the SHA-256 and size of the body, fixed-size or chunked, read as a stream
above ``max_body_length``), ``/big`` (a streamed 1 MiB body), ``/sse``
(``n`` events) and ``/ws`` (a WebSocket echo).
"""
import asyncio
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from microdot import Microdot, Request, Response  # noqa: E402
from microdot import _speedups  # noqa: E402
from microdot._cpython import _event_loop_name  # noqa: E402
from microdot.sse import with_sse  # noqa: E402
from microdot.websocket import with_websocket  # noqa: E402

Request.max_content_length = 1024 * 1024
app = Microdot()


@app.route('/')
async def index(req):
    return 'hello'


@app.route('/info')
async def info(req):
    return {'twins': _speedups.IMPLEMENTATION, 'loop': _event_loop_name(),
            'pid': os.getpid()}


@app.post('/upload')
async def upload(req):
    digest = hashlib.sha256()
    size = 0
    if req.body:
        data = req.body
        digest.update(data)
        size = len(data)
    else:
        while True:
            data = await req.stream.read(16384)
            if not data:
                break
            digest.update(data)
            size += len(data)
    return {'sha256': digest.hexdigest(), 'size': size}


@app.route('/big')
async def big(req):
    piece = b'b' * 16384

    async def body():
        for _ in range(64):
            yield piece
    return Response(body(), headers={'Content-Type':
                                     'application/octet-stream'})


@app.route('/sse')
@with_sse
async def sse(req, sse):
    for i in range(int(req.args.get('n', '10'))):
        await sse.send({'n': i})
        await asyncio.sleep(0.01)


@app.route('/ws')
@with_websocket
async def ws(req, ws):
    while True:
        await ws.send(await ws.receive())


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]))
