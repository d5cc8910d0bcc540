"""microdot.static and send_file's Content-Length over real sockets, on
the HTTP/1.1 server (microdot.server) and on the portable server, with real
clients: http.client on one kept-alive connection, curl (ranges, HEAD,
--compressed, ETag round trip, If-Modified-Since) and raw bytes for the
traversal corpus. CPython only."""
import asyncio
import contextlib
import gzip
import http.client
import importlib.util
import io
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest

from microdot import Microdot, Response
from microdot.static import static_files
from http11_client import Client
from live_server import LiveServer

TIMEOUT = 10
BIG = os.urandom(300000)
JS = b'console.log("hello");\n' * 200
CURL = shutil.which('curl')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class PortableLive:
    """The portable server (the one MicroPython runs) in a thread."""
    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self):
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(
                self.app._serve_portable('127.0.0.1', self.port))
        finally:
            tasks = asyncio.all_tasks(self.loop)
            for task in tasks:
                task.cancel()
            self.loop.run_until_complete(
                asyncio.gather(*tasks, return_exceptions=True))
            self.loop.close()

    def start(self):
        self.thread.start()
        for _ in range(500):
            try:
                socket.create_connection(('127.0.0.1', self.port), 1).close()
                return self
            except OSError:
                threading.Event().wait(0.01)
        raise RuntimeError('the portable server did not start')

    def stop(self):
        self.loop.call_soon_threadsafe(self.app.shutdown)
        self.thread.join(TIMEOUT)


def make_tree(base):
    root = os.path.join(base, 'root')
    os.makedirs(os.path.join(root, 'sub', 'emptydir'))
    os.makedirs(os.path.join(base, 'outside'))
    files = {
        'outside/secret.txt': b'secret',
        'root/hello.txt': b'hello world\n',
        'root/big.bin': BIG,
        'root/app.js': JS,
        'root/app.js.gz': gzip.compress(JS),
        'root/sub/deep.css': b'p {}',
        'root/shrink.bin': BIG,
        'root/grow.bin': BIG,
    }
    for rel, data in files.items():
        with open(os.path.join(base, rel), 'wb') as f:
            f.write(data)
    os.symlink(os.path.join(base, 'outside', 'secret.txt'),
               os.path.join(root, 'link_out'))
    os.symlink(os.path.join(base, 'outside'), os.path.join(root, 'link_dir'))
    os.symlink('hello.txt', os.path.join(root, 'link_in'))
    os.mkfifo(os.path.join(root, 'fifo'))
    return root


def make_app(root):
    app = Microdot()
    static_files(app, '/static', root, max_age=60)

    @app.get('/sendfile')
    async def sendfile(request):
        return Response.send_file(os.path.join(root, 'big.bin'))

    @app.after_request
    async def change_the_file(request, response):
        # the file changes after it was opened and measured
        if request.path == '/static/shrink.bin':
            with open(os.path.join(root, 'shrink.bin'), 'r+b') as f:
                f.truncate(1000)
        elif request.path == '/static/grow.bin':
            with open(os.path.join(root, 'grow.bin'), 'ab') as f:
                f.write(b'x' * 5000)

    return app


