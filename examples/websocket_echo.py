"""A WebSocket echo server with a small browser page.

Run it with ``python examples/websocket_echo.py`` (or with ``micropython``
from the repository root) and open http://127.0.0.1:5000. The port can be
given as the first argument. On CPython the app is also an ASGI
application: ``uvicorn websocket_echo:app`` from the ``examples`` directory.
"""
import sys

sys.path.insert(0, '.')  # the checkout's microdot, when run from its root

from microdot import Response  # noqa: E402
from microdot.websocket import WebSocketError  # noqa: E402

try:  # CPython: an app that ASGI servers can run too
    from microdot.asgi import Microdot, with_websocket
except ImportError:  # MicroPython: the embedded server only
    from microdot import Microdot
    from microdot.websocket import with_websocket

PAGE = """<!doctype html>
<html>
  <head><meta charset="utf-8"><title>WebSocket echo</title></head>
  <body>
    <h1>WebSocket echo</h1>
    <form id="form"><input id="text" autofocus><button>Send</button></form>
    <pre id="log"></pre>
    <script>
      const log = (text) => {
        document.getElementById('log').textContent += text + '\\n';
      };
      const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
      const ws = new WebSocket(scheme + location.host + '/echo');
      ws.onopen = () => log('(connected)');
      ws.onmessage = (ev) => log('< ' + ev.data);
      ws.onclose = (ev) => log('(closed with code ' + ev.code + ')');
      document.getElementById('form').onsubmit = (ev) => {
        ev.preventDefault();
        const text = document.getElementById('text');
        log('> ' + text.value);
        ws.send(text.value);
        text.value = '';
      };
    </script>
  </body>
</html>
"""

app = Microdot()


@app.route('/')
async def index(request):
    return Response(PAGE, headers={'Content-Type': 'text/html'})


@app.route('/echo')
@with_websocket
async def echo(request, ws):
    # 'bye' ends the connection from the server side (close code 1000); a
    # client that closes or goes away makes receive() raise WebSocketError
    try:
        while True:
            message = await ws.receive()
            if isinstance(message, str) and message == 'bye':
                await ws.send('goodbye')
                break
            await ws.send(message)
    except WebSocketError:
        print('client left')


if __name__ == '__main__':
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print('Serving on http://127.0.0.1:{} (Ctrl-C to stop)'.format(port))
    app.run(host='127.0.0.1', port=port)
