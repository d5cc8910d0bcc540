"""
microdot._websocket
-------------------

The WebSocket protocol of :class:`microdot.websocket.WebSocket`: the
handshake, frames, fragmented messages, PING and PONG, closing, limits and
timeouts.

The code lives here so that ``import microdot.websocket`` on MicroPython
costs little heap: the stand-ins of :class:`~microdot.websocket.WebSocket`
import this module when the first connection is upgraded, and it puts the
real methods in the class. CPython imports it with
:mod:`microdot.websocket`.
"""
import asyncio
import binascii
import hashlib

from microdot.microdot import HTTPException, Request
from microdot.websocket import WebSocket, WebSocketError, _CLOSED
from microdot import _speedups

# appended to the client's key to compute Sec-WebSocket-Accept (RFC 6455)
_ACCEPT_SUFFIX = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
# with frame_timeout, a payload is read in pieces of this size, each in time
_PIECE = 65536
# CPython 3.11+: a timer on the running task, where wait_for() (before
# 3.12, and on MicroPython) runs the awaitable in a new task
_timeout = getattr(asyncio, 'timeout', None)
# the frame watchdog needs it; MicroPython before 1.20 lacks it
_current_task = getattr(asyncio, 'current_task', None)


async def _within(aw, seconds):
    # await aw, or raise asyncio.TimeoutError after seconds
    if _timeout is not None and _current_task() is not None:
        async with _timeout(seconds):
            return await aw
    return await asyncio.wait_for(aw, seconds)


class _Violation(Exception):
    # a client error that ends the connection with a close status code;
    # with drain=False the client's close frame is not waited for
    def __init__(self, code, reason, drain=True):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.drain = drain


def _valid_close_code(code):
    # the codes a peer may put in a close frame (RFC 6455, 7.4)
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or \
        3000 <= code <= 4999


async def handshake(self):
    """Validate the upgrade request and send the ``101`` response.

    A request without proper ``Upgrade``, ``Connection`` and
    ``Sec-WebSocket-Key`` headers is aborted with a 400 error.
    """
    accept = self._handshake_response()
    await self.request.sock[1].awrite(
        b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
        b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept +
        b'\r\n\r\n')


async def receive(self):
    """Wait for the next message from the client and return it, as a
    ``str`` for text messages and ``bytes`` for binary ones.

    PING frames are answered while waiting, and a silent client is
    pinged when :attr:`ping_interval` is set. Raises
    :class:`WebSocketError` when the connection is closed, by either
    side, when the client breaks the protocol or sends a message that
    is too large, or when it stays silent past :attr:`idle_timeout` or
    stalls inside a frame past :attr:`frame_timeout` (the connection is
    then closed with the matching status code).
    """
    if self.closed:
        raise WebSocketError(_CLOSED)
    self._reading = True
    if self.frame_timeout and _current_task is not None:
        task = _current_task()
        if task is None:
            # microdot.server (before Python 3.12) runs a handler
            # without a task until it first suspends: the timers need
            # one, so suspend once
            await asyncio.sleep(0)
            task = _current_task()
        self._task = task
        if self._watcher is None and task is not None:
            self._watcher = asyncio.create_task(self._watch())
    try:
        return await self._next_message()
    except _Violation as exc:
        self._reading = False
        await self._abort(exc.code, exc.reason, exc.drain)
        raise WebSocketError(exc.reason)
    except (EOFError, OSError):
        self._set_closed()
        raise WebSocketError(_CLOSED)
    except asyncio.CancelledError:
        if not self._stalled:
            raise
        # cancelled by the watchdog, not by the application
        uncancel = getattr(self._task, 'uncancel', None)
        if uncancel is not None:
            uncancel()
        self._reading = False
        # the stream is mid-frame: the client's close frame cannot be
        # found any more, so it is not waited for
        await self._abort(1001, 'Frame timeout', drain=False)
        raise WebSocketError('Frame timeout')
    finally:
        self._reading = False


async def send(self, data, opcode=None):
    """Send a message to the client.

    :param data: the message, as ``str`` (sent as UTF-8) or bytes.
    :param opcode: the frame opcode. By default it is :attr:`TEXT` for
                   strings and :attr:`BINARY` for bytes.

    Raises :class:`WebSocketError` once the connection is closed.
    """
    if not isinstance(data, (str, bytes, bytearray, memoryview)):
        raise TypeError('WebSocket messages must be str or bytes, not ' +
                        type(data).__name__)
    if self.closed:
        raise WebSocketError(_CLOSED)
    if opcode is None:
        opcode = self.TEXT if isinstance(data, str) else self.BINARY
    await self.request.sock[1].awrite(
        self._encode_websocket_frame(opcode, data))


