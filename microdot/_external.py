"""What the applications of :mod:`microdot.asgi` and :mod:`microdot.wsgi`
share: they normally run under an external web server, and only in
development on microdot's own."""
import os
import signal

# characters that stay as they are when a decoded path is quoted again: the
# servers give the path decoded, the application sees it as the client sent
# it, as on the embedded server
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class ExternalServerMixin:
    """Mixin for a :class:`Microdot <microdot.Microdot>` subclass that a web
    server (ASGI or WSGI) runs. It goes before the base class in the bases
    list."""

    #: ``True`` when the application runs on the embedded server through
    #: :meth:`run` instead of under an external web server.
    embedded_server = False

    def shutdown(self):
        """Stop the server.

        On the embedded server this stops it as the base class does. Under
        a web server it sends ``SIGTERM`` to the process group leader (the
        server's main process), which then shuts down gracefully.
        """
        if self.embedded_server:
            super().shutdown()
        else:
            # the group leader is the server's main process
            leader = os.getpgrp() if hasattr(os, 'getpgrp') \
                else os.getpid()
            os.kill(leader, signal.SIGTERM)

    def run(self, host='0.0.0.0', port=5000, debug=False, **options):
        """Serve the application with the embedded server.

        :param host: the address to listen on.
        :param port: the port to listen on.
        :param debug: print each request and diagnostics.
        :param options: the other keyword arguments of the embedded server's
                        ``run()``, such as ``ssl`` and ``workers``.

        This is for development: in production start an ASGI or WSGI web
        server and give it this instance as the application.
        """
        # microdot 2.7's signature: ssl (and workers) can only be given by
        # keyword here, which mypy flags as an incompatible override
        # (silenced in asgi.py and wsgi.py)
        self.embedded_server = True
        super().run(host=host, port=port, debug=debug, **options)
