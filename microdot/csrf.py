"""
microdot.csrf
-------------

Cross-Site Request Forgery protection based on the Fetch Metadata headers
that browsers send (``Sec-Fetch-Site``), with the ``Origin`` header checked
against the CORS allowed origins for browsers that do not send them. Runs on
CPython and MicroPython.
"""
from microdot.microdot import abort


def _split_origin(origin):
    # 'https://example.com:8443' -> ('https', 'example.com', ':8443');
    # None when the value is not a scheme://host[:port] origin
    sep = origin.find('://')
    if sep <= 0:
        return None
    scheme, rest = origin[:sep].lower(), origin[sep + 3:]
    if not rest or '/' in rest:
        return None
    port = ''
    colon = rest.rfind(':')
    if colon > rest.rfind(']'):
        rest, port = rest[:colon], rest[colon:]
    return scheme, rest.lower(), port


class CSRF:
    """Refuse state-changing requests that a browser sends on behalf of
    another site.

    :param app: the application. When omitted, call :meth:`initialize`
                later.
    :param cors: the :class:`CORS <microdot.cors.CORS>` object of the
                 application. Its ``allowed_origins`` are the origins whose
                 cross-site requests are accepted. Optional.
    :param protect_all: when ``True`` (the default) every route is protected
                        except those decorated with :meth:`exempt`; when
                        ``False`` only the routes decorated with
                        :meth:`protect` are.
    :param allow_subdomains: when ``True``, requests from subdomains
                             (``Sec-Fetch-Site: same-site``, or an
                             ``Origin`` that is a subdomain of an allowed
                             origin with the same scheme and port) are
                             accepted.

    Requests with a method outside :attr:`SAFE_METHODS` are checked, and
    every request to a route decorated with :meth:`protect`; refused
    requests get a 403 response. A request passes when its
    ``Sec-Fetch-Site`` header is ``same-origin`` or ``none`` (typed by the
    user), or ``same-site`` with ``allow_subdomains``. Any other request
    that has an ``Origin`` header passes only when ``cors`` lists that
    origin. Requests without either header do not come from a browser and
    pass.

    Example::

        from microdot import Microdot
        from microdot.cors import CORS
        from microdot.csrf import CSRF

        app = Microdot()
        cors = CORS(app, allowed_origins=['https://example.com'])
        csrf = CSRF(app, cors)
    """
    #: The methods that must not change state, and are never checked.
    SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS']

    def __init__(self, app=None, cors=None, protect_all=True,
                 allow_subdomains=False):
        self.cors = cors
        self.protect_all = protect_all
        self.allow_subdomains = allow_subdomains
        #: Route handlers excluded from the check by :meth:`exempt`.
        self.exempt_routes = []
        #: Route handlers included in the check by :meth:`protect`.
        self.protected_routes = []
        if app is not None:
            self.initialize(app, cors)

    def initialize(self, app, cors=None):
        """Attach the protection to an application.

        :param app: the application.
        :param cors: the application's CORS object, if it has one.
        """
        if cors is not None:
            self.cors = cors
        app.before_request(self.before_request)

    def exempt(self, f):
        """Decorator that excludes a route from the check.

        Example::

            @app.post('/webhook')
            @csrf.exempt
            async def webhook(request):
                ...
        """
        if not callable(f):
            raise TypeError('csrf.exempt decorates a route function')
        self.exempt_routes.append(f)
        return f

    def protect(self, f):
        """Decorator that includes a route in the check, for applications
        created with ``protect_all=False``::

            @app.post('/submit')
            @csrf.protect
            async def submit(request):
                ...
        """
        if not callable(f):
            raise TypeError('csrf.protect decorates a route function')
        self.protected_routes.append(f)
        return f

    def is_protected(self, request):
        """Tell whether a request is subject to the check: a request with an
        unsafe method to a route that is not exempt (with ``protect_all``),
        or any request to a route decorated with :meth:`protect`."""
        if request.route in self.protected_routes:
            return True
        return self.protect_all and \
            request.method.upper() not in self.SAFE_METHODS and \
            request.route not in self.exempt_routes

    def origin_allowed(self, origin):
        """Tell whether cross-site requests from ``origin`` are trusted:
        those from an origin listed in the CORS object's ``allowed_origins``
        (or, with ``allow_subdomains``, from a subdomain of one, with the
        same scheme and port). A CORS object that allows every origin
        (``'*'``) does not make any origin trusted."""
        allowed = self.cors.allowed_origins if self.cors else None
        if not origin or not allowed or allowed == '*':
            return False
        if origin in allowed:
            return True
        if not self.allow_subdomains:
            return False
        parts = _split_origin(origin)
        if parts is None:
            return False
        scheme, host, port = parts
        for candidate in allowed:
            trusted = _split_origin(candidate)
            if trusted and trusted[0] == scheme and trusted[2] == port and \
                    host.endswith('.' + trusted[1]):
                return True
        return False

    def check(self, request):
        """Tell whether a protected request may go on."""
        site = (request.headers.get('Sec-Fetch-Site') or '').strip().lower()
        if site == 'same-origin' or site == 'none' or \
                (site == 'same-site' and self.allow_subdomains):
            # the answer depends on this header: caches must know
            if not hasattr(request.g, '_vary'):
                request.g._vary = set()
            request.g._vary.add('Sec-Fetch-Site')
            return True
        origin = request.headers.get('Origin')
        if not site and not origin:
            # neither header: not a browser, or one too old for CSRF
            # defences based on headers
            return True
        return self.origin_allowed(origin)

    def before_request(self, request):
        """The before-request handler that refuses unsafe cross-site
        requests with a 403 error."""
        if self.is_protected(request) and not self.check(request):
            abort(403, 'Forbidden')
