# Templates rendered with real Jinja2, from tests/templates/jinja.
import asyncio
import os
import unittest

import jinja2

from microdot import Microdot
from microdot.jinja import Template
from microdot.test_client import TestClient

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            'templates', 'jinja')


def _run(coro):
    return asyncio.run(coro)


HELLO = '<title>Hello</title>\n<main>Hello, {}!</main>'


class JinjaTestCase(unittest.TestCase):
    enable_async = False

    def setUp(self):
        self.saved_env = Template.jinja_env
        Template.initialize(TEMPLATE_DIR, enable_async=self.enable_async)

    def tearDown(self):
        Template.jinja_env = self.saved_env


class TestJinja(JinjaTestCase):
    def test_render_with_inheritance(self):
        t = Template('hello.html')
        self.assertEqual(t.name, 'hello.html')
        self.assertEqual(t.render(name='Susan'), HELLO.format('Susan'))
        self.assertEqual(t.render({'name': 'Bob'}), HELLO.format('Bob'))

    def test_html_is_autoescaped(self):
        text = Template('hello.html').render(name='<script>')
        self.assertEqual(text, HELLO.format('&lt;script&gt;'))

    def test_text_is_not_escaped(self):
        text = Template('list.txt').render(items=['<a>', 'b & c'])
        self.assertEqual(text, '- <a>\n- b & c\n')

    def test_generate(self):
        chunks = list(Template('hello.html').generate(name='x'))
        self.assertGreater(len(chunks), 1)
        self.assertEqual(''.join(chunks), HELLO.format('x'))

    def test_environment(self):
        self.assertIsInstance(Template.jinja_env, jinja2.Environment)
        self.assertFalse(Template.jinja_env.is_async)
        self.assertIsInstance(Template('hello.html').template,
                              jinja2.Template)

    def test_reexports_jinja_names(self):
        # microdot 2.7's module imports these by name; code written for it
        # may import them from microdot.jinja
        import microdot.jinja
        from microdot.jinja import Environment, FileSystemLoader, \
            select_autoescape
        self.assertIs(Environment, jinja2.Environment)
        self.assertIs(FileSystemLoader, jinja2.FileSystemLoader)
        self.assertIs(select_autoescape, jinja2.select_autoescape)
        names = {}
        exec('from microdot.jinja import *', names)
        self.assertEqual(
            sorted(n for n in names if not n.startswith('__')),
            ['Environment', 'FileSystemLoader', 'Template',
             'select_autoescape'])
        # an environment built from them renders the test templates
        env = Environment(loader=FileSystemLoader(TEMPLATE_DIR),
                          autoescape=select_autoescape())
        self.assertEqual(env.get_template('hello.html').render(name='<i>'),
                         HELLO.format('&lt;i&gt;'))
        self.assertIs(microdot.jinja.Environment, jinja2.Environment)

    def test_environment_kwargs(self):
        Template.initialize(TEMPLATE_DIR, trim_blocks=True,
                            autoescape=False)
        self.assertTrue(Template.jinja_env.trim_blocks)
        self.assertEqual(Template('hello.html').render(name='<b>'),
                         HELLO.format('<b>'))

    def test_get_template_kwargs(self):
        t = Template('hello.html', globals={'name': 'global'})
        self.assertEqual(t.render(), HELLO.format('global'))

    def test_missing_template(self):
        with self.assertRaises(jinja2.TemplateNotFound):
            Template('missing.html')

    def test_async_needs_enable_async(self):
        with self.assertRaises(RuntimeError):
            _run(Template('hello.html').render_async(name='x'))

    def test_default_directory(self):
        # the first Template initializes with 'templates' under the cwd
        Template.jinja_env = None
        cwd = os.getcwd()
        os.chdir(os.path.dirname(os.path.dirname(TEMPLATE_DIR)))
        try:
            t = Template('jinja/list.txt')
        finally:
            os.chdir(cwd)
        self.assertIsNotNone(Template.jinja_env)
        self.assertEqual(t.render(items=[1]), '- 1\n')

    def test_route(self):
        app = Microdot()

        @app.get('/')
        def index(request):
            return Template('hello.html').render(
                name=request.args.get('name')), {'Content-Type': 'text/html'}

        @app.get('/stream')
        def stream(request):
            return Template('list.txt').generate(items=range(3))

        client = TestClient(app)
        res = _run(client.get('/?name=a%26b'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Type'], 'text/html')
        self.assertEqual(res.text, HELLO.format('a&amp;b'))
        res = _run(client.get('/stream'))
        self.assertEqual(res.text, '- 0\n- 1\n- 2\n')


class TestJinjaAsync(JinjaTestCase):
    enable_async = True

    def test_render_async(self):
        async def numbers():
            for n in range(3):
                await asyncio.sleep(0)
                yield n

        async def render():
            return await Template('async.html').render_async(
                numbers=numbers)

        self.assertTrue(Template.jinja_env.is_async)
        self.assertEqual(_run(render()),
                         '<i>0</i><i>1</i><i>2</i>')

    def test_generate_async(self):
        async def collect():
            chunks = []
            async for chunk in Template('hello.html').generate_async(
                    name='<x>'):
                chunks.append(chunk)
            return chunks

        chunks = _run(collect())
        self.assertGreater(len(chunks), 1)
        self.assertEqual(''.join(chunks), HELLO.format('&lt;x&gt;'))

    def test_async_route(self):
        app = Microdot()

        @app.get('/')
        async def index(request):
            return await Template('hello.html').render_async(name='async')

        res = _run(TestClient(app).get('/'))
        self.assertEqual(res.text, HELLO.format('async'))
