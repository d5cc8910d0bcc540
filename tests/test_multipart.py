import asyncio
import io
import os
import unittest

from microdot import Microdot, Request, AsyncBytesIO, NoCaseDict
from microdot.multipart import FormDataIter, FileUpload, with_form_data
from microdot.test_client import TestClient

BOUNDARY = 'x-b0undary-42'
CTYPE = 'multipart/form-data; boundary=' + BOUNDARY


def _run(coro):
    return asyncio.run(coro)


def build(fields, boundary=BOUNDARY, preamble=b'', epilogue=b''):
    """Build a multipart body by hand from (name, value) pairs, where a
    file value is a (filename, data, content_type) tuple."""
    out = [preamble]
    for name, value in fields:
        out.append(b'--' + boundary.encode() + b'\r\n')
        if isinstance(value, tuple):
            filename, data, ctype = value
            out.append('Content-Disposition: form-data; name="{}"; '
                       'filename="{}"\r\n'.format(name, filename).encode())
            if ctype:
                out.append('Content-Type: {}\r\n'.format(ctype).encode())
        else:
            data = value.encode() if isinstance(value, str) else value
            out.append('Content-Disposition: form-data; name="{}"\r\n'.format(
                name).encode())
        out.append(b'\r\n')
        out.append(data)
        out.append(b'\r\n')
    out.append(b'--' + boundary.encode() + b'--\r\n')
    out.append(epilogue)
    return b''.join(out)


class RecordingStream:
    """A body stream that records the size of each read."""
    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.reads = []

    async def read(self, n=-1):
        self.reads.append(n)
        if n < 0:
            n = len(self.data) - self.pos
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk


class FakeRequest:
    def __init__(self, body, content_type=CTYPE, content_length=None,
                 extra=b''):
        self.content_type = content_type
        self.headers = NoCaseDict()
        if content_type is not None:
            self.headers['Content-Type'] = content_type
        if content_length is None:
            content_length = len(body)
        if content_length is not False:
            self.headers['Content-Length'] = str(content_length)
            self.content_length = content_length
        else:
            self.content_length = 0
        self.stream = RecordingStream(body + extra)


async def collect(request, buffer_size=None):
    it = FormDataIter(request)
    if buffer_size:
        it.buffer_size = buffer_size
    out = []
    async for name, value in it:
        if isinstance(value, FileUpload):
            value = (value.filename, value.content_type, await value.read())
        out.append((name, value))
    return out


def _rmtree(path):
    for name in os.listdir(path):
        os.remove(path + '/' + name)
    os.rmdir(path)


