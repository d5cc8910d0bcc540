"""
microdot._multipart
-------------------

The ``multipart/form-data`` parser of :class:`microdot.multipart.FormDataIter`
and the methods of :class:`microdot.multipart.FileUpload`.

The code lives here so that ``import microdot.multipart`` on MicroPython
costs little heap: the stand-ins in :mod:`microdot.multipart` import this
module at the first form, and it puts the real methods in the classes.
CPython imports it with :mod:`microdot.multipart`.
"""
import os

from microdot.microdot import abort
from microdot._types import AsyncBytesIO
from microdot.multipart import FormDataIter, FileUpload

try:
    from tempfile import gettempdir
except ImportError:  # pragma: no cover
    def gettempdir():  # type: ignore[misc]
        """Where temporary files go when there is no ``tempfile`` module
        (MicroPython): the current directory."""
        return ''

_MAX_BOUNDARY = 70  # RFC 2046
_MAX_PART_HEADERS = 16


def _params(value):
    # 'form-data; name="a"; filename="b;c"' -> ('form-data', {name, filename})
    # Quoted strings may hold ';' and backslash escapes.
    items = []
    current = ''
    quoted = False
    escaped = False
    for c in value:
        if escaped:
            current += c
            escaped = False
        elif quoted and c == '\\':
            escaped = True
        elif c == '"':
            quoted = not quoted
        elif c == ';' and not quoted:
            items.append(current)
            current = ''
        else:
            current += c
    items.append(current)
    params = {}
    for item in items[1:]:
        if '=' in item:
            key, val = item.split('=', 1)
            params[key.strip().lower()] = val.strip()
    return items[0].strip().lower(), params


def _form_init(self, request):
    self.request = request
    self.buffer = None  # None: nothing (more) to parse
    self.error = None
    self._part = 0  # counts parts, so old FileUploads stop reading
    self._in_part = True  # the preamble is skipped like a part
    self._eof = False
    self._received = 0
    if request.content_type is None:
        return
    mimetype, params = _params(request.content_type)
    if mimetype != 'multipart/form-data':
        return
    boundary = params.get('boundary', '')
    if not 0 < len(boundary) <= _MAX_BOUNDARY:
        self.error = 'invalid multipart boundary'
    self.delimiter = b'\r\n--' + boundary.encode()
    # a CRLF in front lets the first boundary be found like the others
    self.buffer = b'\r\n'
    self._remaining = None
    if 'Content-Length' in request.headers:
        self._remaining = request.content_length
        if self._remaining == 0:
            self.buffer = None  # an empty body is an empty form


def _form_aiter(self):
    return self


def _form_fail(self, reason):
    self.buffer = None
    abort(400, reason)


async def _form_fill(self):
    # Add the next chunk of the body to the buffer, never reading past
    # Content-Length; a body that ends before it should is an error.
    n = self.buffer_size
    if self._remaining is not None:
        if self._remaining <= 0:
            self._fail('incomplete multipart body')
        n = min(n, self._remaining)
    data = await self.request.stream.read(n) if not self._eof else b''
    if not data:
        self._eof = True
        if self._remaining is None and not self._received:
            # no Content-Length and no body at all: an empty form
            self.buffer = None
            raise StopAsyncIteration
        self._fail('incomplete multipart body')
    self._received += len(data)
    if self._remaining is not None:
        self._remaining -= len(data)
    self.buffer += data


async def _form_read(self, n=-1):
    # Read up to n bytes (all for n < 0) of the current part.
    chunks = []
    size = 0
    delimiter = self.delimiter
    while self._in_part and (n < 0 or size < n):
        end = self.buffer.find(delimiter)
        if end < 0:
            # the tail might be the start of a delimiter: keep it
            available = len(self.buffer) - len(delimiter) + 1
            if available <= 0:
                await self._fill()
                continue
        else:
            available = end
        take = available if n < 0 else min(available, n - size)
        if take:
            chunks.append(self.buffer[:take])
            self.buffer = self.buffer[take:]
            size += take
        if end >= 0 and take == available:
            self._in_part = False
    return b''.join(chunks)


def _form_reader(self):
    part = self._part

    async def read(n=-1):
        if part != self._part or self.buffer is None:
            return b''
        return await self._read(n)
    return read


async def _form_line(self):
    while True:
        end = self.buffer.find(b'\r\n')
        if end > self.max_header_line or (
                end < 0 and len(self.buffer) > self.max_header_line + 1):
            self._fail('multipart header line too long')
        if end >= 0:
            line = self.buffer[:end]
            self.buffer = self.buffer[end + 2:]
            return line
        await self._fill()


