"""CORS and CSRF: an API that a page from another origin may call.

Run it with ``python examples/cors.py`` and open http://localhost:5000. The
page comes from the origin ``http://localhost:5000`` and calls the API at
``http://127.0.0.1:5000``: the same server, but another origin for the
browser, and one this app allows. Open http://127.0.0.1:5000 instead and the
page calls ``http://localhost:5000``, from an origin that is not allowed:
the browser hides the answers from the page, and the CSRF protection refuses
its POST requests with 403. From the command line::

    curl -i -X OPTIONS http://127.0.0.1:5000/api/counter \\
         -H 'Origin: http://localhost:5000' \\
         -H 'Access-Control-Request-Method: POST'
    curl -i -X POST http://127.0.0.1:5000/api/counter \\
         -H 'Origin: https://evil.example' -H 'Sec-Fetch-Site: cross-site'

The first is a preflight that is granted; the second is refused with 403.
The port can be given as the first argument. On CPython the app is also an
ASGI application: ``uvicorn cors:app --port 5000`` from the ``examples``
directory (the allowed origin names the port).
"""
import sys

from microdot import Response
from microdot.cors import CORS
from microdot.csrf import CSRF

try:  # CPython: an app that ASGI servers can run too
    from microdot.asgi import Microdot
except ImportError:  # MicroPython: the embedded server only
    from microdot import Microdot

# the first argument when it is a port number (not under an ASGI server)
PORT = int(sys.argv[1]) if sys.argv[1:] and sys.argv[1].isdigit() else 5000

PAGE = """<!doctype html>
<html>
  <head><meta charset="utf-8"><title>CORS</title></head>
  <body>
    <h1>A page from <span id="origin"></span></h1>
    <p>It calls the API at <code id="api"></code>.</p>
    <p>Counter: <span id="counter">-</span>
      (X-Counter header: <span id="header">-</span>)</p>
    <p><button id="count">Count</button> <span id="error"></span></p>
    <script>
      // the same server under its other name: another origin
      const other = location.hostname === 'localhost' ? '127.0.0.1'
                                                      : 'localhost';
      const api = 'http://' + other + ':' + location.port + '/api/counter';
      const show = (id, text) => {
        document.getElementById(id).textContent = text;
      };
      show('origin', location.origin);
      show('api', api);
      async function call(method) {
        try {
          // credentials: the API's cookies go along (none in this example)
          const res = await fetch(api, {method, credentials: 'include'});
          if (!res.ok) {
            throw new Error(res.status + ' ' + await res.text());
          }
          show('counter', (await res.json()).counter);
          show('header', res.headers.get('X-Counter'));
          show('error', '');
        } catch (err) {
          // a refused CORS request gives the page no detail at all
          show('error', method + ' failed: ' + err.message);
        }
      }
      document.getElementById('count').onclick = () => call('POST');
      call('GET');
    </script>
  </body>
</html>
"""

app = Microdot()
cors = CORS(app, allowed_origins=['http://localhost:{}'.format(PORT)],
            allow_credentials=True, allowed_methods=['GET', 'POST'],
            expose_headers=['X-Counter'], max_age=600)
csrf = CSRF(app, cors)
counter = {'value': 0}


@app.get('/')
async def index(request):
    return Response(PAGE, headers={'Content-Type': 'text/html'})


@app.route('/api/counter', methods=['GET', 'POST'])
async def count(request):
    if request.method == 'POST':
        counter['value'] += 1
    return {'counter': counter['value']}, \
        {'X-Counter': str(counter['value'])}


@app.post('/api/webhook')
@csrf.exempt
async def webhook(request):
    # called by other servers, never by browsers: no CSRF check
    return {'received': len(request.body)}


if __name__ == '__main__':
    print('Open http://localhost:{} (Ctrl-C to stop)'.format(PORT))
    app.run(host='127.0.0.1', port=PORT)