class TestFormDataIter(unittest.TestCase):
    def test_fields_and_files(self):
        body = build([('a', 'hello'), ('b', 'w\u00f6rld'),
                      ('f', ('x.bin', b'\x00\r\n--' + b'\xff' * 300,
                             'application/octet-stream')),
                      ('g', ('y.txt', b'', None))])
        out = _run(collect(FakeRequest(body)))
        self.assertEqual(out, [
            ('a', 'hello'), ('b', 'w\u00f6rld'),
            ('f', ('x.bin', 'application/octet-stream',
                   b'\x00\r\n--' + b'\xff' * 300)),
            ('g', ('y.txt', None, b''))])

    def test_every_buffer_size(self):
        data = bytes(range(256)) * 3
        body = build([('a', 'v' * 100), ('f', ('f.bin', data, 'a/b')),
                      ('c', '')], preamble=b'ignored preamble\r\n',
                     epilogue=b'ignored epilogue')
        expected = [('a', 'v' * 100), ('f', ('f.bin', 'a/b', data)),
                    ('c', '')]
        for size in (1, 2, 3, 7, 16, 31, 64, 100, 257, 1000, 5000):
            self.assertEqual(_run(collect(FakeRequest(body), size)),
                             expected, size)

    def test_reads_in_chunks_of_buffer_size(self):
        body = build([('f', ('f.bin', b'z' * 10000, None))])
        req = FakeRequest(body)
        _run(collect(req))
        self.assertGreater(FormDataIter.buffer_size, 256)
        self.assertEqual(max(req.stream.reads), FormDataIter.buffer_size)
        req = FakeRequest(body)
        _run(collect(req, 300))
        self.assertEqual(max(req.stream.reads), 300)

    def test_never_reads_past_content_length(self):
        body = build([('a', 'b'), ('f', ('f', b'q' * 3000, None))],
                     epilogue=b'\r\n')
        for size in (1, 10, 1024, 100000):
            req = FakeRequest(body, extra=b'NEXT REQUEST')
            out = _run(collect(req, size))
            self.assertEqual(out[0], ('a', 'b'))
            self.assertEqual(req.stream.pos, len(body), size)

    def test_not_multipart(self):
        for ctype in (None, 'text/plain',
                      'application/x-www-form-urlencoded'):
            req = FakeRequest(b'a=b', content_type=ctype)
            self.assertEqual(_run(collect(req)), [])
            self.assertEqual(req.stream.reads, [])

    def test_empty_body(self):
        self.assertEqual(_run(collect(FakeRequest(b''))), [])
        req = FakeRequest(b'', content_length=False)
        self.assertEqual(_run(collect(req)), [])

    def test_without_content_length_reads_to_the_end(self):
        body = build([('a', 'b')])
        req = FakeRequest(body, content_length=False)
        self.assertEqual(_run(collect(req)), [('a', 'b')])

    def test_quoted_boundary_and_parameters(self):
        body = build([('f', ('a;b "c".txt', b'data', None))])
        body = body.replace(b'filename="a;b "c".txt"',
                            b'filename="a;b \\"c\\".txt"')
        req = FakeRequest(body, content_type='multipart/form-data; '
                          'charset=utf-8; boundary="' + BOUNDARY + '"')
        self.assertEqual(_run(collect(req)),
                         [('f', ('a;b "c".txt', None, b'data'))])

    def test_boundary_length_limit(self):
        ok = 'b' * 70
        body = build([('a', '1')], boundary=ok)
        req = FakeRequest(body, 'multipart/form-data; boundary=' + ok)
        self.assertEqual(_run(collect(req)), [('a', '1')])
        bad = 'b' * 71
        body = build([('a', '1')], boundary=bad)
        req = FakeRequest(body, 'multipart/form-data; boundary=' + bad)
        with self.assertRaises(Exception) as cm:
            _run(collect(req))
        self.assertEqual(cm.exception.status_code, 400)

    def test_file_parts_are_streamed(self):
        body = build([('f1', ('a', b'1' * 1000, None)),
                      ('f2', ('b', b'2' * 1000, None)),
                      ('f3', ('c', b'3' * 50, None)), ('x', 'y')])

        async def run():
            seen = []
            old = None
            async for name, value in FormDataIter(FakeRequest(body)):
                if name == 'f1':
                    chunks = []
                    while True:
                        chunk = await value.read(10)
                        if not chunk:
                            break
                        self.assertLessEqual(len(chunk), 10)
                        chunks.append(chunk)
                    seen.append(b''.join(chunks))
                    old = value
                elif name == 'f2':
                    # skipped without reading; the old upload is finished
                    self.assertEqual(await old.read(), b'')
                elif name == 'f3':
                    f = io.BytesIO()
                    await value.save(f)
                    seen.append(f.getvalue())
                else:
                    seen.append(value)
            return seen
        self.assertEqual(_run(run()), [b'1' * 1000, b'3' * 50, 'y'])

    def _status(self, body, ctype=CTYPE, **kwargs):
        try:
            _run(collect(FakeRequest(body, ctype), **kwargs))
        except Exception as exc:
            return exc.status_code, exc.reason
        return None

    def test_malformed_bodies(self):
        good = build([('a', 'b')])
        cases = [
            good[:-10],  # cut off in the closing boundary
            good[:40],  # cut off in the part headers
            build([('f', ('x', b'q' * 500, None))])[:300],  # in the data
            b'no boundary anywhere',
            good.replace(b'Content-Disposition', b'Content-Dispersion'),
            good.replace(b'form-data;', b'attachment;'),
            good.replace(b'name="a"', b'nom="a"'),
            good.replace(b'Content-Disposition:', b'Content-Disposition'),
            good.replace(BOUNDARY.encode() + b'\r\n',
                         BOUNDARY.encode() + b'junk\r\n', 1),
            build([('a', b'\xff\xfe')]),
        ]
        for body in cases:
            status = self._status(body)
            self.assertIsNotNone(status, body)
            self.assertEqual(status[0], 400, body)
        for ctype in ('multipart/form-data', 'multipart/form-data; '
                      'boundary=', 'multipart/form-data; boundary=""'):
            self.assertEqual(self._status(good, ctype)[0], 400)

    def test_header_limits(self):
        # 'Content-Disposition: form-data; name=""' is 39 characters
        long_name = 'n' * (FormDataIter.max_header_line - 39)
        body = build([(long_name, 'v')])
        for size in (1, 100, 5000):
            self.assertEqual(_run(collect(FakeRequest(body), size)),
                             [(long_name, 'v')])
        body = build([(long_name + 'n', 'v')])
        self.assertEqual(self._status(body),
                         (400, 'multipart header line too long'))
        head = b'Content-Disposition: form-data; name="a"\r\n'
        sixteen = build([('a', 'v')]).replace(head, head + b'X-A: 1\r\n' * 15)
        self.assertEqual(_run(collect(FakeRequest(sixteen))), [('a', 'v')])
        seventeen = build([('a', 'v')]).replace(head,
                                                head + b'X-A: 1\r\n' * 16)
        self.assertEqual(self._status(seventeen),
                         (400, 'too many multipart headers'))

    def test_field_size_limit(self):
        limit = FormDataIter.max_field_size
        body = build([('a', 'v' * limit)])
        self.assertEqual(_run(collect(FakeRequest(body))),
                         [('a', 'v' * limit)])
        body = build([('a', 'v' * (limit + 1))])
        self.assertEqual(self._status(body), (413, 'Form field too large'))


