"""A test client that sends requests to a microdot application without a
network, through the same ``Request.create`` and ``dispatch_request`` that
the servers use."""
import asyncio
from microdot.microdot import Request, Response
from microdot._types import AsyncBytesIO
from microdot import _jsoncodec

__all__ = ['TestClient', 'TestResponse']


def _parse_sse(body):
    # Split an SSE stream into event dictionaries.
    events = []
    for block in body.replace(b'\r\n', b'\n').split(b'\n\n'):
        data = []
        event = None
        event_id = None
        retry = None
        for line in block.split(b'\n'):
            if line.startswith(b'data:'):
                data.append(line[5:].strip())
            elif line.startswith(b'event:'):
                event = line[6:].strip().decode()
            elif line.startswith(b'id:'):
                event_id = line[3:].strip().decode()
            elif line.startswith(b'retry:'):
                try:
                    retry = int(line[6:].strip()) / 1000
                except ValueError:
                    pass
        if data:
            data = b'\n'.join(data)
            try:
                data_json = _jsoncodec.loads(data)
            except ValueError:
                data_json = None
            events.append({'data': data, 'data_json': data_json,
                           'event': event, 'event_id': event_id,
                           'retry': retry})
    return events


class TestResponse:
    """The response to a request sent with :class:`TestClient`."""
    __test__ = False  # not a test class, for pytest's collection

    def __init__(self):
        #: The status code.
        self.status_code = None
        #: The reason phrase, or ``None`` when the application did not set
        #: one.
        self.reason = None
        #: The response headers.
        self.headers = {}
        #: The body, as bytes.
        self.body = None
        #: The body decoded as UTF-8, or ``None`` when it is not valid UTF-8.
        self.text = None
        #: The body parsed as JSON, or ``None`` when the response is not
        #: ``application/json``.
        self.json = None
        #: For ``text/event-stream`` responses, the list of events, each a
        #: dictionary with ``data`` (bytes), ``data_json``, ``event``,
        #: ``event_id`` and ``retry`` (seconds); ``None`` for other responses.
        self.events = None

    def _initialize_response(self, res):
        self.status_code = res.status_code
        self.reason = res.reason
        self.headers = res.headers

    async def _initialize_body(self, res):
        chunks = []
        body_iter = res.body_iter()
        try:
            async for chunk in body_iter:
                if isinstance(chunk, str):
                    chunk = chunk.encode()
                chunks.append(chunk)
        except asyncio.CancelledError:
            pass
        if hasattr(body_iter, 'aclose'):
            await body_iter.aclose()
        self.body = b''.join(chunks)

    def _mime_type(self):
        content_type = self.headers.get('Content-Type')
        if content_type is None:
            return None
        return content_type.split(';')[0].strip()

    def _process_text_body(self):
        try:
            self.text = self.body.decode()
        except ValueError:
            pass

    def _process_json_body(self):
        if self._mime_type() == 'application/json':
            self.json = _jsoncodec.loads(self.body)

    def _process_sse_body(self):
        if self._mime_type() == 'text/event-stream':
            self.events = _parse_sse(self.body)

    @classmethod
    async def create(cls, res):
        """Build a test response from an application's :class:`Response`."""
        test_res = cls()
        test_res._initialize_response(res)
        if not res.is_head:
            await test_res._initialize_body(res)
            test_res._process_text_body()
            test_res._process_json_body()
            test_res._process_sse_body()
        return test_res


def _mask_frame(frame, key=b'\x3a\x91\x0c\x5e'):
    # Clients must mask their frames (RFC 6455): set the mask bit of an
    # unmasked frame and insert the key before its masked payload.
    from microdot._speedups import mask
    size = frame[1] & 0x7f
    start = 2 + (2 if size == 126 else 8 if size == 127 else 0)
    return bytes((frame[0], frame[1] | 0x80)) + frame[2:start] + key + \
        mask(key, frame[start:])


