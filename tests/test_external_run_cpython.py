# Microdot.run() of the ASGI and WSGI applications: microdot 2.7's signature
# (host, port, debug, **options), with the options handed to the embedded
# server, which really serves on 127.0.0.1.
import http.client
import inspect
import socket
import threading
import time
import unittest
from unittest import mock

import microdot.asgi
import microdot.microdot
import microdot.wsgi

TIMEOUT = 10


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _get(port, path):
    deadline = time.monotonic() + TIMEOUT
    while True:
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=TIMEOUT)
        try:
            conn.request('GET', path)
            res = conn.getresponse()
            return res.status, res.read()
        except ConnectionRefusedError:
            # run() is still starting in its thread
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
        finally:
            conn.close()


class RunTests:
    #: microdot.asgi or microdot.wsgi
    module = None

    def make_app(self):
        app = self.module.Microdot()

        @app.get('/')
        async def index(request):
            return 'embedded ' + type(request.app).__module__

        @app.get('/shutdown')
        async def shutdown(request):
            request.app.shutdown()
            return 'bye'
        return app

    def test_signature_is_microdot_27s(self):
        self.assertEqual(
            str(inspect.signature(self.module.Microdot.run)),
            "(self, host='0.0.0.0', port=5000, debug=False, **options)")

    def test_options_reach_the_embedded_server(self):
        app = self.make_app()
        calls = []

        def run(self, **kwargs):
            calls.append((self, kwargs))
        with mock.patch.object(microdot.microdot.Microdot, 'run', run):
            app.run('127.0.0.1', 8123, True, ssl='context')
            app.run(port=8124)
        self.assertEqual(calls, [
            (app, {'host': '127.0.0.1', 'port': 8123, 'debug': True,
                   'ssl': 'context'}),
            (app, {'host': '0.0.0.0', 'port': 8124, 'debug': False})])
        self.assertTrue(app.embedded_server)

    def test_unknown_option_is_a_type_error(self):
        with self.assertRaises(TypeError):
            self.make_app().run(host='127.0.0.1', port=_free_port(),
                                no_such_option=1)

    def test_serves_until_shutdown(self):
        app = self.make_app()
        port = _free_port()
        errors = []

        def serve():
            try:
                app.run(host='127.0.0.1', port=port, ssl=None)
            except BaseException as exc:  # pragma: no cover
                errors.append(exc)
        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            self.assertEqual(
                _get(port, '/'),
                (200, 'embedded {}'.format(self.module.__name__).encode()))
            self.assertEqual(_get(port, '/shutdown'), (200, b'bye'))
        finally:
            thread.join(TIMEOUT)
        self.assertFalse(thread.is_alive(), 'run() did not return')
        self.assertEqual(errors, [])
        self.assertTrue(app.embedded_server)


class TestASGIRun(RunTests, unittest.TestCase):
    module = microdot.asgi


class TestWSGIRun(RunTests, unittest.TestCase):
    module = microdot.wsgi
