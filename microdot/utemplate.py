"""
microdot.utemplate
------------------

Templates rendered with utemplate, the small template engine of
micropython-lib, which compiles each template to a Python module of
generator code. Runs on CPython and MicroPython.

utemplate's ``recompile`` loader, which brings the template compiler with
it, is imported when the first template is loaded with the default loader,
not with this module: a board that only loads templates compiled in advance
(``compiled.Loader``) never spends heap on the compiler.
"""
_loader = None


class _AsyncChunks:
    # an async iterator over the chunks of a template's generator
    def __init__(self, chunks):
        self.chunks = chunks

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return next(self.chunks)
        except StopIteration:
            raise StopAsyncIteration


class Template:
    """A utemplate template.

    :param template: the file name of the template, relative to the template
                     directory given to :meth:`initialize`.

    Example::

        from microdot.utemplate import Template

        @app.get('/')
        async def index(request):
            return Template('index.html').render(name='world'), \\
                {'Content-Type': 'text/html'}
    """
    @classmethod
    def initialize(cls, template_dir='templates', loader_class=None):
        """Configure the template engine.

        :param template_dir: the directory that holds the templates,
                             ``'templates'`` by default, relative to the
                             current directory (templates are compiled to
                             modules imported from there).
        :param loader_class: the utemplate loader class. The default,
                             ``recompile.Loader``, compiles a template again
                             when its file changes; ``compiled.Loader`` only
                             imports templates compiled in advance. (Upstream
                             writes the default as ``recompile.Loader``;
                             here it is ``None``, which means the same, so
                             that importing this module does not import the
                             compiler.)
        """
        global _loader
        if loader_class is None:
            from utemplate import recompile
            loader_class = recompile.Loader
        _loader = loader_class(None, template_dir)

    def __init__(self, template):
        if _loader is None:
            self.initialize()
        #: The file name of the template.
        self.name = template
        #: The compiled template: a function that returns a generator.
        self.template = _loader.load(template)

    def generate(self, *args, **context):
        """Render the template piece by piece: returns a generator of
        strings."""
        return self.template(*args, **context)

    def render(self, *args, **context):
        """Render the template and return the whole text."""
        return ''.join(self.generate(*args, **context))

    def generate_async(self, *args, **context):
        """Render the template piece by piece: returns an async iterator of
        strings."""
        return _AsyncChunks(self.generate(*args, **context))

    async def render_async(self, *args, **context):
        """Render the template and return the whole text, for use in async
        code."""
        chunks = []
        async for chunk in self.generate_async(*args, **context):
            chunks.append(chunk)
        return ''.join(chunks)
