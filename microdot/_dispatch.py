"""
microdot._dispatch
------------------

What happens to a request inside the application: URL patterns compiled and
matched, the route found, the before, route and after handlers run, errors
turned into responses. Every transport ends in ``dispatch_request``.

These methods live here so that ``import microdot`` on MicroPython does not
pay for them: the stand-ins in :mod:`microdot.microdot` import this module
at the first request, and it puts the real methods in the classes. CPython
imports it with :mod:`microdot.microdot`.
"""
import re

from microdot import microdot as core
from microdot import _speedups
from microdot.microdot import Microdot, Response, URLPattern, \
    HTTPException, invoke_handler, merge_vary

_BUILTIN_SEGMENTS = {
    'string': _speedups.SEG_STRING,
    'int': _speedups.SEG_INT,
    'path': _speedups.SEG_PATH,
}


_INT_PARSER = URLPattern.segment_parsers['int']
# CPython's cache of the handlers known to be coroutine functions (keyed by
# their code); none on MicroPython, where invoke_handler tells them apart
_ASYNC = getattr(core, '_coroutine_functions', {})


def compile(self):
    """Prepare the pattern for matching; called on first use.

    Raises ``ValueError`` for a malformed dynamic segment or an unknown
    segment type. Returns the compiled regular expression, or ``None``
    when the pattern is matched without one.
    """
    segments = []
    spec = []
    regex = ''
    use_regex = False
    parts = self.url_pattern.lstrip('/').split('/')
    for segment in parts:
        if segment and segment[0] == '<':
            if segment[-1] != '>':
                raise ValueError('invalid URL pattern: ' +
                                 self.url_pattern)
            segment = segment[1:-1]
            if ':' in segment:
                type_, name = segment.rsplit(':', 1)
            else:
                type_, name = 'string', segment
            parser = None
            if type_.startswith('re:'):
                regex += '/({})'.format(type_[3:])
                use_regex = True
            else:
                if type_ not in self.segment_patterns:
                    raise ValueError('invalid URL segment type: ' +
                                     type_)
                regex += self.segment_patterns[type_]
                parser = self.segment_parsers.get(type_)
                if type_ not in _BUILTIN_SEGMENTS or \
                        self.segment_patterns[type_] != \
                        self._default_patterns[type_]:
                    use_regex = True
                else:
                    if parser is _INT_PARSER:
                        parser = int  # the same result, without a frame
                    spec.append((_BUILTIN_SEGMENTS[type_], name, parser))
            segments.append({'parser': parser, 'name': name,
                             'type': type_})
        else:
            regex += '/' + segment
            spec.append(segment)
            segments.append({'parser': None})
    self.segments = segments
    if use_regex:
        self.regex = re.compile('^' + regex + '$')
        self._spec = None
    else:
        self._spec = tuple(spec)
    return self.regex


def _route(self):
    # how the router should match this pattern: (kind, data)
    if self._spec is None and self.regex is None:
        self.compile()
    if self.regex is not None:
        return _speedups.ROUTE_CALLABLE, self.match
    for item in self._spec:
        if not isinstance(item, str):
            return _speedups.ROUTE_SEGMENTS, self._spec
    return _speedups.ROUTE_STATIC, '/' + '/'.join(self._spec)


def _get_router(self):
    router = self._router
    if router is None or self._router_size != len(self.url_map):
        router = _speedups.Router()
        for methods, pattern, _, _, _ in self.url_map:
            kind, data = pattern._route()
            router.add(methods, kind, data)
        self._router = router
        self._router_size = len(self.url_map)
    return router


def find_route(self, req):
    """Find the handler for a request.

    Returns ``(handler, url_prefix, subapp)``, where ``handler`` is the
    route function, 404 or 405 when there is none, or the headers
    returned by :attr:`options_handler` for ``OPTIONS`` requests. Sets
    ``req.url_args`` to the arguments taken from the URL.
    """
    method = req.method.upper()
    if self.options_handler and method == 'OPTIONS':
        return self.options_handler(req), '', None
    if method == 'HEAD':
        method = 'GET'
    index, last, args = self._get_router().lookup(method, req.path)
    req.url_args = args
    if index >= 0:
        _, _, handler, prefix, subapp = self.url_map[index]
        return handler, prefix, subapp
    if last >= 0:
        _, _, _, prefix, subapp = self.url_map[last]
        return 405, prefix, subapp
    return 404, '', None


def get_request_handlers(self, req, attr, local_first=True):
    """Return the ``before_request``, ``after_request`` or
    ``after_error_request`` handlers that apply to a request, the
    sub-application's and the application's."""
    name = attr + '_handlers'
    own = getattr(self, name)
    if not req or not req.subapp:
        return own
    local = getattr(req.subapp, name)
    return local + own if local_first else own + local


async def error_response(self, req, status_code, reason=None):
    """Return the response for an HTTP error: what the error handler for
    the status code returns, or a plain text response."""
    handler = None
    if req and req.subapp:
        handler = req.subapp.error_handlers.get(status_code)
    if handler is None:
        handler = self.error_handlers.get(status_code)
    if handler is not None:
        try:
            return await invoke_handler(handler, req)
        except Exception as exc:
            # a failing error handler must not leave the client without
            # an answer: the built-in 500 takes its place
            core.print_exception(exc)
            return 'Internal server error', 500
    return reason or 'N/A', status_code