class TestFileUpload(unittest.TestCase):
    def setUp(self):
        self.tmp = 'mp-test-tmp-{}'.format(id(self))
        os.mkdir(self.tmp)
        FileUpload.temp_dir = self.tmp

    def tearDown(self):
        FileUpload.temp_dir = None
        _rmtree(self.tmp)

    def _upload(self, data):
        return FileUpload('f.bin', 'a/b', AsyncBytesIO(data).read)

    def test_copy_limit(self):
        size = FileUpload.max_memory_size

        async def run(n, max_memory_size=None):
            up = await self._upload(b'm' * n).copy(max_memory_size)
            listed = os.listdir(self.tmp)
            data = await up.read()
            await up.close()
            return up.temp_path, listed, data, os.listdir(self.tmp)

        path, listed, data, after = _run(run(size))
        self.assertEqual((path, listed, data, after),
                         (None, [], b'm' * size, []))
        path, listed, data, after = _run(run(size + 1))
        self.assertEqual(len(listed), 1)
        self.assertTrue(path.endswith(listed[0]))
        self.assertEqual(data, b'm' * (size + 1))
        self.assertEqual(after, [])
        path, listed, data, after = _run(run(11, 10))
        self.assertEqual((len(listed), data, after), (1, b'm' * 11, []))
        path, listed, data, after = _run(run(10, 10))
        self.assertEqual((path, listed, data), (None, [], b'm' * 10))

    def test_save_to_path(self):
        path = self.tmp + '/saved.bin'

        async def run():
            await self._upload(b's' * 5000).save(path)
        _run(run())
        with open(path, 'rb') as f:
            self.assertEqual(f.read(), b's' * 5000)

    def test_close_twice(self):
        async def run():
            up = await self._upload(b'q' * 5000).copy()
            await up.close()
            await up.close()
        _run(run())
        self.assertEqual(os.listdir(self.tmp), [])


