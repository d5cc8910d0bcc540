"""
microdot.jinja
--------------

Templates rendered with Jinja2 (CPython only).
"""
# microdot 2.7 imports these three by name, so applications may import them
# from here
from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ['Template', 'Environment', 'FileSystemLoader', 'select_autoescape']


class Template:
    """A Jinja2 template.

    :param template: the file name of the template, relative to the template
                     directory given to :meth:`initialize`.
    :param kwargs: extra arguments for the Jinja environment's
                   ``get_template()``.

    Example::

        from microdot.jinja import Template

        @app.get('/')
        async def index(request):
            return Template('index.html').render(name='world'), \\
                {'Content-Type': 'text/html'}
    """
    #: The Jinja ``Environment``, created by :meth:`initialize` (which the
    #: first :class:`Template` calls when the application has not).
    jinja_env = None

    @classmethod
    def initialize(
            cls, template_dir='templates', enable_async=False, **kwargs):
        """Configure the template engine.

        :param template_dir: the directory (or list of directories) that
                             holds the templates, ``'templates'`` by
                             default.
        :param enable_async: ``True`` enables Jinja's async mode, needed by
                             :meth:`generate_async` and :meth:`render_async`.
        :param kwargs: extra arguments for Jinja's ``Environment``.

        Autoescaping is on for ``.html`` and ``.xml`` templates unless
        ``kwargs`` sets ``autoescape``.
        """
        # an explicit autoescape setting in kwargs wins over the default
        kwargs.setdefault('autoescape', select_autoescape())
        loader = FileSystemLoader(template_dir)
        cls.jinja_env = Environment(
            loader=loader, enable_async=enable_async, **kwargs)

    def __init__(self, template, **kwargs):
        if self.jinja_env is None:
            self.initialize()
        #: The file name of the template.
        self.name = template
        #: The Jinja template object.
        env = self.jinja_env
        self.template = env.get_template(template, **kwargs)

    def generate(self, *args, **context):
        """Render the template piece by piece: returns a generator of
        strings."""
        return self.template.generate(*args, **context)

    def render(self, *args, **context):
        """Render the template and return the whole text."""
        return self.template.render(*args, **context)

    def generate_async(self, *args, **context):
        """Render the template piece by piece: returns an async generator
        of strings. Needs ``enable_async=True``."""
        return self.template.generate_async(*args, **context)

    async def render_async(self, *args, **context):
        """Render the template asynchronously and return the whole text.
        Needs ``enable_async=True``."""
        return await self.template.render_async(*args, **context)