async def _form_anext(self):
    if self.buffer is None:
        raise StopAsyncIteration
    if self.error:
        self._fail(self.error)
    # move past the rest of the previous part (or the preamble)
    while await self._read(self.buffer_size):
        pass
    self._part += 1
    while len(self.buffer) < len(self.delimiter) + 2:
        await self._fill()
    self.buffer = self.buffer[len(self.delimiter):]
    if self.buffer[:2] == b'--':
        await self._finish()
        raise StopAsyncIteration
    line = await self._line()
    if line.strip(b' \t'):
        self._fail('invalid multipart boundary line')

    name = None
    filename = None
    content_type = None
    count = 0
    while True:
        line = await self._line()
        if not line:
            break
        count += 1
        if count > _MAX_PART_HEADERS:
            self._fail('too many multipart headers')
        try:
            header, value = line.decode().split(':', 1)
        except (ValueError, UnicodeError):
            self._fail('invalid multipart header')
        header = header.strip().lower()
        if header == 'content-disposition':
            kind, params = _params(value)
            if kind != 'form-data' or 'name' not in params:
                self._fail('invalid Content-Disposition')
            name = params['name']
            filename = params.get('filename')
        elif header == 'content-type':
            content_type = value.strip()
    if name is None:
        self._fail('multipart part without Content-Disposition')

    self._in_part = True
    if filename is None:
        value = await self._read(self.max_field_size + 1)
        if len(value) > self.max_field_size:
            self.buffer = None
            abort(413, 'Form field too large')
        try:
            return name, value.decode()
        except UnicodeError:
            self._fail('form field is not valid UTF-8')
    return name, FileUpload(filename, content_type, self._reader())


async def _form_finish(self):
    # Discard the epilogue, so the connection is left at the end of the
    # body; without Content-Length there is nothing to wait for.
    self.buffer = None
    while self._remaining:
        data = await self.request.stream.read(
            min(self.buffer_size, self._remaining))
        if not data:
            break
        self._remaining -= len(data)


def _temp_file(directory):
    # Create a new file with a random name; returns (file, path).
    try:
        from os import urandom
    except ImportError:  # pragma: no cover
        from random import getrandbits

        def urandom(n):  # type: ignore[misc]
            return bytes(getrandbits(8) for _ in range(n))
    if directory and directory[-1] != '/':
        directory += '/'
    for _ in range(100):
        path = directory + 'microdot-upload-' + ''.join(
            '{:02x}'.format(b) for b in urandom(8))
        try:
            return open(path, 'x+b'), path
        except OSError as exc:
            if exc.errno == 17:  # EEXIST
                continue
            if exc.errno not in (2, 22):  # pragma: no cover
                raise
        # MicroPython may not know mode 'x': check that the name is free
        try:
            os.stat(path)
            continue
        except OSError:
            return open(path, 'w+b'), path
    raise OSError('cannot create a temporary file')  # pragma: no cover


async def _upload_read(self, n=-1):
    """Read up to ``n`` bytes of the file, or the rest of it when ``n``
    is -1. Returns ``b''`` at the end of the file."""
    return await self._read(n)


async def _upload_save(self, path_or_file):
    """Write the rest of the file to a path or to a binary file object,
    in chunks of :attr:`FormDataIter.buffer_size` bytes.

    :param path_or_file: the path of the file to create, or a file
                         object open for writing.
    """
    if isinstance(path_or_file, str):
        f = open(path_or_file, 'wb')
    else:
        f = path_or_file
    try:
        while True:
            chunk = await self.read(FormDataIter.buffer_size)
            if not chunk:
                break
            f.write(chunk)
    finally:
        if f is not path_or_file:
            f.close()


async def _upload_copy(self, max_memory_size=None):
    """Set the file's data aside, so that the form's parsing can go on
    and the file can still be read later. Returns the upload itself.

    :param max_memory_size: the largest file kept in memory, by default
                            :attr:`max_memory_size`; bigger files go to
                            a temporary file that :meth:`close` removes.
    """
    if max_memory_size is None:
        max_memory_size = self.max_memory_size
    data = await self.read(max_memory_size + 1)
    if len(data) <= max_memory_size:
        self._read = AsyncBytesIO(data).read
        return self

    directory = self.temp_dir
    if directory is None:
        directory = gettempdir()
    f, path = _temp_file(directory)
    try:
        f.write(data)
        data = None
        await self.save(f)
        f.seek(0)
    except BaseException:
        f.close()
        os.remove(path)
        raise

    async def read(n=-1):
        return f.read(n)

    async def close():
        f.close()
        os.remove(path)

    self._read = read
    self._close = close
    self.temp_path = path
    return self


async def _upload_close(self):
    """Free what :meth:`copy` used, removing the temporary file. Routes
    decorated with :func:`with_form_data` do not need to call it."""
    if self._close:
        close = self._close
        self._close = None
        await close()


# the real methods, in place of the stand-ins of microdot.multipart
setattr(FormDataIter, '__init__', _form_init)
setattr(FormDataIter, '__aiter__', _form_aiter)
setattr(FormDataIter, '_fail', _form_fail)
setattr(FormDataIter, '_fill', _form_fill)
setattr(FormDataIter, '_read', _form_read)
setattr(FormDataIter, '_reader', _form_reader)
setattr(FormDataIter, '_line', _form_line)
setattr(FormDataIter, '__anext__', _form_anext)
setattr(FormDataIter, '_finish', _form_finish)
setattr(FileUpload, 'read', _upload_read)
setattr(FileUpload, 'save', _upload_save)
setattr(FileUpload, 'copy', _upload_copy)
setattr(FileUpload, 'close', _upload_close)