class _FakeWebSocketStream:
    # Both ends of a WebSocket connection for TestClient.websocket(): the
    # application reads the frames of the client generator's messages and its
    # messages are fed back to the generator.
    def __init__(self, gen, websocket_class):
        self.gen = gen
        self.ws = websocket_class
        self.started = False
        self.closed = False
        self.buffer = b''

    async def _next(self, data=None):
        try:
            if hasattr(self.gen, 'asend'):
                data = await self.gen.asend(data)
            else:
                data = self.gen.send(data)
        except (StopIteration, StopAsyncIteration):
            if not self.closed:
                self.closed = True
                raise OSError(32, 'the WebSocket client has finished')
            return b''
        opcode = self.ws.TEXT if isinstance(data, str) else self.ws.BINARY
        return _mask_frame(self.ws._encode_websocket_frame(opcode, data))

    async def read(self, n):
        if not self.buffer:
            if self.closed:
                return b''  # the server closed the WebSocket: end of stream
            self.started = True
            self.buffer = await self._next()
        data = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return data

    async def readexactly(self, n):
        data = b''
        while len(data) < n:
            chunk = await self.read(n - len(data))
            if not chunk:
                raise EOFError('connection closed')
            data += chunk
        return data

    async def readline(self):
        line = b''
        while not line.endswith(b'\n'):
            c = await self.read(1)
            if not c:
                break
            line += c
        return line

    async def awrite(self, data):
        if not self.started:
            return  # the handshake response
        fin, opcode, has_mask, length = self.ws._parse_frame_header(data[0:2])
        if opcode == self.ws.CLOSE:
            self.closed = True
            return
        if opcode not in (self.ws.TEXT, self.ws.BINARY):
            return
        payload = data[2 - length:] if length < 0 else data[2:]
        if opcode == self.ws.TEXT:
            payload = payload.decode()
        try:
            self.buffer = await self._next(payload)
        except OSError:
            # the client is done: the write went through, the next read
            # sees the end of the stream
            self.buffer = b''

    async def aclose(self):
        pass