async def close(self, code=1000, reason=''):
    """Close the connection: send a close frame and wait (up to
    :attr:`close_timeout` seconds) for the client's answer.

    :param code: the close status code, 1000 (normal) by default.
    :param reason: a short text explaining why.

    Closing a closed connection does nothing. Raises ``ValueError`` for
    a code that cannot be sent (valid: 1000-1003, 1007-1014, 3000-4999)
    or a reason longer than 123 bytes once encoded.
    """
    if not isinstance(code, int) or not _valid_close_code(code):
        raise ValueError('invalid WebSocket close code: {!r}'.format(code))
    if len(reason.encode() if isinstance(reason, str) else reason) > 123:
        raise ValueError('the close reason cannot exceed 123 bytes')
    if self.closed:
        return
    self._set_closed()
    try:
        await self._send_close(code, reason)
    except OSError:
        return
    if not self._reading:
        await self._drain()


def _handshake_response(self):
    headers = self.request.headers
    abort = self.request.app.abort
    tokens = [t.strip().lower()
              for t in headers.get('Connection', '').split(',')]
    if 'upgrade' not in tokens:
        abort(400, 'Connection header must include "Upgrade"')
    if headers.get('Upgrade', '').strip().lower() != 'websocket':
        abort(400, 'Upgrade header must be "websocket"')
    key = headers.get('Sec-WebSocket-Key', '').strip()
    try:
        raw_key = binascii.a2b_base64(key) if key else b''
    except ValueError:
        raw_key = b''
    if len(raw_key) != 16:
        abort(400, 'Missing or invalid Sec-WebSocket-Key header')
    version = headers.get('Sec-WebSocket-Version')
    if version is not None and version.strip() != '13':
        # RFC 6455 4.4: say which version this server speaks. (A handshake
        # without the header is accepted, as microdot 2.7 does.)
        exc = HTTPException(426, 'Unsupported Sec-WebSocket-Version')
        exc.headers = {'Sec-WebSocket-Version': '13'}
        raise exc
    digest = hashlib.sha1(key.encode() + _ACCEPT_SUFFIX).digest()
    return binascii.b2a_base64(digest)[:-1]


def _parse_frame_header(cls, header):
    """Decode the first two bytes of a frame into
    ``(fin, opcode, has_mask, length)``; ``length`` is -2 or -8 when a
    16-bit or 64-bit extended length follows."""
    fin = header[0] & 0x80
    opcode = header[0] & 0x0f
    has_mask = header[1] & 0x80
    length = header[1] & 0x7f
    if length == 126:
        length = -2
    elif length == 127:
        length = -8
    return fin, opcode, has_mask, length


def _encode_websocket_frame(opcode, payload):
    """Return a complete, unmasked, final frame as bytes."""
    if isinstance(payload, str):
        payload = payload.encode()
    size = len(payload)
    first = 0x80 | opcode
    if size < 126:
        head = bytes((first, size))
    elif size < 65536:
        head = bytes((first, 126)) + size.to_bytes(2, 'big')
    else:
        head = bytes((first, 127)) + size.to_bytes(8, 'big')
    return head + bytes(payload)


def _set_closed(self):
    self.closed = True
    if self._watcher is not None:
        self._watcher.cancel()
        self._watcher = None


async def _watch(self):
    # The frame watchdog: cancels the task in receive() when a frame
    # has begun and no read inside it completed for a whole period.
    # One sleeping task per connection, so that reads cost no timer.
    seen = -1
    while True:
        period = self.frame_timeout
        if not period or self.closed:
            return
        await asyncio.sleep(period)
        if self.closed:
            return
        if self._mid and self._progress == seen and \
                self._task is not None:
            self._stalled = True
            self._watcher = None
            self._task.cancel()
            return
        seen = self._progress


async def _read(self, n):
    # a read inside a frame that has begun (see _watch)
    data = await self.request.sock[0].readexactly(n)
    if len(data) < n:  # a stream whose readexactly() reads short
        raise EOFError(_CLOSED)
    self._progress += 1
    return data


