"""
User logins on top of :mod:`microdot.session`: the logged in user's ID is
kept in the session, with an optional "remember me" cookie that outlives it.
"""
from time import time

from microdot.microdot import Response, invoke_handler
from microdot.helpers import wraps
from microdot.session import _manager

#: The name of the "remember me" cookie.
REMEMBER_COOKIE = '_remember'
_DAY = 24 * 60 * 60


def _is_local(url):
    # Only a path on this site: '/x' but not '//host', '/\host', 'http:...'
    # or anything with a backslash or a control character, which browsers
    # may read as another host or which could split the Location header.
    if not url or url[0] != '/' or url[1:2] in ('/', '\\'):
        return False
    for c in url:
        if c == '\\' or ord(c) < 0x20 or ord(c) == 0x7f:
            return False
    return True


class Login:
    """User logins.

    :param login_url: the URL of the login page, where routes that need a
                      logged in user send anonymous clients. ``'/login'`` by
                      default.

    The application needs a :class:`Session <microdot.session.Session>`, and
    represents users as objects with an ``id`` attribute::

        Session(app, secret_key='top-secret!')
        login = Login()

        @login.user_loader
        async def load_user(user_id):
            return await find_user(user_id)

    Unlike microdot 2.7, the remember cookie takes the session cookie's
    options (``Path=/``, ``HttpOnly``) and is deleted with them; the reasons,
    and the other differences, are in CHANGES.md.
    """
    def __init__(self, login_url='/login'):
        self.login_url = login_url
        self.user_loader_callback = None

    def user_loader(self, f):
        """Decorator that registers the function that returns the user with
        an ID, or ``None`` when there is none. It can be a plain function or
        a coroutine."""
        self.user_loader_callback = f
        return f

    def _get_session(self, request):
        return _manager(request).get(request)

    def _set_remember_cookie(self, request, days, user_id=None):
        manager = _manager(request)
        options = dict(manager.cookie_options)
        options.pop('expires', None)
        options.pop('max_age', None)
        if days:
            token = manager.encode({'user_id': user_id, 'days': days,
                                    'exp': time() + days * _DAY})
        else:
            token = None

        @request.after_request
        async def _send_remember_cookie(request, response):
            if token is None:
                response.delete_cookie(REMEMBER_COOKIE, **options)
            else:
                response.set_cookie(REMEMBER_COOKIE, token,
                                    max_age=days * _DAY, **options)
            return response

    def _user_id_from_session(self, request):
        session = self._get_session(request)
        if '_user_id' in session:
            return session['_user_id']
        token = request.cookies.get(REMEMBER_COOKIE)
        if not token:
            return None
        payload = _manager(request).decode(token)
        user_id = payload.get('user_id')
        if user_id is None:
            return None
        days = payload.get('days', 30)
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            days = 30
        # the login comes back from the cookie: it is not fresh
        self._set_remember_cookie(request, days, user_id)
        session['_user_id'] = user_id
        session['_fresh'] = False
        session.save()
        return user_id

    async def _login_redirect(self, request):
        # urlencode is in microdot._types, which a board loads only now
        from microdot._types import urlencode
        location = '{}?next={}'.format(self.login_url,
                                       urlencode(request.url))
        return '', 302, {'Location': location}

    async def get_current_user(self, request):
        """Return the logged in user of a request, or ``None``.

        :param request: the request.

        The user is loaded once per request and kept in
        ``request.g.current_user``.
        """
        if not hasattr(request.g, 'current_user'):
            user = None
            user_id = self._user_id_from_session(request)
            if user_id is not None:
                if self.user_loader_callback is None:
                    raise ValueError('no user loader: decorate one with '
                                     '@login.user_loader')
                user = await invoke_handler(self.user_loader_callback,
                                            user_id)
            request.g.current_user = user
        return request.g.current_user

    async def login_user(self, request, user,
                         remember=False, redirect_url='/'):
        """Log a user in, and return a redirect response.

        :param request: the request.
        :param user: the user, an object with an ``id`` attribute.
        :param remember: ``True`` to also set a "remember me" cookie that
                         keeps the user logged in for 30 days after the
                         session ends, or the number of days it lasts.
        :param redirect_url: where to redirect when the request has no
                             ``next`` argument.

        Call it once the user's credentials are verified. The redirect goes
        to the ``next`` query string argument that the login page received,
        when it is a path on this site, or to ``redirect_url``.
        """
        session = self._get_session(request)
        session['_user_id'] = user.id
        session['_fresh'] = True
        session.save()
        request.g.current_user = user
        if remember:
            days = int(remember) if remember is not True else 30
            if days < 1:
                raise ValueError('remember must be True or a number of days')
            self._set_remember_cookie(request, days, user.id)
        target = request.args.get('next')
        if target is None or not _is_local(target):
            target = redirect_url
        return Response.redirect(target)

    async def logout_user(self, request):
        """Log the user of a request out, removing the user from the session
        and the "remember me" cookie if there is one.

        :param request: the request.
        """
        session = self._get_session(request)
        session.pop('_user_id', None)
        session.pop('_fresh', None)
        session.save()
        request.g.current_user = None
        if REMEMBER_COOKIE in request.cookies:
            self._set_remember_cookie(request, 0)

    def __call__(self, f):
        """Decorator for routes that need a logged in user.

        Anonymous clients are redirected to the login page, with the URL
        they asked for in the ``next`` argument. Example::

            @app.route('/secret')
            @login
            async def secret(request):
                return 'Hello, {}'.format(request.g.current_user.name)
        """
        @wraps(f)
        async def wrapper(request, *route_args, **route_kwargs):
            if not await self.get_current_user(request):
                return await self._login_redirect(request)
            return await invoke_handler(f, request, *route_args,
                                        **route_kwargs)

        return wrapper

    def fresh(self, f):
        """Decorator for sensitive routes, which need a user who logged in
        during this session: a login restored from a "remember me" cookie
        must log in again."""
        protected = self.__call__(f)

        @wraps(f)
        async def wrapper(request, *route_args, **route_kwargs):
            # Only the session decides, as in microdot 2.7: a login that the
            # remember cookie could restore would not be fresh anyway, so it
            # is not restored here and the redirect sets no cookie.
            if not self._get_session(request).get('_fresh'):
                return await self._login_redirect(request)
            return await protected(request, *route_args, **route_kwargs)

        return wrapper