class TestClient:
    """A client that sends requests to an application in the same process.

    :param app: the :class:`Microdot <microdot.Microdot>` application.
    :param cookies: a dictionary of cookies to send with every request.
    :param scheme: the URL scheme that requests report (``'http'`` by
                   default).
    :param host: the ``Host`` header of requests, ``'example.com:1234'`` by
                 default.

    The client keeps the cookies that responses set and sends them back, as
    a browser would. Example::

        client = TestClient(app)
        res = await client.get('/')
        assert res.status_code == 200
        assert res.text == 'Hello, World!'
    """
    __test__ = False  # not a test class, for pytest's collection

    def __init__(self, app, cookies=None, scheme=None, host=None):
        self.app = app
        self.cookies = cookies or {}
        self.scheme = scheme
        self.host = host or 'example.com:1234'

    def _process_body(self, body, headers):
        if body is None:
            body = b''
        elif isinstance(body, (dict, list)):
            body = _jsoncodec.dumpb(body)
            if 'Content-Type' not in headers:
                headers['Content-Type'] = 'application/json'
        if isinstance(body, str):
            body = body.encode()
        if body and 'Content-Length' not in headers:
            headers['Content-Length'] = str(len(body))
        if 'Host' not in headers:
            headers['Host'] = self.host
        return body, headers

    def _process_cookies(self, path, headers):
        pairs = []
        for name, value in self.cookies.items():
            if isinstance(value, tuple):
                value, cookie_path = value
                if not path.startswith(cookie_path):
                    continue
            pairs.append(name + '=' + value)
        if pairs:
            cookies = '; '.join(pairs)
            if 'Cookie' in headers:
                headers['Cookie'] += '; ' + cookies
            else:
                headers['Cookie'] = cookies
        return headers

    def _encode_request(self, method, path, headers, body):
        lines = ['{} {} HTTP/1.0\n'.format(method, path)]
        for header, value in headers.items():
            lines.append('{}: {}\n'.format(header, value))
        lines.append('\n')
        return ''.join(lines).encode() + body

    def _update_cookies(self, res):
        cookies = res.headers.get('Set-Cookie', [])
        if isinstance(cookies, str):
            cookies = [cookies]
        for cookie in cookies:
            name, rest = cookie.split('=', 1)
            options = rest.split(';')
            value = options[0]
            path = '/'
            delete = False
            for option in options[1:]:
                option = option.strip().lower()
                if option.startswith('max-age='):
                    try:
                        delete = int(option[8:]) <= 0
                    except ValueError:
                        delete = True
                elif option.startswith('expires='):
                    # only the deletion date that microdot uses is detected
                    if '1 jan 1970' in option:
                        delete = True
                elif option.startswith('path='):
                    path = option[5:]
            if delete:
                if name in self.cookies:
                    stored = self.cookies[name]
                    stored_path = stored[1] if isinstance(stored, tuple) \
                        else '/'
                    if path == stored_path:
                        del self.cookies[name]
            elif path == '/':
                self.cookies[name] = value
            else:
                self.cookies[name] = (value, path)

    async def request(self, method, path, headers=None, body=None, sock=None):
        """Send a request and return a :class:`TestResponse`.

        :param method: the HTTP method.
        :param path: the URL, with an optional query string.
        :param headers: a dictionary of request headers.
        :param body: the body: bytes, a string (sent as UTF-8), or a
                     dictionary or list (sent as JSON).
        :param sock: a ``(reader, writer)`` pair to use as the connection.
        """
        body, headers = self._process_body(body, headers or {})
        raw = self._encode_request(method, path,
                                   self._process_cookies(path, headers), body)
        if sock:
            reader = sock[0]
            reader.buffer = raw
            writer = sock[1]
        else:
            reader = AsyncBytesIO(raw)
            writer = AsyncBytesIO(b'')

        try:
            req = await Request.create(
                self.app, reader, writer, ('127.0.0.1', 1234),
                scheme=self.scheme)
        except (ValueError, EOFError):
            req = None
        res = await self.app.dispatch_request(req)
        if res is Response.already_handled:
            return TestResponse()
        res.complete()
        self._update_cookies(res)
        return await TestResponse.create(res)

    async def get(self, path, headers=None):
        """Send a ``GET`` request (see :meth:`request`)."""
        return await self.request('GET', path, headers)

    async def post(self, path, headers=None, body=None):
        """Send a ``POST`` request (see :meth:`request`)."""
        return await self.request('POST', path, headers, body)

    async def put(self, path, headers=None, body=None):
        """Send a ``PUT`` request (see :meth:`request`)."""
        return await self.request('PUT', path, headers, body)

    async def patch(self, path, headers=None, body=None):
        """Send a ``PATCH`` request (see :meth:`request`)."""
        return await self.request('PATCH', path, headers, body)

    async def delete(self, path, headers=None):
        """Send a ``DELETE`` request (see :meth:`request`)."""
        return await self.request('DELETE', path, headers)

    async def query(self, path, headers=None, body=None):
        """Send a ``QUERY`` request (see :meth:`request`)."""
        return await self.request('QUERY', path, headers, body)

    async def websocket(self, path, client, headers=None):
        """Open a WebSocket connection to a route.

        :param path: the URL of the WebSocket route.
        :param client: a generator function (sync or async) that yields the
                       messages to send; each message the application sends
                       is the value of the ``yield`` that gets it.
        :param headers: extra request headers.
        """
        from microdot.websocket import WebSocket
        sock = _FakeWebSocketStream(client(), WebSocket)
        ws_headers = {
            'Upgrade': 'websocket',
            'Connection': 'Upgrade',
            'Sec-WebSocket-Version': '13',
            'Sec-WebSocket-Key': 'bWljcm9kb3QtY2xpZW50IQ==',
        }
        ws_headers.update(headers or {})
        return await self.request('GET', path, ws_headers, None,
                                  (sock, sock))
