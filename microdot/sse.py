"""
microdot.sse
------------

Server-Sent Events. A route decorated with :func:`with_sse` receives an
:class:`SSE` object whose :meth:`SSE.send` pushes events to the client over
a ``text/event-stream`` response.
"""
import asyncio

from microdot.helpers import wraps

from microdot._jsoncodec import dumpb


def _to_bytes(data):
    if isinstance(data, (dict, list)):
        data = dumpb(data)
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    return str(data).encode()


def _lines(data):
    # the SSE line terminators are CRLF, CR and LF
    return data.replace(b'\r\n', b'\n').replace(b'\r', b'\n').split(b'\n')


def _field(name, value):
    value = str(value)
    if '\r' in value or '\n' in value or '\0' in value:
        raise ValueError('the SSE {} cannot contain line breaks or NUL '
                         'characters'.format(name))
    return value.encode()


class SSE:
    """The event stream of a Server-Sent Events route, as given to the
    route handler."""
    def __init__(self):
        #: Set when events are queued or the event task ends.
        self.event = asyncio.Event()
        #: The encoded events waiting to be sent.
        self.queue = []

    async def send(self, data, event=None, event_id=None, retry=None,
                   comment=False):
        """Send an event to the client.

        :param data: the event data. Dictionaries and lists are sent as JSON,
                     strings as UTF-8, bytes as they are, and anything else
                     as its ``str()``. Data with line breaks is sent as
                     several ``data:`` lines, which the client joins back.
        :param event: the event name, or ``None`` for a plain message.
        :param event_id: the event id, which the client sends back in the
                         ``Last-Event-ID`` header when it reconnects.
        :param retry: how long the client should wait before reconnecting,
                      in seconds (fractions allowed); sent in milliseconds.
        :param comment: send ``data`` as a comment line (``: data``), which
                        clients ignore; useful to keep idle connections open.
                        The other arguments are then ignored.

        Event names and ids cannot contain line breaks (``ValueError``).
        """
        data = _to_bytes(data)
        if comment:
            out = b''.join([b': ' + line + b'\n' for line in _lines(data)])
        else:
            out = b''
            if retry is not None:
                if isinstance(retry, bool) or \
                        not isinstance(retry, (int, float)) or retry < 0:
                    raise ValueError('retry must be a number of seconds '
                                     '>= 0')
                out += b'retry: ' + str(int(retry * 1000 + 0.5)).encode() + \
                    b'\n'
            if event is not None:
                out += b'event: ' + _field('event', event) + b'\n'
            if event_id is not None:
                out += b'id: ' + _field('event_id', event_id) + b'\n'
            out += b''.join([b'data: ' + line + b'\n'
                             for line in _lines(data)])
        self.queue.append(out + b'\n')
        self.event.set()


class _EventStream:
    # The body of an SSE response: yields the queued events until the event
    # task ends, and re-raises the exception the task failed with.
    def __init__(self, sse, task):
        self.sse = sse
        self.task = task

    def __aiter__(self):
        return self

    async def __anext__(self):
        sse = self.sse
        while not sse.queue:
            if self.task.done():
                raise StopAsyncIteration
            await sse.event.wait()
            sse.event.clear()
        item = sse.queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    async def aclose(self):
        # the response ended, usually because the client went away
        self.task.cancel()


def sse_response(request, event_function,
                 *args, **kwargs):
    """Return a response that streams the events sent by an event function.

    :param request: the request.
    :param event_function: a coroutine function called as
                           ``event_function(request, sse, *args, **kwargs)``
                           that sends events with ``sse.send()``. The stream
                           ends when it returns. It runs in its own task,
                           which is cancelled when the client disconnects.
    :param args: extra positional arguments for ``event_function``.
    :param kwargs: extra keyword arguments for ``event_function``.

    Most applications use the :func:`with_sse` decorator instead.
    """
    sse = SSE()

    async def run_events():
        try:
            await event_function(request, sse,
                                 *args, **kwargs)
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            # handed to the response, which raises it in the server
            sse.queue.append(exc)
        sse.event.set()

    task = asyncio.create_task(run_events())
    return _EventStream(sse, task), 200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
    }


def with_sse(f):
    """Decorator that makes a route a Server-Sent Events endpoint. The
    handler receives an :class:`SSE` after the request::

        @app.route('/events')
        @with_sse
        async def events(request, sse):
            await sse.send('hello')                  # a plain message
            await sse.send({'count': 1})             # JSON data
            await sse.send('bye', event='goodbye')   # a named event

    The stream ends when the handler returns. When the client disconnects
    the handler is cancelled (``asyncio.CancelledError``). An exception in
    the handler is raised again where the response body is being sent: the
    server reports it and ends the stream, and the test client raises it
    from its request.
    """
    @wraps(f)
    async def route(request, *args, **kwargs):
        return sse_response(request, f, *args, **kwargs)

    return route