class TestWithFormData(unittest.TestCase):
    def setUp(self):
        self.tmp = 'mp-test-tmp-{}'.format(id(self))
        os.mkdir(self.tmp)
        FileUpload.temp_dir = self.tmp
        self.max_body_length = Request.max_body_length
        self.app = Microdot()
        self.seen = []
        app = self.app

        @app.route('/upload', methods=['GET', 'POST'])
        @with_form_data
        async def upload(request):
            out = {'form': None, 'files': None}
            if request.form is not None:
                out['form'] = [[k, request.form[k]]
                               for k in sorted(request.form)]
            if request.files is not None:
                out['files'] = []
                for k in sorted(request.files):
                    for up in [request.files[k]]:
                        self.seen.append(up.temp_path)
                        data = await up.read()
                        out['files'].append([k, up.filename,
                                             up.content_type, len(data),
                                             data[:4].decode()])
            out['tmp'] = len(os.listdir(self.tmp))
            return out

        @app.post('/fail')
        @with_form_data
        async def fail(request):
            self.seen.append(os.listdir(self.tmp))
            raise RuntimeError('boom')

        @app.post('/sync')
        @with_form_data
        def sync(request):
            return request.form['a']

    def tearDown(self):
        Request.max_body_length = self.max_body_length
        FileUpload.temp_dir = None
        _rmtree(self.tmp)

    def _post(self, body, url='/upload', ctype=CTYPE, headers=None):
        h = {'Content-Type': ctype}
        h.update(headers or {})
        return _run(TestClient(self.app).post(url, headers=h, body=body))

    def test_form_and_files(self):
        big = b'BIG!' + b'b' * 3000
        body = build([('name', 'me'), ('tag', 'x'), ('tag', 'y'),
                      ('f1', ('small.txt', b'tiny', 'text/plain')),
                      ('f2', ('big.bin', big, 'application/x-big'))])
        res = self._post(body)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json['form'], [['name', 'me'],
                                            ['tag', 'y']])
        self.assertEqual(res.json['files'], [
            ['f1', 'small.txt', 'text/plain', 4, 'tiny'],
            ['f2', 'big.bin', 'application/x-big', len(big), 'BIG!']])
        self.assertEqual(res.json['tmp'], 1)  # the big file was spilled
        self.assertIsNone(self.seen[0])
        self.assertTrue(self.seen[1].startswith(self.tmp))
        self.assertEqual(os.listdir(self.tmp), [])

    def test_streamed_body(self):
        # bodies above max_body_length are parsed from request.stream
        Request.max_body_length = 100
        body = build([('a', 'b'), ('f', ('big', b'BIG!' * 1000, None))])
        res = self._post(body)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json['files'], [['f', 'big', None, 4000,
                                              'BIG!']])
        self.assertEqual(os.listdir(self.tmp), [])

    def test_temp_file_removed_on_handler_error(self):
        body = build([('f', ('big', b'x' * 5000, None))])
        res = self._post(body, url='/fail')
        self.assertEqual(res.status_code, 500)
        self.assertEqual(len(self.seen[0]), 1)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_cut_off_body(self):
        Request.max_body_length = 100
        body = build([('f1', ('one', b'1' * 3000, None)),
                      ('f2', ('two', b'2' * 3000, None))])
        for cut in (len(body) - 5, len(body) - 1000, 3500, 1500, 20):
            res = self._post(body[:cut],
                             headers={'Content-Length': str(len(body))})
            self.assertEqual(res.status_code, 400, cut)
            self.assertEqual(res.text, 'incomplete multipart body')
            self.assertEqual(os.listdir(self.tmp), [])

    def test_get_and_no_content_type(self):
        res = _run(TestClient(self.app).get('/upload'))
        self.assertEqual(res.json, {'form': None, 'files': None, 'tmp': 0})
        res = _run(TestClient(self.app).request('POST', '/upload',
                                                body=b'raw'))
        self.assertEqual(res.json, {'form': None, 'files': None, 'tmp': 0})

    def test_urlencoded_form_still_works(self):
        res = self._post('a=1&a=2',
                         ctype='application/x-www-form-urlencoded')
        self.assertEqual(res.json['form'], [['a', '1']])
        self.assertIsNone(res.json['files'])

    def test_sync_handler(self):
        res = self._post(build([('a', 'sync!')]), url='/sync')
        self.assertEqual(res.text, 'sync!')

    def test_bad_body_is_400(self):
        res = self._post(b'garbage')
        self.assertEqual(res.status_code, 400)
