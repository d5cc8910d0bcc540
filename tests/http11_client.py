"""A tiny raw HTTP/1.1 client for the server tests: it sends exactly the
bytes given and reads responses one at a time, so that keep-alive,
pipelining and framing can be checked byte by byte. CPython only; not a test
module (its name does not start with ``test_``)."""
import socket

TIMEOUT = 10


class Response:
    def __init__(self, status_line, headers, body, raw_head):
        self.status_line = status_line
        parts = status_line.split(' ', 2)
        self.version = parts[0]
        self.status = int(parts[1])
        self.reason = parts[2] if len(parts) > 2 else ''
        #: lower-case name -> list of values
        self.headers = headers
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        values = self.headers.get(name.lower())
        return values[-1] if values else None

    def __repr__(self):
        return '<Response {} {!r}>'.format(self.status_line, self.body[:60])


class Client:
    """One connection to 127.0.0.1:port."""

    def __init__(self, port, timeout=TIMEOUT):
        self.sock = socket.create_connection(('127.0.0.1', port),
                                             timeout=timeout)
        self.file = self.sock.makefile('rb')

    def send(self, data):
        self.sock.sendall(data)

    def request(self, method='GET', path='/', headers=None, body=b'',
                version='1.1'):
        lines = ['{} {} HTTP/{}'.format(method, path, version), 'Host: test']
        for name, value in (headers or {}).items():
            lines.append('{}: {}'.format(name, value))
        if body and not any(h.lower() in ('content-length',
                                          'transfer-encoding')
                            for h in (headers or {})):
            lines.append('Content-Length: {}'.format(len(body)))
        self.send(('\r\n'.join(lines) + '\r\n\r\n').encode() + body)

    def response(self, head_only=False):
        """Read one response. ``head_only`` for responses to HEAD."""
        status_line = self.file.readline()
        if not status_line:
            raise EOFError('connection closed before a response')
        raw = status_line
        headers = {}
        while True:
            line = self.file.readline()
            raw += line
            if line in (b'\r\n', b'\n', b''):
                break
            name, value = line.decode().split(':', 1)
            headers.setdefault(name.strip().lower(), []).append(
                value.strip())
        status_line = status_line.decode().rstrip('\r\n')
        res = Response(status_line, headers, b'', raw)
        status = res.status
        if head_only or status in (204, 304) or 100 <= status < 200:
            return res
        if res.header('transfer-encoding') == 'chunked':
            body = b''
            while True:
                size = int(self.file.readline().split(b';')[0], 16)
                if size == 0:
                    while self.file.readline() not in (b'\r\n', b''):
                        pass
                    break
                body += self.file.read(size)
                assert self.file.read(2) == b'\r\n'
            res.body = body
        elif res.header('content-length') is not None:
            res.body = self.file.read(int(res.header('content-length')))
        else:
            res.body = self.file.read()
        return res

    def closed(self):
        """True when the server closed the connection (the next read ends
        or is reset), False when data arrives."""
        try:
            return self.file.read(1) == b''
        except ConnectionResetError:
            return True

    def close(self):
        self.file.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
