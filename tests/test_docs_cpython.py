"""Every code sample of the documentation (docs/**/*.rst) runs here.

A sample is a ``.. code-block::`` directive. One with a ``:name:`` is
runnable, and CHECKS below has a function of that name that runs it: Python
samples are executed in this process and driven with the test client, or,
when they start a server, run as scripts on a free port of 127.0.0.1 and
driven over a real socket before they are stopped; shell samples are run
with the virtual environment's executables first on PATH. A sample with
``:class: fragment`` cannot run on its own (a line of a board's manifest, a
command that needs a board or the network) and is only checked for syntax.
Every sample is one or the other; bare ``::`` literal blocks are not used,
so no code escapes this test.

Servers started by samples bind 127.0.0.1 and a free port whatever the
sample says: ``docs_hook/sitecustomize.py`` (made here) wraps
``Microdot.run`` and ``Microdot.start_server`` in the sample's process to
change only those two arguments; the server itself is the real one.
Command lines of other servers (uvicorn, gunicorn, granian) get the free
port in place of the 8000 they show.
"""
import asyncio
import contextlib
import glob
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, 'docs')
BIN = os.path.dirname(sys.executable)
MICROPYTHON = os.environ.get('MICROPYTHON') or os.path.join(BIN, 'micropython')
TIMEOUT = 30

_DIRECTIVE = re.compile(r'^(\s*)\.\. code-block::\s*(\S*)\s*$')
_OPTION = re.compile(r'^\s*:(\w[\w-]*):\s*(.*?)\s*$')


class Sample:
    def __init__(self, path, line, language, options, code):
        self.path = os.path.relpath(path, ROOT)
        self.line = line
        self.language = language
        self.name = options.get('name')
        self.classes = options.get('class', '').split()
        self.code = code

    def __repr__(self):
        return '{}:{} ({})'.format(self.path, self.line,
                                   self.name or 'fragment')


