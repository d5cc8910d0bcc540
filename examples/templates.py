"""Templates: a page rendered with utemplate (CPython and MicroPython) or
Jinja2 (CPython).

    python examples/templates.py            # utemplate
    python examples/templates.py jinja      # Jinja2

then open http://127.0.0.1:5000/?name=Susan. utemplate must be installed
(``python ci/fetch_utemplate.py DIR`` puts it in DIR); Jinja2 with pip.
"""
import os
import sys

from microdot import Microdot

# templates are looked up (and utemplate's compiled templates imported)
# relative to the current directory
here = __file__.rsplit('/', 1)[0] if '/' in __file__ else '.'
os.chdir(here)
if '' not in sys.path and '.' not in sys.path:
    sys.path.insert(0, '')

engine = sys.argv[1] if len(sys.argv) > 1 else 'utemplate'
if engine == 'jinja':
    from microdot.jinja import Template
    Template.initialize('templates/jinja', trim_blocks=True,
                        lstrip_blocks=True)
elif engine == 'utemplate':
    from microdot.utemplate import Template
    Template.initialize('templates/utpl')
else:
    raise SystemExit('usage: templates.py [utemplate|jinja]')

app = Microdot()
FRUITS = ['apple', 'banana', 'cherry']


@app.get('/')
async def index(request):
    name = request.args.get('name') or 'stranger'
    if engine == 'utemplate':
        # utemplate does not escape: do it for text from the user
        name = name.replace('&', '&amp;').replace('<', '&lt;').replace(
            '>', '&gt;').replace('"', '&quot;')
    # generate() streams the page as it is rendered
    return Template('index.html').generate(name=name, items=FRUITS), \
        {'Content-Type': 'text/html; charset=UTF-8'}


if __name__ == '__main__':
    print('Serving on http://127.0.0.1:5000 with {} (Ctrl-C to stop)'.format(
        engine))
    app.run(host='127.0.0.1', port=5000)
