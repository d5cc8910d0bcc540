"""A Server-Sent Events counter with a small browser page.

Run it with ``python examples/sse_counter.py`` (or with ``micropython``
from the repository root) and open http://127.0.0.1:5000, or watch the raw
stream with ``curl -N http://127.0.0.1:5000/events``. The port can be given
as the first argument. The page passes its query string on to the stream:
http://127.0.0.1:5000/?n=5&delay=0.5 counts to 5, two events a second. On
CPython the app is also an ASGI application: ``uvicorn sse_counter:app``
from the ``examples`` directory.
"""
import asyncio
import sys

sys.path.insert(0, '.')  # the checkout's microdot, when run from its root

from microdot import Response  # noqa: E402
from microdot.sse import with_sse  # noqa: E402

try:  # CPython: an app that ASGI servers can run too
    from microdot.asgi import Microdot
except ImportError:  # MicroPython: the embedded server only
    from microdot import Microdot

PAGE = """<!doctype html>
<html>
  <head><meta charset="utf-8"><title>SSE counter</title></head>
  <body>
    <h1>Counter: <span id="counter">-</span></h1>
    <pre id="log"></pre>
    <script>
      const log = (text) => {
        document.getElementById('log').textContent += text + '\\n';
      };
      const source = new EventSource('/events' + location.search);
      source.onmessage = (ev) => log(ev.data);  // events without a name
      source.addEventListener('count', (ev) => {
        document.getElementById('counter').textContent =
          JSON.parse(ev.data).counter;
      });
      source.addEventListener('end', (ev) => {
        log(ev.data);
        source.close();  // or the browser reconnects after 'retry'
      });
    </script>
  </body>
</html>
"""

app = Microdot()


@app.route('/')
async def index(request):
    return Response(PAGE, headers={'Content-Type': 'text/html'})


@app.route('/events')
@with_sse
async def events(request, sse):
    # count up to the ?n= argument (10 by default), one event a second; a
    # client that disconnects cancels this function
    n = request.args.get('n', 10, type=int)
    delay = request.args.get('delay', 1, type=float)
    try:
        # ask clients to wait 5 seconds before they reconnect
        await sse.send('counting to {}'.format(n), retry=5)
        for i in range(n):
            await sse.send({'counter': i}, event='count', event_id=str(i))
            await asyncio.sleep(delay)
        await sse.send('done', event='end')
    except asyncio.CancelledError:
        print('client left')
        raise


if __name__ == '__main__':
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print('Serving on http://127.0.0.1:{} (Ctrl-C to stop)'.format(port))
    app.run(host='127.0.0.1', port=port)