def extract(path):
    """Return the code blocks of an .rst file, and the lines that end a
    paragraph with ``::`` (a literal block, which this test forbids)."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    samples = []
    literal = []
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if not m:
            stripped = lines[i].strip()
            if stripped.endswith('::') and not stripped.startswith('..'):
                literal.append('{}:{}'.format(os.path.relpath(path, ROOT),
                                              i + 1))
            i += 1
            continue
        indent = len(m.group(1))
        start = i + 1
        i += 1
        options = {}
        while i < len(lines) and _OPTION.match(lines[i]):
            key, value = _OPTION.match(lines[i]).groups()
            options[key] = value
            i += 1
        body = []
        while i < len(lines) and (not lines[i].strip() or
                                  len(lines[i]) - len(lines[i].lstrip()) >
                                  indent):
            body.append(lines[i])
            i += 1
        code = textwrap.dedent('\n'.join(body)).strip('\n') + '\n'
        samples.append(Sample(path, start, m.group(2), options, code))
    return samples, literal


def all_samples():
    samples = []
    literal = []
    for path in sorted(glob.glob(os.path.join(DOCS, '**', '*.rst'),
                                 recursive=True)):
        found, bare = extract(path)
        samples += found
        literal += bare
    return samples, literal


SAMPLES, LITERAL_BLOCKS = all_samples()
BY_NAME = {s.name: s for s in SAMPLES if s.name}


def code(name):
    return BY_NAME[name].code


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# --- running samples ------------------------------------------------------

HOOK = '''\
# Made by tests/test_docs_cpython.py: serve documentation samples on
# 127.0.0.1 and the test's free port, whatever host and port they name.
import inspect
import os

_port = os.environ.get('DOCS_SAMPLE_PORT')
if _port:
    import microdot.microdot as _core

    def _force(method):
        signature = inspect.signature(method)

        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.arguments['host'] = '127.0.0.1'
            bound.arguments['port'] = int(_port)
            return method(*bound.args, **bound.kwargs)
        return wrapper

    _core.Microdot.run = _force(_core.Microdot.run)
    _core.Microdot.start_server = _force(_core.Microdot.start_server)
'''


def _saved_state():
    # class attributes and module globals that samples set for the process
    import microdot
    from microdot import jinja, multipart, utemplate, websocket
    targets = [
        (microdot.Request, ('max_content_length', 'max_body_length',
                            'max_readline', 'max_headers',
                            'max_head_length')),
        (microdot.Response, ('default_content_type', 'types_map',
                             'default_send_file_max_age',
                             'send_file_buffer_size')),
        (microdot.Microdot, ('head_timeout', 'keep_alive_timeout',
                             'body_timeout', 'shutdown_timeout')),
        (microdot.URLPattern, ('segment_patterns', 'segment_parsers')),
        (websocket.WebSocket, ('max_message_length', 'close_timeout',
                               'ping_interval', 'idle_timeout',
                               'frame_timeout')),
        (multipart.FileUpload, ('max_memory_size', 'temp_dir')),
        (multipart.FormDataIter, ('buffer_size', 'max_field_size')),
        (jinja.Template, ('jinja_env',)),
        (utemplate, ('_loader',)),
    ]
    saved = []
    for obj, names in targets:
        for name in names:
            value = vars(obj).get(name)
            if isinstance(value, dict):
                value = dict(value)
            saved.append((obj, name, value))
    return saved


def _restore(saved):
    for obj, name, value in saved:
        if isinstance(value, dict):
            current = getattr(obj, name)
            current.clear()
            current.update(value)
        else:
            setattr(obj, name, value)


class DocsTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='docs-sample-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        hook = os.path.join(self.tmp, 'docs_hook')
        os.mkdir(hook)
        with open(os.path.join(hook, 'sitecustomize.py'), 'w') as f:
            f.write(HOOK)
        self.env = dict(os.environ, PYTHONUNBUFFERED='1')
        self.env['PATH'] = BIN + os.pathsep + self.env.get('PATH', '')
        self.env['PYTHONPATH'] = os.pathsep.join(
            [hook, ROOT] + [p for p in [self.env.get('PYTHONPATH')] if p])
        self.env.pop('DOCS_SAMPLE_PORT', None)

    def write(self, filename, text):
        path = os.path.join(self.tmp, filename)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        return path

    # in this process

    def exec_sample(self, name):
        """Run a sample in this process, in the temporary directory, and
        return its globals; what it sets on classes is undone after the
        test."""
        saved = _saved_state()
        self.addCleanup(_restore, saved)
        cwd = os.getcwd()
        os.chdir(self.tmp)
        self.addCleanup(os.chdir, cwd)
        namespace = {'__name__': 'docs_sample'}
        exec(compile(code(name), '<docs {}>'.format(name), 'exec'),
             namespace)
        return namespace

    def client(self, namespace, **kwargs):
        from microdot.test_client import TestClient
        return TestClient(namespace['app'], **kwargs)

    def call(self, coro):
        return asyncio.run(coro)

    # in a process of its own

    @contextlib.contextmanager
    def process(self, command, port=None, stop=signal.SIGTERM,
                graceful=True, **kwargs):
        """Start a command that serves on ``port``, wait until it listens,
        and stop it at the end; with ``graceful``, it must then exit 0."""
        env = dict(self.env, **kwargs.pop('env', {}))
        if port is not None:
            env['DOCS_SAMPLE_PORT'] = str(port)
        log_path = os.path.join(self.tmp, 'server-{}.log'.format(port))
        with open(log_path, 'wb') as log:
            proc = subprocess.Popen(
                command, cwd=kwargs.pop('cwd', self.tmp), env=env,
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)

        def output():
            with open(log_path, encoding='utf-8', errors='replace') as f:
                return f.read()

        try:
            deadline = time.monotonic() + TIMEOUT
            while True:
                if proc.poll() is not None:
                    self.fail('{} exited ({}):\n{}'.format(
                        command, proc.returncode, output()))
                try:
                    socket.create_connection(('127.0.0.1', port),
                                             timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        self.fail('{} did not listen:\n{}'.format(
                            command, output()))
                    time.sleep(0.1)
            proc.docs_port = port
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(stop)
            try:
                proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                self.fail('{} did not stop:\n{}'.format(command, output()))
        if graceful:
            self.assertEqual(proc.returncode, 0, output())
        self.last_output = output()

    def serve(self, name, filename=None, **kwargs):
        """Run a Python sample that starts a server, as a script."""
        path = self.write(filename or name.replace('-', '_') + '.py',
                          code(name))
        port = free_port()
        return self.process([sys.executable, path], port, **kwargs)

    def run_shell(self, name, **kwargs):
        return subprocess.run(
            ['bash', '-e', '-c', code(name)], cwd=kwargs.pop('cwd', self.tmp),
            env=dict(self.env, **kwargs.pop('env', {})),
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=120, **kwargs)

    def serve_command(self, name, **kwargs):
        """Run a one-line shell sample that starts a server, with a free
        port in place of the 8000 it shows."""
        port = free_port()
        command = shlex.split(code(name).replace('8000', str(port)))
        self.assertEqual(len(code(name).strip().splitlines()), 1)
        return self.process(command, port, **kwargs)

    # talking to servers

    def http(self, port, method, path, body=None, headers=None,
             context=None):
        if context is None:
            conn = http.client.HTTPConnection('127.0.0.1', port,
                                              timeout=TIMEOUT)
        else:
            conn = http.client.HTTPSConnection('127.0.0.1', port,
                                               timeout=TIMEOUT,
                                               context=context)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            res.data = res.read()
            return res
        finally:
            conn.close()

    def get_json(self, port, path):
        res = self.http(port, 'GET', path)
        self.assertEqual(res.status, 200, res.data)
        return json.loads(res.data)

    def websocket_echo(self, port, path, messages):
        from websockets.sync.client import connect
        replies = []
        with connect('ws://127.0.0.1:{}{}'.format(port, path),
                     open_timeout=TIMEOUT, close_timeout=5) as ws:
            for message in messages:
                ws.send(message)
                replies.append(ws.recv(timeout=TIMEOUT))
        return replies


def multipart_body(fields, files):
    boundary = 'docs-boundary-7f3a'
    parts = []
    for name, value in fields.items():
        parts.append('--{}\r\nContent-Disposition: form-data; name="{}"'
                     '\r\n\r\n{}\r\n'.format(boundary, name, value).encode())
    for name, (filename, content_type, data) in files.items():
        parts.append('--{}\r\nContent-Disposition: form-data; name="{}"; '
                     'filename="{}"\r\nContent-Type: {}\r\n\r\n'.format(
                         boundary, name, filename, content_type).encode() +
                     data + b'\r\n')
    parts.append('--{}--\r\n'.format(boundary).encode())
    return b''.join(parts), {
        'Content-Type': 'multipart/form-data; boundary=' + boundary}


# --- the checks: one per named sample --------------------------------------

CHECKS = {}


def check(*names):
    """Register the function that runs the samples with these names."""
    def register(f):
        f.__name__ = names[0].replace('-', '_')
        for name in names:
            CHECKS[name] = f
        return f
    return register


@check('quickstart-hello')
def _(t):
    with t.serve('quickstart-hello', 'hello.py') as server:
        port = server.docs_port
        t.assertEqual(t.http(port, 'GET', '/').data, b'Hello, world!')
        t.assertEqual(t.get_json(port, '/users/7?name=ada'),
                      {'id': 7, 'name': 'ada'})
        t.assertEqual(t.http(port, 'GET', '/users/x').status, 404)
    t.assertIn('GET /users/7 200', t.last_output)


@check('quickstart-run')
def _(t):
    # `python hello.py` in the directory where the sample above was saved
    t.write('hello.py', code('quickstart-hello'))
    port = free_port()
    with t.process(shlex.split(code('quickstart-run')), port) as server:
        t.assertEqual(t.http(port, 'GET', '/').data, b'Hello, world!')
    t.assertIsNotNone(server)


@check('quickstart-test')
def _(t):
    t.exec_sample('quickstart-test')  # its asserts run


@check('routing-methods')
def _(t):
    ns = t.exec_sample('routing-methods')
    c = t.client(ns)
    res = t.call(c.post('/todos', body={'title': 'write docs'}))
    t.assertEqual((res.status_code, res.json), (201, {'id': 1}))
    t.call(c.post('/todos', body={'title': 'test them'}))
    res = t.call(c.get('/todos'))
    t.assertEqual(res.json, [{'id': 1, 'title': 'write docs'},
                             {'id': 2, 'title': 'test them'}])
    t.assertEqual(t.call(c.delete('/todos/1')).status_code, 204)
    t.assertEqual(len(t.call(c.get('/todos')).json), 1)
    res = t.call(c.request('HEAD', '/todos'))
    t.assertEqual((res.status_code, res.body), (200, None))
    res = t.call(c.put('/todos'))
    t.assertEqual(res.status_code, 405)
    t.assertIn('POST', res.headers['Allow'])
    t.assertEqual(t.call(c.get('/nothing')).status_code, 404)
    res = t.call(c.request('OPTIONS', '/todos/3'))
    t.assertEqual(res.headers['Allow'], 'DELETE, OPTIONS')


@check('routing-segments')
def _(t):
    c = t.client(t.exec_sample('routing-segments'))
    t.assertEqual(t.call(c.get('/users/ada')).text, 'user ada')
    t.assertEqual(t.call(c.get('/orders/41')).json,
                  {'order': 41, 'next': 42})
    t.assertEqual(t.call(c.get('/orders/-2')).json['order'], -2)
    t.assertEqual(t.call(c.get('/orders/abc')).status_code, 404)
    t.assertEqual(t.call(c.get('/files/docs/intro.txt')).text,
                  'file docs/intro.txt')
    t.assertEqual(t.call(c.get('/colors/ff8800')).text, 'color ff8800')
    t.assertEqual(t.call(c.get('/colors/ff88')).status_code, 404)
    t.assertEqual(t.call(c.get('/users/a%20b')).text, 'user a%20b')


@check('routing-custom-type')
def _(t):
    c = t.client(t.exec_sample('routing-custom-type'))
    t.assertEqual(t.call(c.get('/registers/ff')).json, {'address': 255})
    t.assertEqual(t.call(c.get('/registers/zz')).status_code, 404)


@check('routing-order')
def _(t):
    c = t.client(t.exec_sample('routing-order'))
    t.assertEqual(t.call(c.get('/users/me')).text, 'the current user')
    t.assertEqual(t.call(c.get('/users/ada')).text, 'user ada')


@check('routing-hooks')
def _(t):
    c = t.client(t.exec_sample('routing-hooks'))
    res = t.call(c.get('/'))
    t.assertEqual(res.text, 'hello')
    t.assertGreaterEqual(float(res.headers['X-Elapsed']), 0)
    res = t.call(c.get('/', headers={'X-Blocked': 'yes'}))
    t.assertEqual((res.status_code, res.text), (403, 'blocked'))


@check('requests-attributes')
def _(t):
    c = t.client(t.exec_sample('requests-attributes'))
    res = t.call(c.get('/echo?tag=a&tag=b&page=3', headers={
        'User-Agent': 'demo', 'Cookie': 'theme=dark'}))
    t.assertEqual(res.json, {'method': 'GET', 'path': '/echo',
                             'tags': ['a', 'b'], 'page': 3, 'agent': 'demo',
                             'theme': 'dark', 'json': None})
    res = t.call(c.post('/echo', body={'x': 2 ** 70}))
    t.assertEqual(res.json['json'], {'x': 2 ** 70})
    t.assertEqual(res.json['page'], 1)
    res = t.call(c.post('/echo', body='{"x": ', headers={
        'Content-Type': 'application/json'}))
    t.assertEqual(res.status_code, 400)


@check('requests-form')
def _(t):
    c = t.client(t.exec_sample('requests-form'))
    form = {'Content-Type': 'application/x-www-form-urlencoded'}
    res = t.call(c.post('/subscribe', headers=dict(form),
                        body='email=ada%40example.com&topic=news&topic=a+b'))
    t.assertEqual(res.text, 'subscribed ada@example.com to news, a b')
    res = t.call(c.post('/subscribe', headers=dict(form), body='topic=x'))
    t.assertEqual(res.status_code, 400)


@check('requests-stream')
def _(t):
    import hashlib
    from microdot import Request
    c = t.client(t.exec_sample('requests-stream'))
    t.assertEqual(Request.max_body_length, 4 * 1024)
    for size in (10, 200 * 1024):
        data = os.urandom(size)
        res = t.call(c.post('/checksum', body=data))
        t.assertEqual(res.json, {'size': size,
                                 'sha256': hashlib.sha256(data).hexdigest()})
    res = t.call(c.post('/checksum', body=b'x' * (1024 * 1024 + 1)))
    t.assertEqual(res.status_code, 413)


@check('requests-g')
def _(t):
    c = t.client(t.exec_sample('requests-g'))
    res = t.call(c.get('/whoami', headers={'X-Api-Key': 'k-123'}))
    t.assertEqual(res.json, {'user': 'ada'})
    t.assertEqual(t.call(c.get('/whoami')).json, {'user': None})


@check('responses-forms')
def _(t):
    c = t.client(t.exec_sample('responses-forms'))
    res = t.call(c.get('/text'))
    t.assertEqual((res.text, res.headers['Content-Type']),
                  ('plain text', 'text/plain; charset=UTF-8'))
    res = t.call(c.get('/json'))
    t.assertEqual(res.json, {'ok': True, 'items': [1, 2, 3]})
    t.assertEqual(res.headers['Content-Type'],
                  'application/json; charset=UTF-8')
    res = t.call(c.post('/items'))
    t.assertEqual((res.status_code, res.headers['Location']),
                  (201, '/items/1'))
    res = t.call(c.get('/html'))
    t.assertEqual(res.headers['Content-Type'], 'text/html; charset=UTF-8')
    res = t.call(c.get('/nothing'))
    t.assertEqual((res.status_code, res.body), (204, b''))


@check('responses-cookies')
def _(t):
    c = t.client(t.exec_sample('responses-cookies'))
    res = t.call(c.post('/theme/dark'))
    t.assertEqual(res.headers['Set-Cookie'],
                  ['theme=dark; Path=/; Max-Age=86400; HttpOnly'])
    t.assertEqual(c.cookies, {'theme': 'dark'})
    res = t.call(c.delete('/theme'))
    t.assertEqual(res.status_code, 204)
    t.assertIn('Max-Age=0', res.headers['Set-Cookie'][0])
    t.assertEqual(c.cookies, {})
    # set_cookie refuses a value with ';': the handler fails, a 500
    t.assertEqual(t.call(c.post('/theme/a;b')).status_code, 500)


@check('responses-redirect')
def _(t):
    c = t.client(t.exec_sample('responses-redirect'))
    res = t.call(c.get('/old-page'))
    t.assertEqual((res.status_code, res.headers['Location']),
                  (301, '/new-page'))


@check('responses-stream')
def _(t):
    # over a real socket: chunked on HTTP/1.1, the connection kept
    source = code('responses-stream') + '\napp.run()\n'
    t.write('stream.py', source)
    port = free_port()
    with t.process([sys.executable, 'stream.py'], port):
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=TIMEOUT)
        for _ in range(2):
            conn.request('GET', '/countdown')
            res = conn.getresponse()
            t.assertEqual(res.getheader('Transfer-Encoding'), 'chunked')
            t.assertEqual(res.read(), b'3...\n2...\n1...\nliftoff\n')
        conn.close()


@check('responses-send-file')
def _(t):
    t.write('index.html', '<h1>home</h1>')
    c = t.client(t.exec_sample('responses-send-file'))
    res = t.call(c.get('/'))
    t.assertEqual(res.body, b'<h1>home</h1>')
    t.assertEqual(res.headers['Content-Type'], 'text/html')
    t.assertEqual(res.headers['Cache-Control'], 'max-age=60')
    # the file's length goes out on an HTTP/1.1 connection
    t.write('files.py', code('responses-send-file') + 'app.run()\n')
    port = free_port()
    with t.process([sys.executable, 'files.py'], port):
        res = t.http(port, 'GET', '/')
        t.assertEqual((res.getheader('Content-Length'), res.data),
                      ('13', b'<h1>home</h1>'))


@check('errors-abort')
def _(t):
    c = t.client(t.exec_sample('errors-abort'))
    t.assertEqual(t.call(c.get('/users/2')).json, {'name': 'grace'})
    res = t.call(c.get('/users/3'))
    t.assertEqual((res.status_code, res.text), (404, 'no such user'))


@check('errors-handlers')
def _(t):
    c = t.client(t.exec_sample('errors-handlers'))
    res = t.call(c.get('/nowhere'))
    t.assertEqual((res.status_code, res.json),
                  (404, {'error': 'not found', 'path': '/nowhere'}))
    res = t.call(c.get('/buy/tea'))
    t.assertEqual((res.status_code, res.json),
                  (409, {'error': 'out of stock', 'item': 'tea'}))
    t.assertEqual(t.call(c.get('/ratio/3/2')).json, {'ratio': 1.5})
    res = t.call(c.get('/ratio/1/0'))
    t.assertEqual((res.status_code, res.json),
                  (400, {'error': 'division by zero'}))


@check('errors-after-error')
def _(t):
    c = t.client(t.exec_sample('errors-after-error'))
    res = t.call(c.get('/'))
    t.assertNotIn('Cache-Control', res.headers)
    res = t.call(c.get('/missing'))
    t.assertEqual((res.status_code, res.headers['Cache-Control']),
                  (404, 'no-store'))


@check('mounting-basic')
def _(t):
    c = t.client(t.exec_sample('mounting-basic'))
    t.assertEqual(t.call(c.get('/customers/')).json, ['ada', 'grace'])
    t.assertEqual(t.call(c.get('/customers/3')).json,
                  {'id': 3, 'prefix': '/customers'})
    t.assertEqual(t.call(c.get('/orders/')).json, [])


@check('mounting-local')
def _(t):
    c = t.client(t.exec_sample('mounting-local'))
    key = {'X-Api-Key': 'secret'}
    t.assertEqual(t.call(c.get('/')).text, 'public page')
    t.assertEqual(t.call(c.get('/api/status')).status_code, 401)
    t.assertEqual(t.call(c.get('/api/status', headers=key)).json,
                  {'status': 'ok'})
    res = t.call(c.get('/api/items/7', headers=dict(key)))
    t.assertEqual((res.status_code, res.json), (404, {'error': 'not found'}))
    res = t.call(c.get('/elsewhere'))
    t.assertEqual((res.status_code, res.text), (404, 'Not found'))


@check('test-client-unittest')
def _(t):
    path = t.write('test_app.py', code('test-client-unittest'))
    result = subprocess.run([sys.executable, path], cwd=t.tmp, env=t.env,
                            capture_output=True, text=True, timeout=120)
    t.assertEqual(result.returncode, 0, result.stderr)
    t.assertIn('Ran 3 tests', result.stderr)


@check('test-client-websocket')
def _(t):
    t.exec_sample('test-client-websocket')  # its assert runs


@check('websocket-echo')
def _(t):
    with t.serve('websocket-echo') as server:
        port = int(server.docs_port)
        t.assertEqual(t.websocket_echo(port, '/echo', ['hi', b'\x00\xff']),
                      ['hi', b'\x00\xff'])
        t.assertEqual(t.http(port, 'GET', '/echo').status, 400)


@check('websocket-upgrade')
def _(t):
    # the server speaks first, which the test client cannot hear: a socket
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect
    t.write('feed.py', code('websocket-upgrade') + 'app.run()\n')
    port = free_port()
    with t.process([sys.executable, 'feed.py'], port):
        url = 'ws://127.0.0.1:{}/feed'.format(port)
        with connect(url + '?token=let-me-in', open_timeout=TIMEOUT) as ws:
            t.assertEqual(ws.recv(timeout=TIMEOUT), 'welcome')
        with t.assertRaises(InvalidStatus) as cm:
            connect(url, open_timeout=TIMEOUT)
        t.assertEqual(cm.exception.response.status_code, 403)


@check('websocket-limits')
def _(t):
    from microdot.websocket import WebSocket
    t.exec_sample('websocket-limits')
    t.assertEqual((WebSocket.max_message_length, WebSocket.ping_interval,
                   WebSocket.idle_timeout), (64 * 1024, 20, 60))


@check('sse-counter')
def _(t):
    with t.serve('sse-counter') as server:
        res = t.http(server.docs_port, 'GET', '/ticks')
        t.assertEqual(res.getheader('Content-Type'), 'text/event-stream')
    events = []
    for block in res.data.decode().split('\n\n')[:-1]:
        fields = dict(line.split(': ', 1) for line in block.split('\n'))
        events.append((fields['event'], fields.get('id'), fields['data']))
    t.assertEqual([e[:2] for e in events], [
        ('tick', '1'), ('tick', '2'), ('tick', '3'), ('end', None)])
    t.assertEqual([json.loads(e[2]) for e in events[:3]],
                  [{'tick': 1}, {'tick': 2}, {'tick': 3}])
    t.assertEqual(events[3][2], 'done')


@check('sse-test')
def _(t):
    t.exec_sample('sse-test')  # its asserts run


@check('multipart-with-form-data')
def _(t):
    body, headers = multipart_body({'owner': 'ada'}, {
        'photo': ('../../cat.jpg', 'image/jpeg', os.urandom(50000))})
    with t.serve('multipart-with-form-data') as server:
        res = t.http(server.docs_port, 'POST', '/upload', body, headers)
        t.assertEqual(json.loads(res.data),
                      {'saved': 'ada-cat.jpg', 'type': 'image/jpeg'})
    with open(os.path.join(t.tmp, 'uploads', 'ada-cat.jpg'), 'rb') as f:
        t.assertEqual(len(f.read()), 50000)


@check('multipart-iter')
def _(t):
    import hashlib
    c = t.client(t.exec_sample('multipart-iter'))
    data = b'firmware' * 100
    body, headers = multipart_body({'version': '1.2'}, {
        'image': ('fw.bin', 'application/octet-stream', data)})
    res = t.call(c.post('/digest', headers=headers, body=body))
    t.assertEqual(res.json, {'version': '1.2',
                             'image': hashlib.sha256(data).hexdigest()})
    res = t.call(c.post('/digest', headers=headers, body=body[:-30]))
    t.assertEqual(res.status_code, 400)


@check('session-basic')
def _(t):
    c = t.client(t.exec_sample('session-basic'))
    t.assertEqual(t.call(c.get('/')).text, 'Hello, stranger!')
    res = t.call(c.post('/name', body='name=Ada', headers={
        'Content-Type': 'application/x-www-form-urlencoded'}))
    t.assertIn('HttpOnly', res.headers['Set-Cookie'][0])
    t.assertIn('Path=/', res.headers['Set-Cookie'][0])
    res = t.call(c.get('/'))
    t.assertEqual(res.text, 'Hello, Ada!')
    t.assertIn('Cookie', res.headers['Vary'])
    t.call(c.post('/forget'))
    t.assertEqual(t.call(c.get('/')).text, 'Hello, stranger!')
    # a cookie signed with another key is an empty session
    from microdot.session import Session
    forged = Session(secret_key='another-key-of-thirty-two-bytes!').encode(
        {'name': 'Mallory'})
    c.cookies['session'] = forged
    t.assertEqual(t.call(c.get('/')).text, 'Hello, stranger!')


@check('session-options')
def _(t):
    from microdot.session import with_session
    ns = t.exec_sample('session-options')

    @ns['app'].get('/')
    @with_session
    async def index(request, session):
        session['x'] = 1
        session.save()
        return 'ok'

    res = t.call(t.client(ns).get('/'))
    cookie = res.headers['Set-Cookie'][0]
    for part in ('Path=/', 'Max-Age=604800', 'Secure', 'HttpOnly'):
        t.assertIn(part, cookie)


@check('auth-basic')
def _(t):
    import base64
    c = t.client(t.exec_sample('auth-basic'))

    def basic(user, password):
        token = base64.b64encode('{}:{}'.format(user, password).encode())
        return {'Authorization': 'Basic ' + token.decode()}

    res = t.call(c.get('/admin'))
    t.assertEqual(res.status_code, 401)
    t.assertIn('realm="admin area"', res.headers['WWW-Authenticate'])
    t.assertEqual(t.call(c.get('/admin', basic('ada', 'nope'))).status_code,
                  401)
    t.assertEqual(t.call(c.get('/admin', basic('ada', 'lovelace'))).text,
                  'Hello, ada')


@check('auth-token')
def _(t):
    c = t.client(t.exec_sample('auth-token'))
    good = {'Authorization': 'Bearer t0k3n'}
    t.assertEqual(t.call(c.get('/data', headers=dict(good))).json,
                  {'user': 'robot'})
    res = t.call(c.get('/data', headers={'Authorization': 'Bearer bad'}))
    t.assertEqual((res.status_code, res.json),
                  (401, {'error': 'a valid token is needed'}))
    t.assertEqual(t.call(c.get('/greeting')).text, 'Hello, anonymous')
    t.assertEqual(t.call(c.get('/greeting', headers=dict(good))).text,
                  'Hello, robot')


@check('login-app')
def _(t):
    c = t.client(t.exec_sample('login-app'))
    res = t.call(c.get('/'))
    t.assertEqual((res.status_code, res.headers['Location']),
                  (302, '/login?next=/'))
    form = {'Content-Type': 'application/x-www-form-urlencoded'}
    res = t.call(c.post('/login?next=//evil.example/', headers=dict(form),
                        body='username=ada&password=lovelace&remember=1'))
    t.assertEqual(res.headers['Location'], '/')
    t.assertTrue(any(h.startswith('_remember=')
                     for h in res.headers['Set-Cookie']))
    t.assertEqual(t.call(c.get('/')).text, 'Hello, ada')
    # the session is gone, the remember cookie logs the user in again
    del c.cookies['session']
    t.assertEqual(t.call(c.get('/')).text, 'Hello, ada')
    t.call(c.post('/logout'))
    t.assertNotIn('_remember', c.cookies)
    t.assertEqual(t.call(c.get('/')).status_code, 302)
    res = t.call(c.post('/login', headers=dict(form),
                        body='username=ada&password=wrong'))
    t.assertEqual(res.headers['Location'], '/login')


@check('cors-basic')
def _(t):
    c = t.client(t.exec_sample('cors-basic'))
    origin = {'Origin': 'https://app.example.com'}
    res = t.call(c.get('/api/data', headers=dict(origin)))
    t.assertEqual(res.headers['Access-Control-Allow-Origin'],
                  'https://app.example.com')
    t.assertEqual(res.headers['Access-Control-Allow-Credentials'], 'true')
    t.assertIn('Origin', res.headers['Vary'])
    res = t.call(c.request('OPTIONS', '/api/data', headers=dict(
        origin, **{'Access-Control-Request-Method': 'PUT'})))
    t.assertEqual(res.headers['Access-Control-Allow-Methods'], 'PUT')
    t.assertEqual(res.headers['Access-Control-Max-Age'], '600')
    res = t.call(c.get('/api/data', headers={'Origin': 'https://evil.test'}))
    t.assertNotIn('Access-Control-Allow-Origin', res.headers)
    res = t.call(c.get('/missing', headers=dict(origin)))
    t.assertEqual(res.status_code, 404)
    t.assertIn('Access-Control-Allow-Origin', res.headers)


@check('csrf-basic')
def _(t):
    c = t.client(t.exec_sample('csrf-basic'))
    cases = [({'Sec-Fetch-Site': 'same-origin'}, 200),
             ({'Sec-Fetch-Site': 'cross-site',
               'Origin': 'https://evil.example'}, 403),
             ({'Sec-Fetch-Site': 'cross-site',
               'Origin': 'https://partner.example.com'}, 200),
             ({'Origin': 'https://evil.example'}, 403),
             ({}, 200)]
    for headers, status in cases:
        res = t.call(c.post('/transfer', headers=dict(headers)))
        t.assertEqual(res.status_code, status, headers)
    res = t.call(c.post('/webhook', headers={
        'Sec-Fetch-Site': 'cross-site', 'Origin': 'https://evil.example'}))
    t.assertEqual(res.text, 'received')


@check('jinja-app', 'jinja-template')
def _(t):
    t.write('templates/hello.html', code('jinja-template'))
    c = t.client(t.exec_sample('jinja-app'))
    res = t.call(c.get('/?name=<b>'))
    t.assertIn('<h1>Hello, &lt;b&gt;!</h1>', res.text)
    t.assertIn('<li>a</li>', res.text)
    t.assertEqual(res.headers['Content-Type'], 'text/html; charset=UTF-8')


@check('utemplate-app', 'utemplate-template')
def _(t):
    t.write('templates/hello.tpl', code('utemplate-template'))
    # utemplate imports the compiled template as templates.hello_tpl
    sys.path.insert(0, t.tmp)
    t.addCleanup(sys.path.remove, t.tmp)
    for name in [m for m in sys.modules if m.startswith('templates')]:
        t.addCleanup(sys.modules.__setitem__, name, sys.modules.pop(name))
    t.addCleanup(lambda: [sys.modules.pop(m) for m in list(sys.modules)
                          if m.startswith('templates')])
    c = t.client(t.exec_sample('utemplate-app'))
    res = t.call(c.get('/?name=<b>'))
    t.assertIn('<h1>Hello, &lt;b&gt;!</h1>', res.text)
    t.assertIn('<li>b</li>', res.text)


@check('static-files')
def _(t):
    with t.serve('static-files') as server:
        port = server.docs_port
        res = t.http(port, 'GET', '/')
        t.assertIn(b'stylesheet', res.data)
        res = t.http(port, 'GET', '/static/css/site.css')
        t.assertEqual(res.getheader('Content-Type'), 'text/css')
        t.assertEqual(res.getheader('Cache-Control'), 'max-age=3600')
        etag = res.getheader('ETag')
        res = t.http(port, 'GET', '/static/css/site.css',
                     headers={'If-None-Match': etag})
        t.assertEqual(res.status, 304)
        res = t.http(port, 'GET', '/static/css/site.css',
                     headers={'Range': 'bytes=0-3'})
        t.assertEqual((res.status, res.data), (206, b'body'))
        for path in ('/static/../static_files.py',
                     '/static/%2e%2e/static_files.py', '/static/css'):
            t.assertEqual(t.http(port, 'GET', path).status, 404, path)


@check('asgi-uvicorn', 'asgi-app')
def _(t):
    t.write('asgi_hello.py', code('asgi-app'))
    with t.serve_command('asgi-uvicorn', graceful=False) as server:
        port = server.docs_port
        t.assertEqual(t.get_json(port, '/'), {'server': 'http', 'path': '/'})
        t.assertEqual(t.websocket_echo(port, '/echo', ['one', 'two']),
                      ['one', 'two'])


@check('asgi-lifespan')
def _(t):
    t.write('lifespan_app.py', code('asgi-lifespan'))
    port = free_port()
    command = [os.path.join(BIN, 'uvicorn'), 'lifespan_app:app', '--port',
               str(port), '--lifespan', 'on']
    with t.process(command, port, graceful=False):
        t.assertEqual(t.get_json(port, '/'),
                      {'events': ['database connected']})
    t.assertIn('Application shutdown complete', t.last_output)


@check('wsgi-gunicorn', 'wsgi-app')
def _(t):
    t.write('wsgi_hello.py', code('wsgi-app'))
    with t.serve_command('wsgi-gunicorn', graceful=False) as server:
        port = server.docs_port
        t.assertEqual(t.get_json(port, '/'), {'method': 'GET'})
        res = t.http(port, 'POST', '/echo', body=b'\x00raw')
        t.assertEqual(res.data, b'\x00raw')


@check('deploy-run')
def _(t):
    with t.serve('deploy-run') as server:
        port = server.docs_port
        for _ in range(4):
            t.assertEqual(t.http(port, 'GET', '/').data,
                          b'served by microdot')


@check('deploy-ssl')
def _(t):
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                    '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem',
                    '-days', '1', '-subj', '/CN=127.0.0.1'],
                   cwd=t.tmp, check=True, capture_output=True)
    context = ssl.create_default_context(
        cafile=os.path.join(t.tmp, 'cert.pem'))
    context.check_hostname = False
    with t.serve('deploy-ssl') as server:
        res = t.http(server.docs_port, 'GET', '/', context=context)
        t.assertEqual(res.data, b'secure: https')


@check('deploy-start-server')
def _(t):
    # start_server() leaves signals to the program: this one just ends
    with t.serve('deploy-start-server', graceful=False) as server:
        deadline = time.monotonic() + TIMEOUT
        while True:  # the sensor task runs next to the server
            readings = t.get_json(server.docs_port, '/readings')
            if len(readings) == 5 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        t.assertEqual(len(readings), 5)
        t.assertEqual(readings, list(range(readings[0], readings[0] + 5)))


@check('deploy-shutdown')
def _(t):
    with t.serve('deploy-shutdown') as server:
        res = t.http(server.docs_port, 'POST', '/shutdown')
        t.assertEqual(res.data, b'shutting down')
        server.wait(TIMEOUT)  # it stops by itself
        t.assertEqual(server.returncode, 0)


@check('deploy-limits')
def _(t):
    from microdot import Request
    ns = t.exec_sample('deploy-limits')
    t.assertEqual((Request.max_content_length, Request.max_headers),
                  (1024 * 1024, 50))
    t.assertEqual((ns['app'].keep_alive_timeout, ns['app'].head_timeout),
                  (30, 5))
    t.write('limits.py', code('deploy-limits') + 'app.run()\n')
    port = free_port()
    with t.process([sys.executable, 'limits.py'], port):
        headers = {'X-{}'.format(i): 'x' for i in range(60)}
        t.assertEqual(t.http(port, 'GET', '/', headers=headers).status, 431)
        t.assertEqual(t.http(port, 'GET', '/').status, 404)


@check('deploy-uvicorn')
def _(t):
    t.write('asgi_hello.py', code('asgi-app'))
    with t.serve_command('deploy-uvicorn', graceful=False) as server:
        for _ in range(3):
            t.assertEqual(t.get_json(server.docs_port, '/')['server'],
                          'http')


@check('deploy-gunicorn')
def _(t):
    t.write('wsgi_hello.py', code('wsgi-app'))
    with t.serve_command('deploy-gunicorn', graceful=False) as server:
        t.assertEqual(t.get_json(server.docs_port, '/'), {'method': 'GET'})


@check('deploy-granian-asgi')
def _(t):
    t.write('asgi_hello.py', code('asgi-app'))
    with t.serve_command('deploy-granian-asgi', graceful=False) as server:
        port = server.docs_port
        t.assertEqual(t.get_json(port, '/'), {'server': 'http', 'path': '/'})
        t.assertEqual(t.websocket_echo(port, '/echo', ['granian']),
                      ['granian'])


@check('deploy-granian-wsgi')
def _(t):
    t.write('wsgi_hello.py', code('wsgi-app'))
    with t.serve_command('deploy-granian-wsgi', graceful=False) as server:
        port = server.docs_port
        t.assertEqual(t.get_json(port, '/'), {'method': 'GET'})
        res = t.http(port, 'POST', '/echo', body=b'granian body')
        t.assertEqual(res.data, b'granian body')


@check('micropython-main')
def _(t):
    # on the MicroPython unix port, with this checkout's microdot
    port = free_port()
    source = code('micropython-main')
    t.assertIn('app.run(port=5000)', source)
    t.write('main.py', source.replace(
        'app.run(port=5000)',
        "app.run(host='127.0.0.1', port={})".format(port)))
    env = {'MICROPYPATH': ':'.join((ROOT, '.frozen'))}
    with t.process([MICROPYTHON, 'main.py'], port, stop=signal.SIGINT,
                   env=env):
        t.assertGreater(t.get_json(port, '/')['free'], 0)
        t.assertEqual(t.http(port, 'GET', '/led/on').data, b'LED on')
        t.assertEqual(t.http(port, 'GET', '/led/blink').status, 400)


@check('micropython-tests')
def _(t):
    result = t.run_shell('micropython-tests', cwd=ROOT)
    t.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    t.assertRegex(result.stdout, r'\d+ passed, 0 failed')


@check('twins-main', 'twins-main-output')
def _(t):
    result = t.run_shell('twins-main')
    t.assertEqual(result.returncode, 0, result.stderr)
    outputs = result.stdout.split('microdot 2.')
    t.assertEqual(len(outputs), 3, result.stdout)
    pure = 'microdot 2.' + outputs[2]
    t.assertIn('speedups: pure (MICRODOT_PURE is set)', pure)

    def keys(text):
        return [line.split(':')[0].split()[0] for line in text.splitlines()
                if line and not line[0].isspace()]

    # the output shown in the docs has the lines the command prints
    t.assertEqual(keys(code('twins-main-output')), keys(pure))


@check('twins-code')
def _(t):
    from microdot import _speedups
    with contextlib.redirect_stdout(io_buffer()) as out:
        t.exec_sample('twins-code')
    t.assertTrue(out.getvalue().startswith(
        '{} - {}'.format(_speedups.IMPLEMENTATION, _speedups.REASON)))


def io_buffer():
    import io
    return io.StringIO()


# --- the tests --------------------------------------------------------------

class TestDocSamples(unittest.TestCase):
    def test_samples_found(self):
        self.assertGreater(len(BY_NAME), 40)

    def test_no_literal_blocks(self):
        self.assertEqual(LITERAL_BLOCKS, [],
                         'use .. code-block:: with :name: or a fragment')

    def test_every_sample_is_runnable_or_a_fragment(self):
        unmarked = [s for s in SAMPLES
                    if not s.name and 'fragment' not in s.classes]
        self.assertEqual(unmarked, [])

    def test_names_are_unique(self):
        names = [s.name for s in SAMPLES if s.name]
        self.assertEqual(len(names), len(set(names)))

    def test_every_named_sample_has_a_check(self):
        self.assertEqual(sorted(set(BY_NAME) - set(CHECKS)), [])
        self.assertEqual(sorted(set(CHECKS) - set(BY_NAME)), [])

    def test_fragments_parse(self):
        for sample in SAMPLES:
            if 'fragment' not in sample.classes:
                continue
            with self.subTest(sample=sample):
                if sample.language == 'python':
                    compile(sample.code, repr(sample), 'exec')
                elif sample.language == 'sh':
                    result = subprocess.run(['bash', '-n', '-c', sample.code],
                                            capture_output=True, text=True)
                    self.assertEqual(result.returncode, 0, result.stderr)
                else:
                    self.fail('no syntax check for ' + sample.language)

    def test_python_samples_fit_79_columns(self):
        # the project's flake8 line length, for code that readers copy
        long = ['{!r} line {}'.format(sample, i + 1)
                for sample in SAMPLES if sample.language == 'python'
                for i, line in enumerate(sample.code.splitlines())
                if len(line) > 79]
        self.assertEqual(long, [])

    def test_runnable_python_samples_parse(self):
        for sample in SAMPLES:
            if sample.name and sample.language == 'python':
                with self.subTest(sample=sample):
                    compile(sample.code, repr(sample), 'exec')


class TestDocSampleRuns(DocsTestCase):
    pass


def _make_test(name):
    def test(self):
        CHECKS[name](self)
    test.__name__ = 'test_' + CHECKS[name].__name__
    return test


# one test per check, named after the first sample it runs
for _name in sorted(CHECKS):
    _test_name = 'test_' + CHECKS[_name].__name__
    if not hasattr(TestDocSampleRuns, _test_name):
        setattr(TestDocSampleRuns, _test_name, _make_test(_name))
