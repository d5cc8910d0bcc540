"""Server-Sent Events through the test client and the response body
iterator. Runs on CPython and MicroPython."""
import asyncio
import unittest

from microdot import Microdot
from microdot.sse import SSE, sse_response, with_sse
from microdot.test_client import TestClient


def _run(coro):
    return asyncio.run(coro)


async def _encoded(*args, **kwargs):
    # what one send() puts on the wire
    sse = SSE()
    await sse.send(*args, **kwargs)
    return sse.queue[0]


class TestSSEEncoding(unittest.TestCase):
    def test_plain_data_types(self):
        self.assertEqual(_run(_encoded('hi')), b'data: hi\n\n')
        self.assertEqual(_run(_encoded(b'\x01raw')), b'data: \x01raw\n\n')
        self.assertEqual(_run(_encoded(bytearray(b'ba'))), b'data: ba\n\n')
        self.assertEqual(_run(_encoded(42)), b'data: 42\n\n')
        self.assertEqual(_run(_encoded('')), b'data: \n\n')
        self.assertEqual(_run(_encoded([1, 2])).replace(b' ', b''),
                         b'data:[1,2]\n\n')
        self.assertEqual(_run(_encoded({'a': 'b'})).replace(b' ', b''),
                         b'data:{"a":"b"}\n\n')

    def test_field_order(self):
        self.assertEqual(
            _run(_encoded('x', event='tick', event_id='7', retry=2.5)),
            b'retry: 2500\nevent: tick\nid: 7\ndata: x\n\n')
        self.assertEqual(_run(_encoded('x', event_id=0)),
                         b'id: 0\ndata: x\n\n')
        self.assertEqual(_run(_encoded('x', retry=0)),
                         b'retry: 0\ndata: x\n\n')
        self.assertEqual(_run(_encoded('x', retry=3)),
                         b'retry: 3000\ndata: x\n\n')
        self.assertEqual(_run(_encoded('x', retry=0.0015)),
                         b'retry: 2\ndata: x\n\n')

    def test_multiline_data(self):
        self.assertEqual(_run(_encoded('a\nb\r\nc\rd')),
                         b'data: a\ndata: b\ndata: c\ndata: d\n\n')
        self.assertEqual(_run(_encoded('end\n')),
                         b'data: end\ndata: \n\n')

    def test_comment(self):
        self.assertEqual(_run(_encoded('keepalive', comment=True)),
                         b': keepalive\n\n')
        self.assertEqual(_run(_encoded('', comment=True)), b': \n\n')
        self.assertEqual(
            _run(_encoded('two\nlines', event='x', event_id='1', retry=1,
                          comment=True)),
            b': two\n: lines\n\n')

    def test_invalid_fields(self):
        for kwargs in ({'event': 'a\nb'}, {'event': 'a\rb'},
                       {'event_id': '1\n2'}, {'event_id': 'a\0b'}):
            with self.assertRaises(ValueError):
                _run(_encoded('x', **kwargs))
        for retry in (-1, 'soon', True, [1]):
            with self.assertRaises(ValueError):
                _run(_encoded('x', retry=retry))


