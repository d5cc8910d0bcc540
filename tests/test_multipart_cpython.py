"""Multipart forms with bodies made by a real client library (urllib3), and
uploads over a real socket to the embedded server."""
import asyncio
import os
import shutil
import tempfile
import unittest

import urllib3
from hypothesis import given, settings, strategies as st

from microdot import Microdot, Request
from microdot.multipart import FormDataIter, FileUpload, with_form_data
from microdot.test_client import TestClient
from live_server import LiveServer, raw_request


def _run(coro):
    return asyncio.run(coro)


def make_app(record):
    app = Microdot()

    @app.route('/upload', methods=['GET', 'POST'])
    @with_form_data
    async def upload(request):
        form = request.form or {}
        out = {'form': dict(form)}
        files = []
        for name in request.files or {}:
            for up in [request.files[name]]:
                data = await up.read()
                files.append([name, up.filename, up.content_type, len(data),
                              up.temp_path is not None])
        out['files'] = files
        record.append(os.listdir(FileUpload.temp_dir))
        return out

    @app.post('/stream')
    async def stream(request):
        # FormDataIter without copies: files are saved as they arrive
        out = []
        async for field, value in FormDataIter(request):
            if isinstance(value, FileUpload):
                path = os.path.join(FileUpload.temp_dir, 'saved-' + field)
                await value.save(path)
                out.append([field, os.path.getsize(path)])
                os.remove(path)
            else:
                out.append([field, value])
        return out

    return app


class MultipartTestBase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='microdot-mp-test-')
        FileUpload.temp_dir = self.tmp
        self.limits = (Request.max_content_length, Request.max_body_length)
        Request.max_content_length = 1024 * 1024
        self.record = []
        self.app = make_app(self.record)

    def tearDown(self):
        Request.max_content_length, Request.max_body_length = self.limits
        FileUpload.temp_dir = None
        shutil.rmtree(self.tmp)


class TestUrllib3Bodies(MultipartTestBase):
    def test_encode_multipart_formdata(self):
        big = os.urandom(50000)
        body, ctype = urllib3.encode_multipart_formdata([
            ('name', 'Susan'), ('tags', 'a'), ('tags', 'b\u00e9'),
            ('doc', ('report.pdf', big, 'application/pdf')),
            ('note', ('note.txt', b'tiny note')),
        ])
        res = _run(TestClient(self.app).post(
            '/upload', headers={'Content-Type': ctype}, body=body))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json['form'], {'name': 'Susan',
                                            'tags': 'b\u00e9'})
        self.assertEqual(res.json['files'], [
            ['doc', 'report.pdf', 'application/pdf', 50000, True],
            ['note', 'note.txt', 'text/plain', 9, False]])
        self.assertEqual(len(self.record[0]), 1)
        self.assertEqual(os.listdir(self.tmp), [])

    @settings(max_examples=60, deadline=None)
    @given(fields=st.lists(st.tuples(
        st.text('abcxyz_', min_size=1, max_size=8),
        st.one_of(st.text(max_size=300),
                  st.binary(max_size=3000))), max_size=6),
           buffer_size=st.integers(1, 4096))
    def test_any_form_any_buffer_size(self, fields, buffer_size):
        encoded = [(n, v) if isinstance(v, str) else (n, ('f.bin', v))
                   for n, v in fields]
        body, ctype = urllib3.encode_multipart_formdata(encoded)

        class Req:
            content_type = ctype
            content_length = len(body)
            headers = {'Content-Length': str(len(body))}
            stream = None

        async def parse():
            from microdot import AsyncBytesIO
            Req.stream = AsyncBytesIO(body + b'trailing bytes')
            it = FormDataIter(Req)
            it.buffer_size = buffer_size
            out = []
            async for name, value in it:
                if isinstance(value, FileUpload):
                    value = await value.read()
                out.append((name, value))
            rest = await Req.stream.read()
            return out, rest
        out, rest = _run(parse())
        self.assertEqual(out, fields)
        self.assertEqual(rest, b'trailing bytes')


class TestRealSocket(MultipartTestBase):
    def setUp(self):
        super().setUp()
        self.server = LiveServer(self.app).start()
        self.http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=10), retries=False)

    def tearDown(self):
        self.http.clear()
        self.server.stop()
        super().tearDown()

    def test_upload_with_urllib3(self):
        big = os.urandom(200000)  # above max_body_length: streamed
        res = self.http.request('POST', self.server.url + '/upload', fields={
            'name': 'Susan',
            'photo': ('me.jpg', big, 'image/jpeg'),
            'small': ('s.txt', b'abc', 'text/plain'),
        })
        self.assertEqual(res.status, 200)
        data = res.json()
        self.assertEqual(data['form'], {'name': 'Susan'})
        self.assertEqual(sorted(data['files']), [
            ['photo', 'me.jpg', 'image/jpeg', 200000, True],
            ['small', 's.txt', 'text/plain', 3, False]])
        self.assertEqual(len(self.record[0]), 1)  # spilled during the route
        self.assertEqual(os.listdir(self.tmp), [])  # and removed after

    def test_streaming_iterator(self):
        res = self.http.request('POST', self.server.url + '/stream', fields={
            'a': 'b', 'f': ('f.bin', b'z' * 100000)})
        self.assertEqual(res.json(), [['a', 'b'], ['f', 100000]])

    def test_get_without_content_type(self):
        for method in ('GET', 'POST'):
            res = self.http.request(method, self.server.url + '/upload')
            self.assertEqual(res.status, 200)
            self.assertEqual(res.json(), {'form': {}, 'files': []})

    def _raw(self, data, shutdown=True):
        return raw_request(self.server.port, data, shutdown_write=shutdown,
                           timeout=10)

    def test_cut_off_body(self):
        body, ctype = urllib3.encode_multipart_formdata({
            'first': ('one.bin', b'1' * 60000),
            'second': ('two.bin', b'2' * 60000)})
        head = ('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: {}\r\n'
                'Content-Length: {}\r\n\r\n').format(ctype, len(body))
        for cut in (30000, 90000, len(body) - 3):
            res = self._raw(head.encode() + body[:cut])
            self.assertTrue(res.startswith(b'HTTP/1.1 400 '), res[:100])
            self.assertTrue(res.endswith(b'incomplete multipart body'))
            self.assertEqual(os.listdir(self.tmp), [])
            self.assertEqual(self.record, [])
        # the server still serves
        res = self.http.request('POST', self.server.url + '/upload',
                                fields={'a': 'b'})
        self.assertEqual(res.json()['form'], {'a': 'b'})

    def test_malformed_body(self):
        body = b'--abc\r\nno headers here'
        head = ('POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'
                'Content-Type: multipart/form-data; boundary=abc\r\n'
                'Content-Length: {}'
                '\r\n\r\n').format(len(body))
        res = self._raw(head.encode() + body, shutdown=False)
        self.assertTrue(res.startswith(b'HTTP/1.1 400 '), res[:100])
