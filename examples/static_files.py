"""Static files: the directory examples/static/ under /static, and its
index page at /.

Run ``python examples/static_files.py`` (or copy it, the ``static``
directory and the microdot package to a MicroPython board) and open
http://127.0.0.1:5000. What the helper does, seen with curl::

    curl -i http://127.0.0.1:5000/static/style.css      # ETag, Last-Modified
    curl -i -H 'If-None-Match: "<the ETag>"' ...         # 304
    curl -i --range 0-9 http://127.0.0.1:5000/static/app.js   # 206
    curl -i --path-as-is http://127.0.0.1:5000/static/../static_files.py  # 404

``gzip -k examples/static/app.js`` adds ``app.js.gz``, which is then sent to
clients that accept gzip (``curl --compressed``). (The script is not named
``static.py``: on MicroPython ``import static`` would find the directory.)
The port can be given as the first argument. On CPython the app is also an
ASGI application: ``uvicorn static_files:app`` from the ``examples``
directory.
"""
import sys

from microdot.static import send_from_directory, static_files

try:  # CPython: an app that ASGI servers can run too
    from microdot.asgi import Microdot
except ImportError:  # MicroPython: the embedded server only
    from microdot import Microdot

# the directory next to this file, wherever the app is started from
STATIC = '/'.join(__file__.split('/')[:-1] + ['static'])

app = Microdot()
static_files(app, '/static', STATIC, max_age=60)


@app.get('/')
async def index(request):
    return send_from_directory(STATIC, 'index.html', request)


if __name__ == '__main__':
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print('Serving {} on http://127.0.0.1:{} (Ctrl-C to stop)'.format(
        STATIC, port))
    app.run(host='127.0.0.1', port=port)
