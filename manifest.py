# Freeze microdot into a MicroPython firmware image.
#
# Frozen modules run from flash: their bytecode and names cost no heap, which
# is the smallest footprint microdot can have on a board. In the board's
# manifest (see "MicroPython manifest files" in the MicroPython docs):
#
#     include("path/to/this/checkout/manifest.py")
#
# freezes the core and every portable extension. To freeze only some:
#
#     include("path/to/this/checkout/manifest.py",
#             extensions=("cors", "session"))
#
# The CPython-only modules (asgi, wsgi, jinja, the CPython server and the
# compiled twins) are never frozen. tests/test_packaging_cpython.py checks
# that the lists below match the imports of the modules.

metadata(description="The impossibly small web framework for MicroPython",
         version="2.7.0.post1", license="MIT")

options.defaults(extensions=None)  # None: every extension below

# The core: what ``import microdot`` loads (__init__, microdot, _jsoncodec,
# _speedups/__init__, _speedups/_pure_core), and the modules it imports when
# a feature is first used: at the first request dispatch, the wire seam, the
# portable server and the twins it needs (_pure_serve); streamed bodies
# (_body); cookies, redirects, files, mount, bad requests, exception
# handlers (_extra); MultiDict, AsyncBytesIO, urlencode, mro (_types);
# WebSocket masking (_pure_extra). _speedups/_pure.py gathers the pure twins
# for tests.
CORE = ("__init__.py", "microdot.py", "_jsoncodec.py", "_speedups/__init__.py",
        "_speedups/_pure.py", "_speedups/_pure_core.py",
        "_speedups/_pure_serve.py", "_speedups/_pure_extra.py",
        "_dispatch.py", "_wire.py", "_body.py", "_portable.py", "_extra.py",
        "_types.py")

# Each extension with the package files it needs beyond the core.
EXTENSIONS = {
    "auth": ("auth.py", "helpers.py"),
    "cors": ("cors.py",),
    "csrf": ("csrf.py",),
    "login": ("login.py", "session.py", "_jwt.py", "helpers.py"),
    "multipart": ("multipart.py", "_multipart.py", "helpers.py"),
    "session": ("session.py", "_jwt.py", "helpers.py"),
    "sse": ("sse.py", "helpers.py"),
    "static": ("static.py",),
    "test_client": ("test_client.py", "websocket.py", "_websocket.py",
                    "helpers.py"),
    "utemplate": ("utemplate.py",),
    "websocket": ("websocket.py", "_websocket.py", "helpers.py"),
}

# Libraries from micropython-lib that an extension imports.
REQUIRES = {"utemplate": ("utemplate",)}

_chosen = options.extensions
if _chosen is None:
    _chosen = sorted(EXTENSIONS)
elif isinstance(_chosen, str):
    _chosen = (_chosen,)

_files = list(CORE)
for _name in _chosen:
    if _name not in EXTENSIONS:
        raise ValueError("microdot has no portable extension " + repr(_name))
    for _file in EXTENSIONS[_name]:
        if _file not in _files:
            _files.append(_file)
    for _lib in REQUIRES.get(_name, ()):
        require(_lib)

package("microdot", files=_files, base_path=".")