def _make_response(res):
    if isinstance(res, int):
        res = b'', res
    if isinstance(res, tuple):
        if isinstance(res[0], int):
            # (status_code,) or (status_code, headers)
            res = (b'', res[0], res[1] if len(res) > 1 else {})
        if isinstance(res[1], int):
            return Response(res[0], res[1],
                            res[2] if len(res) > 2 else {})
        return Response(res[0], 200, res[1])
    if isinstance(res, Response):
        return res
    return Response(res)


async def _run_route(self, req):
    # The route handler with its before and after handlers. Returns the
    # response and whether it completed normally (no error response).
    handler, req.url_prefix, req.subapp = self.find_route(req)
    if isinstance(handler, dict):
        return Response(headers=handler), False
    if handler == 405:
        # the text stays microdot's 'Not found' (its own tests pin it);
        # the Allow header that RFC 9110 asks for is added
        res = self._make_response(await self.error_response(
            req, 405, 'Not found'))
        if self.options_handler and 'Allow' not in res.headers:
            res.headers['Allow'] = \
                self.default_options_handler(req)['Allow']
        return res, False
    if not callable(handler):
        return await self.error_response(req, handler, 'Not found'), \
            False
    req.route = handler
    res = None
    subapp = req.subapp
    if self.before_request_handlers or subapp:
        for before in self.get_request_handlers(req, 'before_request',
                                                False):
            res = await invoke_handler(before, req)
            if res:
                break
    if res is None:
        if _ASYNC.get(getattr(handler, '__code__', None)):
            # a coroutine function seen before: awaited without the
            # coroutine of invoke_handler() around it
            res = await handler(req, **req.url_args)
        else:
            res = await invoke_handler(handler, req, **req.url_args)
        if type(res) not in _RESULT_TYPES and not _valid_result(res):
            raise TypeError('{} returned {}, which is not a valid '
                            'response'.format(
                                getattr(handler, '__name__', handler),
                                type(res).__name__))
    if type(res) is not Response:
        res = self._make_response(res)
    if self.after_request_handlers or subapp or \
            req.after_request_handlers:
        for after in self.get_request_handlers(req, 'after_request') + \
                req.after_request_handlers:
            res = await invoke_handler(after, req, res) or res
    return res, True


async def dispatch_request(self, req):
    """Run a parsed request through the application and return its
    :class:`Response`, always a complete one. Every transport ends here.

    :param req: the :class:`Request`, or ``None`` when the request could
                not be parsed (the response is then a 400 error).
    """
    completed = False
    extra = None
    if not req:
        res = await self.error_response(req, 400, 'Bad request')
    elif req.content_length > req.max_content_length:
        res = await self.error_response(req, 413, 'Payload too large')
    else:
        try:
            res, completed = await self._run_route(req)
        except HTTPException as exc:
            res = await self.error_response(req, exc.status_code,
                                            exc.reason)
            # headers the response needs (426's Sec-WebSocket-Version)
            extra = getattr(exc, 'headers', None)
        except Exception as exc:
            from microdot._extra import handle_exception
            res = await handle_exception(self, req, exc)
        if completed and not hasattr(req.g, '_vary'):
            # the common case, without another coroutine
            res.is_head = req.method == 'HEAD'
            return res
    res = await self._finish(req, res, completed)
    if extra:
        res.headers.update(extra)
    return res


async def _finish(self, req, res, completed):
    # the last steps of every response: a Response object, the
    # after-error handlers, HEAD, and the Vary names noted in request.g
    if not isinstance(res, Response):
        if not _valid_result(res):
            core._log('Invalid error response: {}'.format(
                type(res).__name__))
            res = 'Internal server error', 500
        res = self._make_response(res)
    if not completed:
        for handler in self.get_request_handlers(
                req, 'after_error_request'):
            try:
                res = await invoke_handler(handler, req, res) or res
            except Exception as exc:
                core.print_exception(exc)
    res.is_head = bool(req and req.method == 'HEAD')
    vary = getattr(req.g, '_vary', None) if req else None
    if vary:
        res.headers['Vary'] = merge_vary(res.headers.get('Vary'), vary)
    return res


# what handlers return most often, known to be valid
_RESULT_TYPES = (str, bytes, dict, list)


def _valid_result(res):
    # what a handler may return: a response, a body, a status code, or a
    # tuple with one of these first
    if isinstance(res, tuple):
        if not res:
            return False
        res = res[0]
    return res is None or isinstance(res, (Response, str, bytes, dict, list,
                                           int, bytearray)) or \
        hasattr(res, 'read') or hasattr(res, '__next__') or \
        hasattr(res, '__anext__')


# the real methods, in place of the stand-ins of microdot.microdot
setattr(URLPattern, 'compile', compile)
setattr(URLPattern, '_route', _route)
setattr(Microdot, '_get_router', _get_router)
setattr(Microdot, 'find_route', find_route)
setattr(Microdot, 'get_request_handlers', get_request_handlers)
setattr(Microdot, 'error_response', error_response)
setattr(Microdot, '_make_response', staticmethod(_make_response))
setattr(Microdot, '_run_route', _run_route)
setattr(Microdot, 'dispatch_request', dispatch_request)
setattr(Microdot, '_finish', _finish)
