"""Templates: the same page rendered with utemplate (CPython and
MicroPython) and with Jinja2 (CPython).

Run it with ``python examples/templating.py`` and open
http://127.0.0.1:5000/?name=Susan (utemplate) or
http://127.0.0.1:5000/jinja?name=Susan (Jinja2). utemplate must be installed
(``python ci/fetch_utemplate.py DIR`` puts it in DIR); Jinja2 with pip. The
port can be given as the first argument. On CPython the app is also an ASGI
application: ``uvicorn templating:app`` from the ``examples`` directory.
"""
import os
import sys

from microdot import abort
from microdot.utemplate import Template as UTemplate

try:  # CPython: an app that ASGI servers can run too
    from microdot.asgi import Microdot
except ImportError:  # MicroPython: the embedded server only
    from microdot import Microdot
try:
    from microdot.jinja import Template as JinjaTemplate
except ImportError:  # no Jinja2 (or MicroPython)
    JinjaTemplate = None

# templates are looked up (and utemplate's compiled templates imported)
# relative to the current directory
here = __file__.rsplit('/', 1)[0] if '/' in __file__ else '.'
os.chdir(here)
if '' not in sys.path and '.' not in sys.path:
    sys.path.insert(0, '')

UTemplate.initialize('templates/utpl')
if JinjaTemplate:
    JinjaTemplate.initialize('templates/jinja', trim_blocks=True,
                             lstrip_blocks=True)

app = Microdot()
FRUITS = ['apple', 'banana', 'cherry']
HTML = {'Content-Type': 'text/html; charset=UTF-8'}


@app.get('/')
async def with_utemplate(request):
    name = request.args.get('name') or 'stranger'
    # utemplate does not escape: do it for text from the user
    name = name.replace('&', '&amp;').replace('<', '&lt;').replace(
        '>', '&gt;').replace('"', '&quot;')
    # generate() streams the page as it is rendered
    return UTemplate('index.html').generate(name=name, items=FRUITS), HTML


@app.get('/jinja')
async def with_jinja(request):
    if JinjaTemplate is None:
        abort(404, 'Jinja2 is not installed')
    # Jinja2 escapes what it inserts in .html templates
    name = request.args.get('name') or 'stranger'
    return JinjaTemplate('index.html').generate(name=name, items=FRUITS), \
        HTML


if __name__ == '__main__':
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print('Serving on http://127.0.0.1:{} (Ctrl-C to stop)'.format(port))
    app.run(host='127.0.0.1', port=port)
