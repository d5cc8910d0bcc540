"""CORS and CSRF: an API that a page on another origin may call.

Run it, then from a page served by http://localhost:8000 (the allowed
origin) call ``fetch('http://127.0.0.1:5000/api/counter', {method: 'POST'})``.
From the command line::

    curl -i -X OPTIONS http://127.0.0.1:5000/api/counter \\
         -H 'Origin: http://localhost:8000' \\
         -H 'Access-Control-Request-Method: POST'
    curl -i -X POST http://127.0.0.1:5000/api/counter \\
         -H 'Origin: https://evil.example' -H 'Sec-Fetch-Site: cross-site'

The first is a preflight that is granted; the second is refused with 403.
"""
from microdot import Microdot
from microdot.cors import CORS
from microdot.csrf import CSRF

app = Microdot()
cors = CORS(app, allowed_origins=['http://localhost:8000'],
            allow_credentials=True, allowed_methods=['GET', 'POST'],
            expose_headers=['X-Counter'], max_age=600)
csrf = CSRF(app, cors)
counter = {'value': 0}


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
    print('Serving on http://127.0.0.1:5000 (Ctrl-C to stop)')
    app.run(host='127.0.0.1', port=5000)
