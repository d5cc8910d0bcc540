"""
microdot.cors
-------------

Cross-Origin Resource Sharing: tells browsers which other origins may call
the application, answering preflight (``OPTIONS``) requests and adding the
``Access-Control-*`` headers to every response. Runs on CPython and
MicroPython.
"""
from microdot.microdot import merge_vary


class CORS:
    """Add CORS headers to the responses of an application.

    :param app: the application. When omitted, call :meth:`initialize`
                later.
    :param allowed_origins: the origins (``'https://example.com'``) that may
                            make cross-origin requests, as a list, or ``'*'``
                            for any origin. ``None`` (the default) allows
                            none.
    :param allow_credentials: when ``True``, responses to allowed origins
                              carry ``Access-Control-Allow-Credentials:
                              true``, so that browsers expose cookies and
                              authentication headers to them.
    :param allowed_methods: the methods allowed in cross-origin requests.
                            ``None`` (the default) allows every method.
    :param expose_headers: a list of response headers that browsers may
                           expose to the calling script.
    :param allowed_headers: the request headers allowed in cross-origin
                            requests. ``None`` (the default) allows every
                            header.
    :param max_age: how long, in seconds, browsers may cache the answer to a
                    preflight request.
    :param handle_cors: when ``False``, no headers are added automatically;
                        the application can call :meth:`get_cors_headers`
                        itself.

    Example::

        from microdot import Microdot
        from microdot.cors import CORS

        app = Microdot()
        CORS(app, allowed_origins=['https://example.com'],
             allow_credentials=True)
    """
    def __init__(self, app=None, allowed_origins=None,
                 allow_credentials=False, allowed_methods=None,
                 expose_headers=None, allowed_headers=None, max_age=None,
                 handle_cors=True):
        if isinstance(allowed_origins, str) and allowed_origins != '*':
            # a single origin given as a string, not as a list of one
            allowed_origins = [allowed_origins]
        if max_age is not None and (not isinstance(max_age, int) or
                                    max_age < 0):
            raise ValueError('max_age must be a number of seconds >= 0')
        self.allowed_origins = allowed_origins
        self.allow_credentials = allow_credentials
        self.allowed_methods = allowed_methods
        self.expose_headers = expose_headers
        # header names are case-insensitive: keep them lower case to compare
        self.allowed_headers = None
        if allowed_headers is not None:
            self.allowed_headers = [h.lower() for h in allowed_headers]
        self.max_age = max_age
        self.default_options_handler = None
        if app is not None:
            self.initialize(app, handle_cors)

    def initialize(self, app, handle_cors=True):
        """Attach the CORS handling to an application.

        :param app: the application.
        :param handle_cors: when ``False``, no headers are added
                            automatically.
        """
        previous = app.options_handler
        self.default_options_handler = previous
        if handle_cors:
            app.options_handler = self.options_handler
            app.after_request(self.after_request)
            # error responses (404, 500, unparseable requests...) need the
            # headers too, or the browser hides the error from the script
            app.after_error_request(self.after_request)

    def options_handler(self, request):
        """Answer an ``OPTIONS`` request: the application's own headers
        (``Allow``) plus the CORS ones."""
        headers = {}
        if self.default_options_handler is not None:
            headers = self.default_options_handler(request) or {}
        extra = self.get_cors_headers(request)
        headers.update(extra)
        return headers

    def origin_allowed(self, origin):
        """Tell whether cross-origin requests from ``origin`` are allowed."""
        if self.allowed_origins == '*':
            return True
        return bool(origin) and origin in (self.allowed_origins or ())

    def _method_allowed(self, method):
        if self.allowed_methods is None:
            return True
        return method in [m.upper() for m in self.allowed_methods]

    def get_cors_headers(self, request):
        """Return the CORS headers for a request, as a dictionary.

        :param request: the request, or ``None`` when it could not be
                        parsed (only the headers that do not depend on it
                        are returned then).
        """
        headers = {}
        origin = None
        if request is not None:
            origin = request.headers.get('Origin')
        if self.allowed_origins == '*':
            # with an Origin it is echoed back, which also works for
            # requests with credentials (where a literal '*' is refused)
            headers['Access-Control-Allow-Origin'] = origin or '*'
            if origin:
                headers['Vary'] = 'Origin'
        elif self.origin_allowed(origin):
            headers['Access-Control-Allow-Origin'] = origin
            headers['Vary'] = 'Origin'
        if self.allow_credentials and \
                'Access-Control-Allow-Origin' in headers:
            headers['Access-Control-Allow-Credentials'] = 'true'
        if self.expose_headers:
            headers['Access-Control-Expose-Headers'] = \
                ', '.join(self.expose_headers)
        if request is None or request.method != 'OPTIONS':
            return headers

        # a preflight: may the real request use this method and headers?
        if self.max_age is not None:
            headers['Access-Control-Max-Age'] = str(self.max_age)
        asked = request.headers
        method = asked.get('Access-Control-Request-Method')
        if method:
            method = method.strip().upper()
            if self._method_allowed(method):
                headers['Access-Control-Allow-Methods'] = method
        wanted = asked.get('Access-Control-Request-Headers')
        if wanted:
            if self.allowed_headers is None:
                headers['Access-Control-Allow-Headers'] = wanted
            else:
                granted = []
                for name in wanted.split(','):
                    name = name.strip()
                    if name and name.lower() in self.allowed_headers:
                        granted.append(name)
                if granted:
                    headers['Access-Control-Allow-Headers'] = \
                        ', '.join(granted)
        return headers

    def after_request(self, request, response):
        """Add the CORS headers to a response (an after-request handler)."""
        previous_vary = response.headers.get('Vary')
        added = self.get_cors_headers(request)
        response.headers.update(added)
        vary = response.headers.get('Vary')
        if previous_vary and vary and vary != previous_vary:
            response.headers['Vary'] = merge_vary(previous_vary, vary)