class TestSSERoutes(unittest.TestCase):
    def test_events_through_test_client(self):
        app = Microdot()

        @app.route('/events')
        @with_sse
        async def events(request, sse):
            await sse.send('hello', retry=1.5)
            await sse.send({'counter': 1}, event='count', event_id='1')
            await sse.send('ignored', comment=True)
            await sse.send(b'two\nlines')

        res = _run(TestClient(app).get('/events'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Type'], 'text/event-stream')
        self.assertEqual(res.headers['Cache-Control'], 'no-cache')
        self.assertEqual(len(res.events), 3)
        self.assertEqual(res.events[0]['data'], b'hello')
        self.assertEqual(res.events[0]['retry'], 1.5)
        self.assertEqual(res.events[1]['data_json'], {'counter': 1})
        self.assertEqual(res.events[1]['event'], 'count')
        self.assertEqual(res.events[1]['event_id'], '1')
        self.assertIsNone(res.events[1]['retry'])
        self.assertEqual(res.events[2]['data'], b'two\nlines')
        self.assertIn(b': ignored\n\n', res.body)

    def test_url_arguments_and_sse_response(self):
        app = Microdot()

        async def count(request, sse, n, label='n'):
            for i in range(n):
                await sse.send(label + str(i))

        @app.route('/count/<int:n>')
        @with_sse
        async def counter(request, sse, n):
            await count(request, sse, n)

        @app.route('/low-level')
        async def low_level(request):
            return sse_response(request, count, 2, label='x')

        client = TestClient(app)
        res = _run(client.get('/count/3'))
        self.assertEqual([e['data'] for e in res.events],
                         [b'n0', b'n1', b'n2'])
        res = _run(client.get('/low-level'))
        self.assertEqual(res.body, b'data: x0\n\ndata: x1\n\n')
        self.assertEqual(res.headers['Cache-Control'], 'no-cache')

    def test_exception_in_the_event_task_is_raised_again(self):
        # as in microdot, the exception surfaces where the body is read: the
        # test client raises it from its request
        app = Microdot()

        @app.route('/fail')
        @with_sse
        async def fail(request, sse):
            raise RuntimeError('no events today')

        @app.route('/late')
        @with_sse
        async def late(request, sse):
            await sse.send('queued before the failure')
            raise KeyError('late')

        client = TestClient(app)
        self.assertRaises(RuntimeError, _run, client.get('/fail'))
        self.assertRaises(KeyError, _run, client.get('/late'))

    def test_exception_after_streaming_started_is_reraised(self):
        app = Microdot()

        @app.route('/late')
        @with_sse
        async def late(request, sse):
            await sse.send('first')
            await asyncio.sleep(0.01)
            raise KeyError('late failure')

        async def consume():
            req = await _request(app, '/late')
            res = await app.dispatch_request(req)
            self.assertEqual(res.status_code, 200)
            chunks = []
            with self.assertRaises(KeyError):
                async for chunk in res.body_iter():
                    chunks.append(chunk)
            return chunks

        self.assertEqual(_run(consume()), [b'data: first\n\n'])

    def test_closing_the_stream_cancels_the_task(self):
        app = Microdot()
        state = {'cancelled': False, 'finished': False, 'sent': 0}

        @app.route('/forever')
        @with_sse
        async def forever(request, sse):
            try:
                while True:
                    await sse.send(state['sent'])
                    state['sent'] += 1
                    await asyncio.sleep(0.005)
            except asyncio.CancelledError:
                state['cancelled'] = True
                raise
            finally:
                state['finished'] = True

        async def disconnect():
            req = await _request(app, '/forever')
            res = await app.dispatch_request(req)
            body = res.body_iter()
            first = await body.__anext__()
            second = await body.__anext__()
            await body.aclose()  # what the server does when the client left
            for _ in range(10):
                await asyncio.sleep(0.01)
            return first, second

        self.assertEqual(_run(disconnect()), (b'data: 0\n\n', b'data: 1\n\n'))
        self.assertTrue(state['cancelled'])
        self.assertTrue(state['finished'])
        sent = state['sent']

        async def pause():
            await asyncio.sleep(0.02)

        _run(pause())
        self.assertEqual(state['sent'], sent)

    def test_head_request_cancels_the_task(self):
        app = Microdot()
        state = {'finished': False}

        @app.route('/events')
        @with_sse
        async def events(request, sse):
            state['started'] = True
            try:
                await asyncio.sleep(10)
                await sse.send('too late')
            finally:
                state['finished'] = True

        async def head():
            from microdot import AsyncBytesIO
            req = await _request(app, '/events', 'HEAD')
            res = await app.dispatch_request(req)
            out = AsyncBytesIO(b'')
            await res.write(out)  # the server's path: head only
            await asyncio.sleep(0.01)
            # the task was cancelled: it never ran, or it ran and ended
            return bool(state.get('started')) == state['finished'], \
                out.stream.getvalue()

        finished, raw = _run(head())
        self.assertTrue(finished)
        self.assertTrue(raw.startswith(b'HTTP/1.0 200 OK\r\n'))
        self.assertIn(b'Content-Type: text/event-stream\r\n', raw)
        self.assertTrue(raw.endswith(b'\r\n\r\n'))


async def _request(app, path, method='GET'):
    from microdot import Request, AsyncBytesIO
    raw = '{} {} HTTP/1.1\r\nHost: localhost\r\n\r\n'.format(
        method, path).encode()
    return await Request.create(app, AsyncBytesIO(raw), AsyncBytesIO(b''),
                                ('127.0.0.1', 1234))


if __name__ == '__main__':
    unittest.main()
