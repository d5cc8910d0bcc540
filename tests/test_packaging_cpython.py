"""The MicroPython packaging: manifest.py, the mip .json files and the .mpy
build list exactly the portable modules, each extension with every module it
imports; mip installs an extension from them over HTTP, and the installed
files serve a request (CPython-only: runs micropython and an HTTP server in
subprocesses)."""
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, 'microdot')
sys.path.insert(0, os.path.join(ROOT, 'ci'))
try:
    import micropython_pkg
except ImportError:  # the suite copied outside the checkout (ci/check_dist)
    micropython_pkg = None

#: Modules that need CPython (or a CPython-only package) and must never be
#: installed on a board: the ASGI/WSGI adapters and what only they use,
#: Jinja, the CLI, the CPython HTTP server, the orjson JSON codec, the
#: CPython parts of the core and of the twin selector.
CPYTHON_ONLY = {'asgi.py', 'wsgi.py', 'jinja.py', '_external.py',
                '__main__.py', 'server.py', '_jsonfast.py', '_cpython.py',
                '_speedups/_select.py'}


def _package_modules():
    """Every .py module of the package, relative to microdot/."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(PACKAGE):
        dirnames[:] = [d for d in dirnames if d != '__pycache__']
        for name in filenames:
            if name.endswith('.py'):
                found.add(os.path.relpath(os.path.join(dirpath, name),
                                          PACKAGE))
    return found


def _file_of(module):
    rel = module[len('microdot.'):].replace('.', '/') \
        if module != 'microdot' else ''
    for candidate in (rel + '.py', (rel + '/' if rel else '') +
                      '__init__.py'):
        if os.path.exists(os.path.join(PACKAGE, candidate)):
            return candidate
    return None


def _imports(rel):
    """The package files that a module imports, anywhere in it (imports
    inside functions too: they run when the feature is used)."""
    with open(os.path.join(PACKAGE, rel)) as f:
        tree = ast.parse(f.read())
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [node.module + '.' + a.name
                                     for a in node.names]
        for name in names:
            if name == 'microdot' or name.startswith('microdot.'):
                target = _file_of(name)
                if target is not None:
                    found.add(target)
    # a submodule import runs its packages' __init__ first
    for target in list(found):
        parts = target.split('/')[:-1]
        for i in range(len(parts) + 1):
            found.add('/'.join(parts[:i] + ['__init__.py']))
    return found - {rel}


def _closure(rel):
    # CPython-only modules are imported only under a CPython check (the core
    # starts microdot.server there): a board never loads them
    todo, seen = [rel], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(_imports(current) - CPYTHON_ONLY)
    return seen


@unittest.skipIf(micropython_pkg is None, 'needs the source checkout')
class ManifestTests(unittest.TestCase):
    def setUp(self):
        self.manifest = micropython_pkg.read_manifest(ROOT)

    def test_lists_exactly_the_portable_modules(self):
        portable = _package_modules() - CPYTHON_ONLY
        self.assertEqual(set(self.manifest['files']), portable)
        for rel in CPYTHON_ONLY:
            self.assertNotIn(rel, self.manifest['files'])

    def test_no_compiled_twin_or_cpython_module_is_listed(self):
        for rel in self.manifest['files']:
            self.assertTrue(rel.endswith('.py'), rel)
            self.assertNotIn(os.path.basename(rel), CPYTHON_ONLY)

    def test_core_is_what_import_microdot_needs(self):
        self.assertEqual(set(self.manifest['core']),
                         _closure('__init__.py'))

    def test_each_extension_lists_what_it_imports(self):
        core = set(self.manifest['core'])
        for name, files in self.manifest['extensions'].items():
            with self.subTest(extension=name):
                self.assertIn(name + '.py', files)
                self.assertEqual(set(files) | core,
                                 _closure(name + '.py') | core)
                self.assertEqual(len(files), len(set(files)))

    def test_every_portable_extension_has_an_entry(self):
        public = {rel[:-3] for rel in self.manifest['files']
                  if '/' not in rel and not rel.startswith('_')} - \
            {'microdot', 'helpers'}
        self.assertEqual(set(self.manifest['extensions']), public)

    def test_version_is_the_package_version(self):
        import microdot
        self.assertEqual(self.manifest['metadata']['version'],
                         microdot.__version__)

    def test_a_subset_of_extensions(self):
        chosen = micropython_pkg.read_manifest(ROOT, extensions=('login',))
        self.assertEqual(set(chosen['files']),
                         _closure('login.py') | set(self.manifest['core']))
        self.assertEqual(chosen['requires'], [])
        chosen = micropython_pkg.read_manifest(ROOT, extensions='utemplate')
        self.assertEqual(chosen['requires'], ['utemplate'])
        with self.assertRaises(ValueError):
            micropython_pkg.read_manifest(ROOT, extensions=('jinja',))


@unittest.skipIf(micropython_pkg is None, 'needs the source checkout')
class MipFilesTests(unittest.TestCase):
    def test_files_are_up_to_date(self):
        # they are generated from manifest.py: `python ci/micropython_pkg.py
        # mip` rewrites them
        for rel, data in micropython_pkg.mip_packages(ROOT).items():
            with self.subTest(file=rel):
                with open(os.path.join(ROOT, rel)) as f:
                    text = f.read()
                self.assertEqual(text, micropython_pkg.render(data))
                self.assertEqual(json.loads(text), data)
        listed = {f for f in os.listdir(PACKAGE) if f.endswith('.json')}
        manifest = micropython_pkg.read_manifest(ROOT)
        self.assertEqual(listed, {name + '.json'
                                  for name in manifest['extensions']})

    def test_urls_point_at_portable_files_without_dot_dot(self):
        manifest = micropython_pkg.read_manifest(ROOT)
        for rel, data in micropython_pkg.mip_packages(ROOT).items():
            base = os.path.dirname(os.path.join(ROOT, rel))
            for target, url in data['urls']:
                self.assertNotIn('..', url)
                self.assertTrue(os.path.exists(os.path.join(base, url)), url)
                self.assertEqual(target, 'microdot/' + os.path.relpath(
                    os.path.join(base, url), PACKAGE))
                self.assertIn(os.path.relpath(os.path.join(base, url),
                                              PACKAGE), manifest['files'])


def _micropython():
    here = os.path.join(os.path.dirname(sys.executable), 'micropython')
    return here if os.path.exists(here) else shutil.which('micropython')


@unittest.skipIf(micropython_pkg is None or _micropython() is None,
                 'needs the source checkout and micropython')
class MipInstallTests(unittest.TestCase):
    """mip, the installer built into MicroPython, installs from the .json
    files served over HTTP, and the installed files work."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.server = subprocess.Popen(
            [sys.executable, '-c', _SERVER, ROOT],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(self._stop)
        self.port = int(self.server.stdout.readline())

    def _stop(self):
        self.server.kill()
        self.server.wait()
        self.server.stdout.close()

    def _micropython(self, code, **kwargs):
        return subprocess.run([_micropython(), '-c', code], cwd=self.tmp,
                              capture_output=True, text=True, timeout=60,
                              **kwargs)

    def _install(self, path):
        proc = self._micropython(
            'import mip\nmip.install("http://127.0.0.1:{}/{}", '
            'target="lib")'.format(self.port, path))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        installed = set()
        for dirpath, _, filenames in os.walk(os.path.join(self.tmp, 'lib')):
            for name in filenames:
                installed.add(os.path.relpath(os.path.join(dirpath, name),
                                              os.path.join(self.tmp, 'lib')))
        return installed

    def test_core(self):
        installed = self._install('package.json')
        core = micropython_pkg.read_manifest(ROOT)['core']
        self.assertEqual(installed, {'microdot/' + f for f in core})

    def test_extensions_install_alone_and_work(self):
        manifest = micropython_pkg.read_manifest(ROOT)
        expected = set(manifest['core'])
        for name in ('login', 'test_client'):
            installed = self._install('microdot/{}.json'.format(name))
            expected |= set(manifest['extensions'][name])
            self.assertEqual(installed, {'microdot/' + f for f in expected})
        # the installed files alone (no checkout on the path) run an app
        proc = self._micropython(_APP)
        self.assertEqual(proc.stdout.split()[-1:], ['ok'],
                         proc.stdout + proc.stderr)


