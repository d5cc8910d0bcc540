"""Out of memory on MicroPython: a request that needs more heap than there
is gets a 500 (or 503) when a response can still be sent (while the request
is read, while it is handled, and while the response head is built), the
MemoryError is logged once, and the server keeps serving (also when it runs
out while sending a body, where all it can do is close the connection).

The app (tests/apps/mpy_oom_app.py) runs on the MicroPython unix port at a
small ``-X heapsize``, from this checkout's .py files, and is driven over
real sockets (CPython-only: runs micropython in a subprocess).
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join(ROOT, 'tests', 'apps', 'mpy_oom_app.py')
#: Enough for the app from .py (the compile of microdot.py is the peak),
#: far too little for the allocations the requests below ask for.
HEAP = '256K'
TIMEOUT = 10


def _micropython():
    here = os.path.join(os.path.dirname(sys.executable), 'micropython')
    return here if os.path.exists(here) else shutil.which('micropython')


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@unittest.skipIf(_micropython() is None or
                 not os.path.exists(os.path.join(ROOT, 'microdot',
                                                 'microdot.py')),
                 'needs micropython and the checkout')
class OutOfMemoryTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = _free_port()
        cls.log = tempfile.NamedTemporaryFile(mode='w+b', delete=False)
        cls.server = subprocess.Popen(
            [_micropython(), '-X', 'heapsize=' + HEAP,
             os.path.relpath(APP, ROOT), '.', str(cls.port)],
            cwd=ROOT, stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                cls._request(b'GET / HTTP/1.0\r\n\r\n')
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline or \
                        cls.server.poll() is not None:
                    cls.tearDownClass()
                    raise
                time.sleep(0.05)
        cls.seen = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        cls.server.wait()
        cls.log.close()
        os.unlink(cls.log.name)

    @classmethod
    def _request(cls, raw):
        with socket.create_connection(('127.0.0.1', cls.port),
                                      timeout=TIMEOUT) as s:
            try:
                s.sendall(raw)
            except OSError:
                pass  # the server may answer and close before the end
            data = b''
            while True:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                data += chunk
        return data

    def _status(self, raw):
        reply = self._request(raw)
        self.assertTrue(reply.startswith(b'HTTP/1.'), reply[:80])
        return int(reply.split(b' ', 2)[1])

    def _new_log(self):
        """The server's output since the last call."""
        with open(self.log.name, 'rb') as f:
            f.seek(self.seen)
            text = f.read()
        type(self).seen += len(text)
        return text.decode(errors='replace')

    def _still_serving(self):
        for _ in range(3):
            self.assertEqual(self._request(b'GET / HTTP/1.0\r\n\r\n')
                             .rsplit(b'\r\n\r\n', 1)[-1], b'ok')

    def test_memory_error_in_a_handler(self):
        self._new_log()
        status = self._status(b'GET /alloc?n=2000000 HTTP/1.0\r\n\r\n')
        self._still_serving()
        log = self._new_log()
        self.assertEqual(status, 500)
        self.assertEqual(log.count('MemoryError'), 1, log)
        self.assertNotIn('Bad request', log)

    def test_memory_error_while_reading_the_body(self):
        self._new_log()
        body = b'x' * 300000
        status = self._status(b'POST /body HTTP/1.0\r\nContent-Length: '
                              b'300000\r\n\r\n' + body)
        self._still_serving()
        log = self._new_log()
        self.assertEqual(log.count('MemoryError'), 1, log)
        self.assertIn(status, (500, 503))
        self.assertNotIn('Bad request', log)

    def test_memory_error_while_building_the_response_head(self):
        # the header value takes most of the free heap: the head cannot be
        # put together, and nothing of the response has been sent yet
        self._new_log()
        reply = self._request(b'GET /header?n=50000 HTTP/1.1\r\n\r\n')
        self._still_serving()
        log = self._new_log()
        self.assertTrue(reply.startswith(b'HTTP/1.0 503 '), reply[:80])
        self.assertTrue(reply.endswith(b'\r\n\r\nOut of memory'), reply)
        self.assertEqual(log.count('MemoryError'), 1, log)

    def test_memory_error_while_sending_a_body(self):
        # the head and a first chunk are out: the connection is closed, the
        # client sees a body that ends early, and the server goes on
        self._new_log()
        for version in (b'1.0', b'1.1'):
            reply = self._request(b'GET /stream?n=2000000 HTTP/' + version +
                                  b'\r\n\r\n')
            self.assertTrue(reply.startswith(b'HTTP/' + version + b' 200 '),
                            reply[:80])
            self.assertIn(b'start ', reply)
            if version == b'1.1':  # chunked: no last chunk
                self.assertFalse(reply.endswith(b'0\r\n\r\n'), reply)
        self._still_serving()
        log = self._new_log()
        self.assertEqual(log.count('MemoryError'), 2, log)

    def test_keeps_serving_after_many(self):
        for n in range(10):
            self._request(b'GET /alloc?n=2000000 HTTP/1.0\r\n\r\n')
            self._request(b'POST /body HTTP/1.0\r\nContent-Length: '
                          b'300000\r\n\r\n' + b'y' * 300000)
            self._request(b'GET /header?n=50000 HTTP/1.0\r\n\r\n')
            self._request(b'GET /stream?n=2000000 HTTP/1.1\r\n\r\n')
        self._still_serving()
        self.assertIsNone(self.server.poll())


if __name__ == '__main__':
    unittest.main()
