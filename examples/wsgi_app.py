"""A WSGI application: HTTP routes, an upload that is read as a stream and a
WebSocket echo, served by Gunicorn.

Run it from this directory with::

    gunicorn -k gthread --threads 4 -b 127.0.0.1:8000 wsgi_app:app

then try ``curl http://127.0.0.1:8000/`` or
``curl --data-binary @some-file http://127.0.0.1:8000/upload``. WebSocket
routes work under Gunicorn, which hands the application its raw socket; the
threaded worker keeps serving other requests while a connection is open.
"""
import hashlib

from microdot.wsgi import Microdot, Request, with_websocket

# accept uploads up to 10 MB; those larger than Request.max_body_length
# (16 KB) are not held in memory but read from request.stream
Request.max_content_length = 10 * 1024 * 1024

app = Microdot()


@app.route('/')
async def index(request):
    return {'hello': 'world', 'scheme': request.scheme,
            'server': request.environ.get('SERVER_SOFTWARE')}


@app.post('/upload')
async def upload(request):
    digest = hashlib.sha256(request.body)
    size = len(request.body)
    if not request.body:
        while True:
            chunk = await request.stream.read(64 * 1024)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
    return {'size': size, 'sha256': digest.hexdigest()}


@app.route('/echo')
@with_websocket
async def echo(request, ws):
    while True:
        message = await ws.receive()
        await ws.send(message)


if __name__ == '__main__':
    # for development only: the embedded server
    app.run(host='127.0.0.1', port=8000)