@unittest.skipIf(micropython_pkg is None or _micropython() is None,
                 'needs the source checkout and micropython')
class LazyNamesMicroPythonTests(unittest.TestCase):
    """On MicroPython, MultiDict, AsyncBytesIO, urlencode and mro
    (microdot._types) load at their first use, through the module
    __getattr__ of microdot and microdot.microdot, and that __getattr__
    still imports submodules for "from microdot import name"."""

    def run_micropython(self, code):
        proc = subprocess.run(
            [_micropython(), '-c', 'import sys\nsys.path.insert(0, {!r})\n'
             .format(ROOT) + code],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return proc.stdout.split()

    def test_a_hello_request_does_not_load_them(self):
        # what the portable server does with a request, without the socket
        out = self.run_micropython(
            'import asyncio\n'
            'from microdot import Microdot, Request\n'
            'import microdot._portable\n'
            'app = Microdot()\n'
            'app.route("/")(lambda request: "hi")\n'
            'req = Request._new(app, ("127.0.0.1", 1),\n'
            '                   ("GET", "/", "1.1", [("Host", "x")]))\n'
            'res = asyncio.run(app.dispatch_request(req))\n'
            'head, body, keep = res._wire("1.1", True)\n'
            'print(head.split()[1].decode(), body.decode(), keep,\n'
            '      "microdot._types" in sys.modules)\n')
        self.assertEqual(out, ['200', 'hi', 'True', 'False'])

    def test_names_load_at_first_use(self):
        out = self.run_micropython(
            'import microdot\n'
            'import microdot._portable, microdot._dispatch\n'
            'print("microdot._types" in sys.modules)\n'
            'from microdot import MultiDict, AsyncBytesIO, urlencode, mro\n'
            'import microdot.microdot as core\n'
            'print("microdot._types" in sys.modules,\n'
            '      MultiDict is core.MultiDict is microdot.MultiDict,\n'
            '      AsyncBytesIO is core.AsyncBytesIO, urlencode("a b"),\n'
            '      mro(KeyError)[0] is KeyError)\n'
            'from microdot.microdot import MultiDict as M2\n'
            'print(M2 is MultiDict)\n')
        self.assertEqual(out, ['False', 'True', 'True', 'True', 'a+b',
                               'True', 'True'])

    def test_from_microdot_import_a_submodule(self):
        out = self.run_micropython(
            'import microdot\n'
            'print("microdot.cors" in sys.modules)\n'
            'from microdot import cors\n'
            'print(cors.CORS.__name__)\n'
            'try:\n'
            '    from microdot import no_such_name\n'
            'except (AttributeError, ImportError):\n'
            '    print("refused")\n')
        self.assertEqual(out, ['False', 'CORS', 'refused'])


@unittest.skipIf(micropython_pkg is None or _micropython() is None,
                 'needs the source checkout and micropython')
class RomfsTests(unittest.TestCase):
    """``make romfs``: the .mpy files of manifest.py in a ROMFS image, which
    MicroPython mounts (vfs.VfsRom) and imports microdot from, running the
    bytecode in place instead of copying it to the heap."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.files = micropython_pkg.read_manifest(ROOT)['files']
        cls.mpy = os.path.join(cls.tmp, 'mpy')
        micropython_pkg.build_mpy(PACKAGE, cls.mpy, cls.files)
        cls.image = os.path.join(cls.tmp, 'microdot.romfs')
        cls.size = micropython_pkg.build_romfs(cls.mpy, cls.image)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def run_micropython(self, code, path):
        proc = subprocess.run(
            [_micropython(), '-c', _MOUNT + 'sys.path[:0] = [{!r}]\n'.format(
                path) + code, self.image],
            capture_output=True, text=True, timeout=60, cwd=self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return proc.stdout.split()

    def test_the_image_holds_every_portable_module(self):
        self.assertEqual(os.path.getsize(self.image), self.size)
        out = self.run_micropython(
            'def walk(d):\n'
            '    for name, kind, *_ in os.ilistdir(d):\n'
            '        if kind == 0x4000:\n'
            '            walk(d + "/" + name)\n'
            '        else:\n'
            '            print(d[len("/rom/microdot/"):] + "/" + name)\n'
            'walk("/rom/microdot")\n', '/rom')
        self.assertEqual(sorted(f.lstrip('/') for f in out),
                         sorted(f[:-3] + '.mpy' for f in self.files))

    def test_microdot_runs_from_the_image(self):
        out = self.run_micropython(
            'import microdot\n'
            'from microdot import cors\n'
            'from microdot.test_client import TestClient\n'
            'app = microdot.Microdot()\n'
            'cors.CORS(app, allowed_origins="*")\n'
            'app.route("/")(lambda request: "hi " + request.args["x"])\n'
            'import asyncio\n'
            'res = asyncio.run(TestClient(app).get("/?x=1",\n'
            '                  headers={"Origin": "http://a"}))\n'
            'print(microdot.__file__, cors.__file__, res.status_code,\n'
            '      res.text.replace(" ", "_"),\n'
            '      res.headers["Access-Control-Allow-Origin"])\n', '/rom')
        self.assertEqual(out, ['/rom/microdot/__init__.mpy',
                               '/rom/microdot/cors.mpy', '200', 'hi_1',
                               'http://a'])

    def test_the_bytecode_stays_in_the_image(self):
        # the same .mpy files cost less heap from the image than copied to
        # a filesystem: the port keeps the bytecode where the image is
        code = ('gc.collect()\n'
                'before = gc.mem_alloc()\n'
                'import microdot, microdot.websocket, microdot.session\n'
                'gc.collect()\n'
                'print(gc.mem_alloc() - before, microdot.__file__)\n')
        rom = self.run_micropython('import gc\n' + code, '/rom')
        files = self.run_micropython('import gc\n' + code, self.mpy)
        self.assertTrue(rom[1].startswith('/rom/'), rom)
        self.assertTrue(files[1].startswith(self.mpy), files)
        # measured: 19.3 KB from the image, 30.2 KB from files
        self.assertLess(int(rom[0]), int(files[0]) * 0.8, (rom, files))


# mounts the image named by the first argument at /rom (as a board mounts
# its ROMFS partition), in a bytearray of its own
_MOUNT = '''import sys, os, vfs
rom = bytearray(os.stat(sys.argv[1])[6])
with open(sys.argv[1], 'rb') as f:
    f.readinto(rom)
vfs.mount(vfs.VfsRom(rom), '/rom')
'''

_SERVER = '''
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                            directory=sys.argv[1])
handler.func.log_message = lambda *args: None
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
'''

_APP = '''
import sys
sys.path[:] = ['lib', '.frozen']
import asyncio
from microdot import Microdot
from microdot.session import Session, with_session
from microdot.login import Login
app = Microdot()
Session(app, secret_key='k')
login = Login()

@app.get('/')
@with_session
async def index(request, session):
    return 'hi ' + str(session.get('x'))

async def main():
    from microdot.test_client import TestClient
    res = await TestClient(app).get('/')
    print(res.status_code, res.text)
    print('ok' if res.status_code == 200 and res.text == 'hi None'
          else 'bad')
asyncio.run(main())
'''


if __name__ == '__main__':
    unittest.main()
