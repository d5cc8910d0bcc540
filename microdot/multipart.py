"""
``multipart/form-data`` forms, with file uploads.

:class:`FormDataIter` parses the body as it arrives, one part at a time, and
never reads past the end of the body given by ``Content-Length``.
:func:`with_form_data` builds ``request.form`` and ``request.files`` from it.
A malformed or cut off body ends the request with a 400 error.

The parser and the methods of :class:`FileUpload` are in
:mod:`microdot._multipart`, which MicroPython loads at the first form.
"""
import sys

from microdot.microdot import invoke_handler
from microdot.helpers import wraps


class FormDataIter:
    """Asynchronous iterator over the fields of a ``multipart/form-data``
    request, which parses the body as it is read.

    :param request: the request.

    Each iteration gives a ``(name, value)`` tuple. The value of a plain
    field is a string; the value of a file is a :class:`FileUpload`, which
    must be read, saved or copied before the next iteration, since the next
    iteration moves past the file's data. Example::

        from microdot.multipart import FormDataIter

        @app.post('/upload')
        async def upload(request):
            async for field, value in FormDataIter(request):
                if isinstance(value, FileUpload):
                    await value.save('/uploads/' + field)
                else:
                    print(field, value)

    Requests that are not ``multipart/form-data`` (a ``GET``, a request
    without ``Content-Type``) give no fields. A body that is malformed or
    ends early is answered with a 400 error, and a plain field longer than
    :attr:`max_field_size` with a 413 error.
    """
    #: The most bytes read from the body at a time; also the size of the
    #: chunks :meth:`FileUpload.save` writes. Memory use while parsing is
    #: about twice this size.
    buffer_size = 1024

    #: The longest value of a plain (non-file) field, in bytes.
    max_field_size = 16 * 1024

    #: The longest header line of a part, in bytes.
    max_header_line = 1024

    def __init__(self, *args, **kwargs):
        # the code is in microdot._multipart
        from microdot._multipart import _form_init
        return _form_init(self, *args, **kwargs)

    def __aiter__(self, *args, **kwargs):
        # the code is in microdot._multipart
        from microdot._multipart import _form_aiter
        return _form_aiter(self, *args, **kwargs)

    def __anext__(self, *args, **kwargs):
        # the code is in microdot._multipart
        from microdot._multipart import _form_anext
        return _form_anext(self, *args, **kwargs)


class FileUpload:
    """A file uploaded with a multipart form.

    :param filename: the file name the client sent. Never use it as a path
                     without checking it.
    :param content_type: the content type the client sent, or ``None``.
    :param read: the coroutine that reads the file's data.

    Applications get instances from :class:`FormDataIter` and
    :func:`with_form_data`; they do not create them.
    """
    #: The largest file that :meth:`copy` keeps in memory; bigger files go
    #: to a temporary file.
    max_memory_size = 1024

    #: The directory of the temporary files; ``None`` means the system's
    #: temporary directory (the current directory on MicroPython).
    temp_dir = None

    #: The path of the temporary file that :meth:`copy` made, or ``None``.
    temp_path = None

    def __init__(self, filename, content_type,
                 read):
        self.filename = filename
        self.content_type = content_type
        self._read = read
        self._close = None

    def read(self, *args, **kwargs):
        """Read up to ``n`` bytes of the file (all of it by default).

        The code is in :mod:`microdot._multipart`.
        """
        from microdot._multipart import _upload_read
        return _upload_read(self, *args, **kwargs)

    def save(self, *args, **kwargs):
        """Save the file to a path or an open binary file.

        The code is in :mod:`microdot._multipart`.
        """
        from microdot._multipart import _upload_save
        return _upload_save(self, *args, **kwargs)

    def copy(self, *args, **kwargs):
        """Copy the file to memory or to a temporary file, and return a
        :class:`FileUpload` that reads the copy.

        The code is in :mod:`microdot._multipart`.
        """
        from microdot._multipart import _upload_copy
        return _upload_copy(self, *args, **kwargs)

    def close(self, *args, **kwargs):
        """Release the copy made by :meth:`copy` (its temporary file).

        The code is in :mod:`microdot._multipart`.
        """
        from microdot._multipart import _upload_close
        return _upload_close(self, *args, **kwargs)


def with_form_data(f):
    """Decorator that parses a ``multipart/form-data`` body before the route
    runs, into ``request.form`` (plain fields, as strings) and
    ``request.files`` (:class:`FileUpload` objects), both dictionaries as
    in microdot (a repeated field keeps its last value).

    Example::

        from microdot import multipart

        @app.post('/upload')
        @multipart.with_form_data
        async def upload(request):
            name = request.form['name']
            await request.files['photo'].save('/photos/' + name)

    Every file is copied with :meth:`FileUpload.copy`, to memory or to a
    temporary file; temporary files are removed when the route returns,
    also on errors.
    """
    @wraps(f)
    async def wrapper(request, *route_args, **route_kwargs):
        form = {}
        files = {}
        try:
            async for field, value in FormDataIter(request):
                if isinstance(value, FileUpload):
                    # a repeated field keeps its last file: close the one
                    # it replaces now, so that no temporary file is left
                    previous = files.get(field)
                    files[field] = await value.copy()
                    if previous is not None:
                        await previous.close()
                else:
                    form[field] = value
            if form or files:
                request._form = form
                request._files = files
            return await invoke_handler(f, request, *route_args,
                                        **route_kwargs)
        finally:
            for upload in files.values():
                await upload.close()

    return wrapper


if sys.implementation.name == 'cpython':
    # the real methods in place now (see microdot.microdot)
    import microdot._multipart  # noqa: F401
