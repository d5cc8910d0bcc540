# Templates rendered with utemplate (installed by ci/fetch_utemplate.py).
# Runs on CPython and MicroPython. utemplate compiles each template to a
# module next to it (tests/templates/utpl/page_html.py...), imported by its
# dotted path from the repository root; tearDownModule removes them.
import asyncio
import os
import sys
import unittest

from microdot import Microdot
from microdot.test_client import TestClient
import microdot.utemplate as mu
from microdot.utemplate import Template
from utemplate import compiled, recompile


def _run(coro):
    return asyncio.run(coro)


def _dirname(path):
    i = path.rfind('/')
    return path[:i] if i > 0 else '.'


TESTS_DIR = _dirname(__file__)
if not TESTS_DIR.startswith('/'):
    TESTS_DIR = os.getcwd() + '/' + TESTS_DIR
ROOT = _dirname(TESTS_DIR)
TEMPLATE_DIR = 'tests/templates/utpl'
_saved = {}


def setUpModule():
    _saved['cwd'] = os.getcwd()
    _saved['path'] = list(sys.path)
    # template_dir is relative to the current directory and compiled
    # templates are imported from it: work from the repository root
    os.chdir(ROOT)
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    _saved['loader'] = mu._loader


def _remove_compiled(directory):
    for name in os.listdir(directory):
        if name.endswith('_html.py'):
            os.remove(directory + '/' + name)


def tearDownModule():
    mu._loader = _saved['loader']
    for name in list(sys.modules):
        if name.startswith('tests.templates') or name.startswith('templates'):
            del sys.modules[name]
    _remove_compiled(ROOT + '/' + TEMPLATE_DIR)
    _remove_compiled(ROOT + '/tests/templates')
    os.chdir(_saved['cwd'])
    sys.path[:] = _saved['path']


PAGE_ITEMS = ('<h1>Things</h1>\n<ul>\n<li>a</li>\n<li>&lt;b&gt;</li>\n'
              '</ul>\n<p>2 items</p>\n<footer>(c) 2024</footer>\n')
PAGE_EMPTY = ('<h1>None</h1>\n<ul>\n</ul>\n<p>No items</p>\n'
              '<footer>(c) 2024</footer>\n')


class TestUTemplate(unittest.TestCase):
    def setUp(self):
        Template.initialize(TEMPLATE_DIR)

    def test_render(self):
        t = Template('hello.html')
        self.assertEqual(t.name, 'hello.html')
        self.assertEqual(t.render('world'), 'Hello, world!\n')
        self.assertEqual(t.render(name='kw'), 'Hello, kw!\n')

    def test_loops_conditions_include(self):
        t = Template('page.html')
        # utemplate does not escape: callers pass safe text
        self.assertEqual(t.render('Things', ['a', '&lt;b&gt;']), PAGE_ITEMS)
        self.assertEqual(t.render(title='None', items=[]), PAGE_EMPTY)

    def test_generate(self):
        chunks = list(Template('hello.html').generate('x'))
        self.assertGreater(len(chunks), 1)
        self.assertEqual(''.join(chunks), 'Hello, x!\n')

    def test_async(self):
        t = Template('page.html')

        async def collect():
            chunks = []
            async for chunk in t.generate_async('Things',
                                                ['a', '&lt;b&gt;']):
                chunks.append(chunk)
            return chunks, await t.render_async(title='None', items=[])

        chunks, text = _run(collect())
        self.assertGreater(len(chunks), 3)
        self.assertEqual(''.join(chunks), PAGE_ITEMS)
        self.assertEqual(text, PAGE_EMPTY)

    def test_compiled_next_to_template(self):
        Template('hello.html')
        os.stat(TEMPLATE_DIR + '/hello_html.py')  # raises when missing

    def test_missing_template(self):
        with self.assertRaises(OSError):
            Template('missing.html')

    def test_compiled_loader(self):
        # compile with the default loader, then load with compiled.Loader
        # as a board does with templates compiled in advance
        Template('page.html')
        Template.initialize(TEMPLATE_DIR, loader_class=compiled.Loader)
        self.assertEqual(Template('page.html').render('None', []),
                         PAGE_EMPTY)
        with self.assertRaises(ImportError):
            Template('never_compiled.html')

    def test_default_loader_class(self):
        Template.initialize(TEMPLATE_DIR)
        self.assertIsInstance(mu._loader, recompile.Loader)
        Template.initialize(TEMPLATE_DIR, loader_class=None)
        self.assertIsInstance(mu._loader, recompile.Loader)

    def test_default_directory(self):
        # with no initialize(), 'templates' in the current directory is used
        mu._loader = None
        os.chdir(TESTS_DIR)
        added = TESTS_DIR not in sys.path
        if added:
            sys.path.insert(0, TESTS_DIR)
        try:
            self.assertEqual(Template('default.html').render(),
                             'default directory\n')
        finally:
            os.chdir(ROOT)
            if added:
                sys.path.remove(TESTS_DIR)


class TestUTemplateApp(unittest.TestCase):
    def setUp(self):
        Template.initialize(TEMPLATE_DIR)
        app = Microdot()

        @app.get('/')
        def index(request):
            name = request.args.get('name', 'anonymous')
            return Template('hello.html').render(name), \
                {'Content-Type': 'text/html; charset=UTF-8'}

        @app.get('/stream')
        def stream(request):
            return Template('page.html').generate('Things',
                                                  ['a', '&lt;b&gt;']), \
                {'Content-Type': 'text/html; charset=UTF-8'}

        @app.get('/async')
        async def render_async(request):
            return await Template('page.html').render_async('None', [])

        self.client = TestClient(app)

    def test_rendered_route(self):
        res = _run(self.client.get('/?name=Susan'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Type'],
                         'text/html; charset=UTF-8')
        self.assertEqual(res.text, 'Hello, Susan!\n')

    def test_streamed_route(self):
        res = _run(self.client.get('/stream'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, PAGE_ITEMS)

    def test_async_route(self):
        res = _run(self.client.get('/async'))
        self.assertEqual(res.text, PAGE_EMPTY)