async def _first_bytes(self):
    # The wait between frames, the only one that may last: it sends
    # PINGs and ends on idle_timeout when they are configured. read(2)
    # returns the first byte or both (a second read for the other
    # would cost more), and when cancelled it has consumed nothing.
    reader = self.request.sock[0]
    interval = self.ping_interval
    idle = self.idle_timeout
    if (interval or 0) < 0 or (idle or 0) < 0:
        raise ValueError('WebSocket.ping_interval and idle_timeout '
                         'must be positive numbers of seconds or None')
    silent = 0
    while True:
        wait = interval or idle
        if idle:
            wait = min(wait, idle - silent)
        try:
            return await _within(reader.read(2), wait)
        except asyncio.TimeoutError:
            pass
        silent += wait
        if idle and silent >= idle:
            raise _Violation(1001, 'Idle timeout')
        await self.request.sock[1].awrite(
            self._encode_websocket_frame(self.PING, b''))


async def _read_header(self, strict=True):
    # returns (fin, opcode, length, masking key); the whole header is
    # read before it is judged, so that after a violation the payload
    # can be skipped and the client's close frame found
    reader = self.request.sock[0]
    if strict and (self.ping_interval or self.idle_timeout):
        header = await self._first_bytes()
    else:
        header = await reader.read(2)
    if not header:
        raise EOFError(_CLOSED)
    self._mid = True
    if len(header) < 2:
        header += await self._read(1)
    fin, opcode, masked, length = self._parse_frame_header(header)
    extra = (-length if length < 0 else 0) + (4 if masked else 0)
    more = b''
    if extra:  # _read() inlined: this runs for every frame
        more = await reader.readexactly(extra)
        if len(more) < extra:
            raise EOFError(_CLOSED)
        self._progress += 1
    size = int.from_bytes(more[:-length], 'big') if length < 0 \
        else length
    if strict:
        self._unread = size
        if opcode == self.CLOSE:
            self._peer_closed = True
        if header[0] & 0x70:
            raise _Violation(1002, 'Reserved frame bits set')
        if 2 < opcode < 8 or opcode > 10:
            raise _Violation(1002, 'Unknown opcode')
        if opcode >= 8 and (not fin or size > 125):
            raise _Violation(1002, 'Invalid control frame')
        if not masked:
            raise _Violation(1002, 'Client frames must be masked')
        if size >= (1 << 63):
            raise _Violation(1002, 'Invalid frame length')
        self._unread = 0
    return fin, opcode, size, more[-4:] if masked else None


async def _read_payload(self, length, key):
    if not length:
        self._mid = False
        return b''
    if length > _PIECE and self.frame_timeout:
        # in pieces, so that a slow but steady client is not cut off
        parts = []
        left = length
        while left:
            parts.append(await self._read(min(left, _PIECE)))
            left -= len(parts[-1])
        data = b''.join(parts)
    else:
        data = await self._read(length)
    self._mid = False
    return _speedups.mask(key, data) if key else data


def _limit(self):
    limit = self.max_message_length
    return Request.max_body_length if limit == -1 else limit


def _process_websocket_frame(self, opcode, payload):
    # What a complete frame asks for, as (opcode to answer with or None,
    # message or None): PING is answered with PONG, PONG (unsolicited
    # or not) needs nothing, CLOSE ends the connection. receive() only
    # brings control frames here (data frames go through _decode, which
    # also checks UTF-8); the TEXT and BINARY answers stay because this
    # method is microdot 2.x's, and its own tests call it with them.
    if opcode == self.CLOSE:
        raise WebSocketError(_CLOSED)
    if opcode == self.PING:
        return self.PONG, payload
    if opcode == self.PONG:
        return None, None
    if opcode == self.TEXT:
        return None, payload.decode()
    return None, payload


def _decode(self, opcode, payload):
    if opcode == self.TEXT:
        try:
            return payload.decode()
        except ValueError:  # UnicodeError on every interpreter
            raise _Violation(1007, 'Invalid UTF-8 in text message')
    return payload


