"""
User sessions kept in a signed cookie.

The session is a dictionary that travels in the ``session`` cookie as a JSON
Web Token signed with HS256. PyJWT does the signing when it is installed;
otherwise (and always on MicroPython) :mod:`microdot._jwt` does, and the
tokens of one verify with the other.
"""
from microdot.microdot import invoke_handler
from microdot.helpers import wraps

try:
    import jwt as _pyjwt
    _pyjwt.exceptions.PyJWTError
except (ImportError, AttributeError):  # pragma: no cover
    # no PyJWT (MicroPython, or micropython-lib's different ``jwt``)
    _pyjwt = None  # type: ignore[assignment]


def _codec():
    # PyJWT when installed, else ours, imported at the first token rather
    # than with this module: on a board the heap for it is spent only by an
    # application that really reads or writes a session
    if _pyjwt is not None:
        return _pyjwt
    from microdot import _jwt
    return _jwt


#: The name of the cookie that holds the session.
SESSION_COOKIE = 'session'


def _manager(request):
    session = getattr(request.app, '_session', None)
    if session is None:
        raise ValueError('sessions are not set up for this application: '
                         'create Session(app, secret_key=...) first')
    return session


class SessionDict(dict):
    """The session of a request: a dictionary with :meth:`save` and
    :meth:`delete` methods.

    :param request: the request the session belongs to.
    :param session_dict: the initial contents.
    """
    def __init__(self, request, session_dict):
        super().__init__(session_dict)
        self.request = request

    def save(self):
        """Send the current contents of the session to the client in the
        response to this request."""
        _manager(self.request).update(self.request, self)

    def delete(self):
        """Remove the session cookie in the response to this request."""
        _manager(self.request).delete(self.request)


class Session:
    """Sessions for an application.

    :param app: the application; when not given here, call
                :meth:`initialize` later.
    :param secret_key: the key that signs the session cookies, a string or
                       bytes. Keep it secret: whoever has it can write any
                       session.
    :param cookie_options: a dictionary of extra arguments for
                           :meth:`Response.set_cookie
                           <microdot.Response.set_cookie>`, such as
                           ``{'secure': True}``. ``path`` defaults to ``'/'``
                           and ``http_only`` to ``True``.

    Example::

        app = Microdot()
        Session(app, secret_key='top-secret!')
    """
    #: The secret key that signs the session cookies.
    secret_key = None

    def __init__(self, app=None,
                 secret_key=None, cookie_options=None):
        self.secret_key = secret_key
        self.cookie_options = dict(cookie_options or {})
        if app is not None:
            self.initialize(app)

    def initialize(self, app,
                   secret_key=None, cookie_options=None):
        """Attach the sessions to an application.

        :param app: the application.
        :param secret_key: the secret key, replacing the one given to the
                           constructor.
        :param cookie_options: the cookie options, replacing the ones given
                               to the constructor.
        """
        if secret_key is not None:
            self.secret_key = secret_key
        if cookie_options is not None:
            self.cookie_options = dict(cookie_options)
        self.cookie_options.setdefault('path', '/')
        self.cookie_options.setdefault('http_only', True)
        app._session = self

    def _check_key(self):
        if not self.secret_key:
            raise ValueError('the session secret key is not set: pass '
                             'secret_key to Session()')

    def _key(self, secret_key):
        key = secret_key or self.secret_key
        if not key:
            self._check_key()
        if not isinstance(key, (str, bytes)):
            raise TypeError('the secret key must be a string or bytes')
        return key

    def get(self, request):
        """Return the session of a request, as a :class:`SessionDict`.

        :param request: the request.

        The session is empty when the client sent no session cookie, or one
        that is malformed, expired or not signed with the secret key. It is
        read once per request and then reused.
        """
        self._check_key()
        session = getattr(request.g, '_session', None)
        if session is None:
            # the response depends on the session cookie: caches must know
            if not hasattr(request.g, '_vary'):
                request.g._vary = set()
            request.g._vary.add('Cookie')
            cookie = request.cookies.get(SESSION_COOKIE)
            data = self.decode(cookie) if cookie else {}
            session = SessionDict(request, data)
            request.g._session = session
        return session

    def _on_response(self, request, action):
        # Several save()/delete() calls in one request send one cookie: the
        # last call decides what it is.
        first = not hasattr(request.g, '_session_cookie')
        request.g._session_cookie = action
        if not first:
            return

        @request.after_request
        def _send_session_cookie(request, response):
            value = request.g._session_cookie
            if value is None:
                response.delete_cookie(SESSION_COOKIE, **self.cookie_options)
            else:
                response.set_cookie(SESSION_COOKIE, value,
                                    **self.cookie_options)
            return response

    def update(self, request, session):
        """Store a session in the client, with the response to a request.

        :param request: the request.
        :param session: a dictionary with the session contents.

        Applications normally call :meth:`SessionDict.save` instead::

            @app.post('/name')
            @with_session
            async def set_name(request, session):
                session['name'] = request.form['name']
                session.save()
                return 'saved'
        """
        self._check_key()
        self._on_response(request, self.encode(session))

    def delete(self, request):
        """Remove the session from the client, with the response to a
        request.

        :param request: the request.

        Applications normally call :meth:`SessionDict.delete` instead.
        """
        self._on_response(request, None)

    def encode(self, payload, secret_key=None):
        """Return a dictionary as a signed token.

        :param payload: the dictionary; it must be serialisable as JSON.
        :param secret_key: the key to sign with, instead of
                           :attr:`secret_key`.
        """
        key = self._key(secret_key)
        # a plain dict: MicroPython's dict() does not copy dict subclasses
        payload = {k: v for k, v in payload.items()}
        return _codec().encode(payload, key, algorithm='HS256')

    def decode(self, session, secret_key=None):
        """Return the dictionary in a signed token, or ``{}`` when the token
        is malformed, expired or signed with another key.

        :param session: the token.
        :param secret_key: the key to verify with, instead of
                           :attr:`secret_key`.
        """
        key = self._key(secret_key)
        codec = _codec()
        try:
            payload = codec.decode(session, key, algorithms=['HS256'])
        except Exception:
            # whatever the client sent, a bad token is only an empty session
            return {}
        return payload if isinstance(payload, dict) else {}


def with_session(f):
    """Decorator that passes the session to a route handler, as the argument
    after the request.

    Example::

        @app.route('/')
        @with_session
        async def index(request, session):
            return 'Hello, {}!'.format(session.get('name', 'stranger'))

    The decorator does not save the session: call ``session.save()`` after
    changing it.
    """
    @wraps(f)
    async def wrapper(request, *args, **kwargs):
        return await invoke_handler(
            f, request, _manager(request).get(request), *args, **kwargs)

    return wrapper