class StaticServerMixin:
    """The tests, run against each server by the classes below."""
    def setUp(self):
        self.base = tempfile.mkdtemp(prefix='microdot-static-')
        self.root = make_tree(self.base)
        self.app = make_app(self.root)
        self.server = self.start(self.app)
        self.port = self.server.port
        self.url = 'http://127.0.0.1:{}'.format(self.port)

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.base)

    @contextlib.contextmanager
    def log(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            yield out

    def connection(self):
        return http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=TIMEOUT)

    def curl(self, *args):
        out = subprocess.run([CURL, '-s', '--max-time', str(TIMEOUT)] +
                             list(args), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=TIMEOUT + 5)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_one_connection_for_every_kind_of_answer(self):
        conn = self.connection()
        seen = []

        def request(method, path, headers=None):
            conn.request(method, path, headers=headers or {})
            res = conn.getresponse()
            body = res.read()
            seen.append(conn.sock.getsockname())
            return res, body

        res, body = request('GET', '/static/big.bin')
        self.assertEqual(res.status, 200)
        self.assertEqual(body, BIG)
        self.assertEqual(res.getheader('Content-Length'), str(len(BIG)))
        self.assertIsNone(res.getheader('Transfer-Encoding'))
        self.assertEqual(res.getheader('Cache-Control'), 'max-age=60')
        etag = res.getheader('ETag')
        modified = res.getheader('Last-Modified')

        res, body = request('GET', '/static/big.bin',
                            {'If-None-Match': etag})
        self.assertEqual((res.status, body), (304, b''))
        self.assertIsNone(res.getheader('Content-Length'))
        self.assertEqual(res.getheader('ETag'), etag)

        res, body = request('GET', '/static/big.bin',
                            {'If-Modified-Since': modified})
        self.assertEqual((res.status, body), (304, b''))

        res, body = request('GET', '/static/big.bin',
                            {'Range': 'bytes=1000-65999'})
        self.assertEqual(res.status, 206)
        self.assertEqual(body, BIG[1000:66000])
        self.assertEqual(res.getheader('Content-Range'),
                         'bytes 1000-65999/{}'.format(len(BIG)))

        res, body = request('HEAD', '/static/big.bin')
        self.assertEqual((res.status, body), (200, b''))
        self.assertEqual(res.getheader('Content-Length'), str(len(BIG)))

        res, body = request('GET', '/static/big.bin',
                            {'Range': 'bytes=999999-'})
        self.assertEqual((res.status, body), (416, b''))
        self.assertEqual(res.getheader('Content-Range'),
                         'bytes */{}'.format(len(BIG)))

        res, body = request('GET', '/static/missing')
        self.assertEqual((res.status, body), (404, b'Not found'))

        res, body = request('GET', '/sendfile')
        self.assertEqual(body, BIG)
        self.assertEqual(res.getheader('Content-Length'), str(len(BIG)))
        self.assertIsNone(res.getheader('Transfer-Encoding'))

        res, body = request('GET', '/static/hello.txt')
        self.assertEqual(body, b'hello world\n')
        conn.close()
        self.assertEqual(len(set(seen)), 1)  # one connection throughout

    @unittest.skipUnless(CURL, 'needs curl')
    def test_curl(self):
        url = self.url + '/static/big.bin'
        self.assertEqual(self.curl('--range', '100-199', url), BIG[100:200])
        self.assertEqual(self.curl('--range', '-50', url), BIG[-50:])
        self.assertEqual(self.curl('--range', '299990-', url), BIG[299990:])
        # several ranges: the whole file, as a 200
        self.assertEqual(self.curl('--range', '0-1,5-6', url), BIG)
        head = self.curl('-I', url).decode()
        self.assertIn('content-length: {}'.format(len(BIG)), head.lower())
        self.assertTrue(head.startswith('HTTP/1.1 200'), head)
        code = self.curl('-o', os.devnull, '-w', '%{http_code}', '--range',
                         '400000-', url)
        self.assertEqual(code, b'416')

    @unittest.skipUnless(CURL, 'needs curl')
    def test_curl_compressed(self):
        url = self.url + '/static/app.js'
        out = self.curl('--compressed', '-D', '-', url)
        head, body = out.split(b'\r\n\r\n', 1)
        self.assertEqual(body, JS)
        self.assertIn(b'content-encoding: gzip', head.lower())
        self.assertIn(b'vary: accept-encoding', head.lower())
        self.assertIn(b'content-type: application/javascript', head.lower())
        self.assertEqual(self.curl(url), JS)  # curl asks for no encoding

    @unittest.skipUnless(CURL, 'needs curl')
    def test_curl_etag_round_trip(self):
        url = self.url + '/static/hello.txt'
        etags = os.path.join(self.base, 'etags')
        self.assertEqual(self.curl('--etag-save', etags, url),
                         b'hello world\n')
        code = self.curl('--etag-compare', etags, '-o', os.devnull, '-w',
                         '%{http_code}', url)
        self.assertEqual(code, b'304')
        # If-Modified-Since from the file's own time
        code = self.curl('-z', os.path.join(self.root, 'hello.txt'), '-o',
                         os.devnull, '-w', '%{http_code}', url)
        self.assertEqual(code, b'304')
        code = self.curl('-z', 'Mon, 01 Jan 1990 00:00:00 GMT', '-o',
                         os.devnull, '-w', '%{http_code}', url)
        self.assertEqual(code, b'200')

    CORPUS = [
        '/static/../outside/secret.txt',
        '/static/sub/../../outside/secret.txt',
        '/static/%2e%2e/outside/secret.txt',
        '/static/%2E%2e/outside/secret.txt',
        '/static/..%2foutside%2fsecret.txt',
        '/static/%2e%2e%2foutside%2fsecret.txt',
        '/static/..\\outside\\secret.txt',
        '/static/..%5coutside%5csecret.txt',
        '/static/hello.txt%00',
        '/static/hello.txt%00.css',
        '/static/%00',
        '/static//etc/passwd',
        '/static/%2fetc%2fpasswd',
        '/static/./hello.txt',
        '/static/sub',
        '/static/sub/',
        '/static/sub/emptydir',
        '/static/missing',
        '/static/link_out',
        '/static/link_dir/secret.txt',
        '/static/fifo',
        '/static/%ff%fe',
        '/static/%c0%ae%c0%ae/outside/secret.txt',
    ]

    def test_traversal_corpus(self):
        self.assertTrue(os.path.exists(
            os.path.join(self.root, '..', 'outside', 'secret.txt')))
        with self.log() as log:
            with Client(self.port) as c:
                for path in self.CORPUS + [
                        '/static/%2F' + self.base.lstrip('/') +
                        '/outside/secret.txt']:
                    c.request('GET', path)
                    res = c.response()
                    self.assertEqual(res.status, 404, path)
                    self.assertEqual(res.body, b'Not found', path)
                # the same connection goes on serving
                c.request('GET', '/static/link_in')
                self.assertEqual(c.response().body, b'hello world\n')
        self.assertNotIn('Traceback', log.getvalue())
        self.assertNotIn('Error', log.getvalue())

    @unittest.skipUnless(CURL, 'needs curl')
    def test_traversal_with_curl(self):
        for path in self.CORPUS[:8]:
            code = self.curl('--path-as-is', '-o', os.devnull, '-w',
                             '%{http_code}', self.url + path)
            self.assertEqual(code, b'404', path)

    def test_nul_byte_in_the_request_line(self):
        # not a URL at all: the server's parser refuses it before routing
        with self.log() as log:
            with Client(self.port) as c:
                c.send(b'GET /static/hello.txt\x00 HTTP/1.1\r\n'
                       b'Host: x\r\n\r\n')
                res = c.response()
        self.assertEqual(res.status, 400)
        self.assertNotIn('Traceback', log.getvalue())

    def test_a_file_that_shrinks_ends_the_connection(self):
        conn = self.connection()
        with self.log() as log:
            conn.request('GET', '/static/shrink.bin')
            res = conn.getresponse()
            self.assertEqual(res.getheader('Content-Length'), str(len(BIG)))
            with self.assertRaises(http.client.IncompleteRead):
                res.read()
            conn.close()
            # the server is fine
            conn = self.connection()
            conn.request('GET', '/static/hello.txt')
            self.assertEqual(conn.getresponse().read(), b'hello world\n')
            conn.close()
        self.assertIn('file shrank', log.getvalue())

    def test_a_file_that_grows_is_cut_to_its_length(self):
        with Client(self.port) as c:
            c.request('GET', '/static/grow.bin')
            res = c.response()
            self.assertEqual(res.status, 200)
            self.assertEqual(res.body, BIG)
            # nothing more was sent: the next answer is read in step
            c.request('GET', '/static/hello.txt')
            res = c.response()
            self.assertEqual(res.status_line, 'HTTP/1.1 200 OK')
            self.assertEqual(res.body, b'hello world\n')


class TestExample(unittest.TestCase):
    def test_examples_static_files(self):
        from microdot.test_client import TestClient
        path = os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))), 'examples', 'static_files.py')
        spec = importlib.util.spec_from_file_location('static_files', path)
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)
        client = TestClient(example.app)

        async def get(path):
            return await client.get(path)

        res = asyncio.run(get('/'))
        self.assertEqual(res.status_code, 200)
        self.assertIn(b'/static/style.css', res.body)
        res = asyncio.run(get('/static/style.css'))
        self.assertEqual(res.headers['Content-Type'], 'text/css')
        self.assertEqual(res.headers['Cache-Control'], 'max-age=60')
        res = asyncio.run(get('/static/../static_files.py'))
        self.assertEqual(res.status_code, 404)


class TestStaticHTTP11Server(StaticServerMixin, unittest.TestCase):
    def start(self, app):
        return LiveServer(app, runner='start_server').start()


class TestStaticPortableServer(StaticServerMixin, unittest.TestCase):
    def start(self, app):
        return PortableLive(app).start()


if __name__ == '__main__':
    unittest.main()