async def _next_message(self):
    while True:
        fin, opcode, length, key = await self._read_header()
        if opcode >= 8:
            payload = await self._read_payload(length, key)
            if opcode == self.CLOSE:
                await self._client_closed(payload)
            reply, payload = self._process_websocket_frame(opcode,
                                                           payload)
            if reply:
                await self.send(payload, reply)
            continue
        # the refused frame's payload is skipped before the close
        self._unread = length
        if opcode == self.CONT:
            if self._frag_opcode is None:
                raise _Violation(1002, 'Unexpected continuation frame')
        elif self._frag_opcode is not None:
            raise _Violation(1002, 'Expected a continuation frame')
        limit = self._limit()
        if limit and self._frag_size + length > limit:
            raise _Violation(1009, 'Message too large')
        self._unread = 0
        payload = await self._read_payload(length, key)
        if fin and opcode != self.CONT:
            return self._decode(opcode, payload)
        if opcode != self.CONT:
            self._frag_opcode = opcode
        self._frag_parts.append(payload)
        self._frag_size += length
        if fin:
            opcode = self._frag_opcode
            payload = b''.join(self._frag_parts)
            self._frag_opcode = None
            self._frag_parts = []
            self._frag_size = 0
            return self._decode(opcode, payload)


async def _client_closed(self, payload):
    # answer the client's close frame with the same status code
    code = 1000
    if len(payload) == 1:
        raise _Violation(1002, 'Invalid close frame')
    if payload:
        code = int.from_bytes(payload[:2], 'big')
        if not _valid_close_code(code):
            raise _Violation(1002, 'Invalid close code')
        try:
            payload[2:].decode()
        except ValueError:
            raise _Violation(1007, 'Invalid UTF-8 in close reason')
    self._set_closed()
    try:
        await self._send_close(code)
    except OSError:
        pass
    raise WebSocketError(_CLOSED)


async def _send_close(self, code, reason=''):
    if isinstance(reason, str):
        reason = reason.encode()
    await self.request.sock[1].awrite(self._encode_websocket_frame(
        self.CLOSE, code.to_bytes(2, 'big') + reason))


async def _abort(self, code, reason, drain=True):
    # end the connection after a client error
    if self.closed:
        return
    self._set_closed()
    try:
        await self._send_close(code, reason)
    except OSError:
        return
    if drain:
        await self._drain()


async def _drain(self):
    # Read and discard what the client still sends until its close
    # frame arrives: closing a socket with unread data makes the kernel
    # send a reset, which can destroy the close frame just sent. When
    # the client's close frame came already (and was refused), only its
    # unread payload is left: the client now waits for the server to
    # end the connection, and waiting for another close would stall it.
    reader = self.request.sock[0]

    async def skip(length):
        while length:
            chunk = await reader.read(min(length, 4096))
            if not chunk:
                raise EOFError(_CLOSED)
            length -= len(chunk)

    async def until_close():
        length, self._unread = self._unread, 0
        await skip(length)
        while not self._peer_closed:
            _, opcode, length, _ = await self._read_header(False)
            await skip(length)
            if opcode == self.CLOSE:
                return

    try:
        await asyncio.wait_for(until_close(), self.close_timeout)
    except Exception:  # timeout, end of stream, reset: all the same
        pass


# the real methods, in place of the stand-ins of microdot.websocket
setattr(WebSocket, 'handshake', handshake)
setattr(WebSocket, 'receive', receive)
setattr(WebSocket, 'send', send)
setattr(WebSocket, 'close', close)
setattr(WebSocket, '_handshake_response', _handshake_response)
setattr(WebSocket, '_parse_frame_header', classmethod(_parse_frame_header))
setattr(WebSocket, '_encode_websocket_frame',
        staticmethod(_encode_websocket_frame))
setattr(WebSocket, '_set_closed', _set_closed)
setattr(WebSocket, '_watch', _watch)
setattr(WebSocket, '_read', _read)
setattr(WebSocket, '_first_bytes', _first_bytes)
setattr(WebSocket, '_read_header', _read_header)
setattr(WebSocket, '_read_payload', _read_payload)
setattr(WebSocket, '_limit', _limit)
setattr(WebSocket, '_process_websocket_frame', _process_websocket_frame)
setattr(WebSocket, '_decode', _decode)
setattr(WebSocket, '_next_message', _next_message)
setattr(WebSocket, '_client_closed', _client_closed)
setattr(WebSocket, '_send_close', _send_close)
setattr(WebSocket, '_abort', _abort)
setattr(WebSocket, '_drain', _drain)
