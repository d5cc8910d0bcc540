"""
HTTP authentication for routes: Basic (user name and password) and tokens.

The authenticated user is stored in ``request.g.current_user``.
"""
import binascii

from microdot.microdot import abort, invoke_handler
from microdot.helpers import wraps


class BaseAuth:
    """What the authentication classes have in common: the decorators that
    protect routes and register the callbacks.

    Subclasses implement ``_get_auth(request)``, which returns a tuple with
    the credentials found in the request (passed to the authentication
    callback after the request) or ``None`` when there are none.
    """
    def __init__(self):
        self.auth_callback = None
        # subclasses provide a default error response
        self.error_callback = getattr(self, 'authentication_error', None)

    def _get_auth(self, request):  # pragma: no cover
        raise NotImplementedError('subclasses find the credentials')

    async def _authenticate(self, request, credentials):
        if self.auth_callback is None:
            raise ValueError('no authentication callback: register one '
                             'with the authenticate decorator of this {} '
                             'object'.format(type(self).__name__))
        return await invoke_handler(self.auth_callback, request,
                                    *credentials)

    def __call__(self, f):
        """Decorator that lets a route run only for authenticated clients.

        Example::

            auth = BasicAuth()  # or TokenAuth()

            @app.route('/secret')
            @auth
            async def secret(request):
                return 'Hello, {}'.format(request.g.current_user)

        The route runs when the authentication callback returns a user for
        the credentials in the request; otherwise the response is the one of
        the error callback.
        """
        return self._protect(f, True)

    def optional(self, f):
        """Decorator that authenticates a route's client when it sends
        credentials, and runs the route either way.

        ``request.g.current_user`` is the user, or ``None`` for anonymous
        clients and for credentials that the callback rejected.
        """
        return self._protect(f, False)

    def _protect(self, f, required):
        # one wrapper for both decorators: each function costs heap
        @wraps(f)
        async def wrapper(request, *route_args, **route_kwargs):
            credentials = self._get_auth(request)
            user = None
            if credentials:
                user = await self._authenticate(request, credentials)
            if not required:
                user = user or None
            request.g.current_user = user
            if required and not user:
                return await invoke_handler(self.error_callback, request)
            return await invoke_handler(f, request, *route_args,
                                        **route_kwargs)

        return wrapper

    def authenticate(self, f):
        """Decorator that registers the authentication callback.

        The callback takes the request and the credentials, and returns the
        user (any object that is true) or ``None`` when the credentials are
        not valid. It can be a plain function or a coroutine.
        """
        self.auth_callback = f
        return f

    def errorhandler(self, f):
        """Decorator that registers the error callback, which takes the
        request and returns the response for a client that is not
        authenticated. It can be a plain function or a coroutine."""
        self.error_callback = f
        return f


class BasicAuth(BaseAuth):
    """HTTP Basic authentication.

    :param realm: the realm that browsers show when they ask for a user name
                  and a password.
    :param charset: the character set announced for the credentials.
    :param scheme: the scheme named in the ``WWW-Authenticate`` header of the
                   error response, ``'Basic'`` by default (another value
                   stops browsers from showing their login dialog).
    :param error_status: the status code of the error response.

    The authentication callback takes the request, the user name and the
    password::

        auth = BasicAuth()

        @auth.authenticate
        async def check(request, username, password):
            user = await find_user(username)
            if user and user.check_password(password):
                return user
    """
    def __init__(self,
                 realm='Please login',
                 charset='UTF-8',
                 scheme='Basic',
                 error_status=401):
        super().__init__()
        self.realm = realm
        self.charset = charset
        self.scheme = scheme
        self.error_status = error_status

    def _get_auth(self, request):
        header = request.headers.get('Authorization')
        if not header:
            return None
        parts = header.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != 'basic':
            return None
        try:
            decoded = binascii.a2b_base64(parts[1].strip()).decode()
        except Exception:
            return None
        if ':' not in decoded:
            return None
        username, password = decoded.split(':', 1)
        return username, password

    async def authentication_error(self, request):
        """The default error callback: an empty response with the error
        status and a ``WWW-Authenticate`` challenge."""
        challenge = '%s realm="%s", charset="%s"' % (
            self.scheme, self.realm, self.charset)
        return '', self.error_status, {'WWW-Authenticate': challenge}


class TokenAuth(BaseAuth):
    """Authentication with a token sent in a header.

    :param header: the header that carries the token, ``Authorization`` by
                   default.
    :param scheme: the scheme that precedes the token in the
                   ``Authorization`` header, ``'Bearer'`` by default, in any
                   case. Other headers carry the bare token.
    :param error_status: the status code of the error response.

    The authentication callback takes the request and the token::

        auth = TokenAuth()

        @auth.authenticate
        async def check(request, token):
            return await find_user_by_token(token)
    """
    def __init__(self,
                 header='Authorization',
                 scheme='Bearer',
                 error_status=401):
        super().__init__()
        self.header = header
        self.scheme = scheme.lower()
        self.error_status = error_status

    def _get_auth(self, request):
        value = request.headers.get(self.header)
        if not value:
            return None
        if self.header.lower() != 'authorization':
            return (value,)
        parts = value.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != self.scheme:
            return None
        return (parts[1].strip(),)

    async def authentication_error(self, request):
        """The default error callback: ends the request with the error
        status."""
        abort(self.error_status)
