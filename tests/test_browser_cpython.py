"""The examples a person opens in a browser, driven by headless Chromium.

Each example runs in its own process on 127.0.0.1 and a free port, started
as a person starts it (``python examples/NAME.py PORT``), on four
transports, one browser session each:

- the embedded server with the compiled twins (``MICRODOT_REQUIRE_SPEEDUPS``);
- the embedded server with the pure twins (``MICRODOT_PURE=1``);
- Uvicorn, through :mod:`microdot.asgi` (``tests/uvicorn_example.py``);
- MicroPython's unix port, whose examples say they run there (the portable
  server of microdot.py, without the CPython-only modules).

The browser is Debian's ``chromium`` with ``chromium-driver``, driven by
selenium (requirements-dev.txt). ``make browser-test`` installs them
(ci/install_browser.sh) and runs this file; ``make test`` runs it as its
``browser`` step, so the other pytest steps leave it out.

When selenium, chromium or chromedriver is missing the tests skip, saying
what is missing, unless a browser is required: on CI (``CI`` set to a true
value, as CI services set it) or with ``MICRODOT_REQUIRE_BROWSER=1`` (which
.ci/run sets). Then they fail. ci/install_browser.sh decides the same way.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from urllib.parse import quote, urlsplit

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchElementException, \
        StaleElementReferenceException, TimeoutException, WebDriverException
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover
    webdriver = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, 'examples')
UVICORN_LAUNCHER = os.path.join(ROOT, 'tests', 'uvicorn_example.py')
# the port that ci/test.sh runs, from the venv (requirements-dev.txt)
MICROPYTHON = os.environ.get('MICROPYTHON') or os.path.join(
    os.path.dirname(sys.executable), 'micropython')
TIMEOUT = 15  # seconds for a server to start, a page or a wait
TRUE = ('1', 'true', 'yes', 'on')


def browser_required():
    """Tell whether a missing browser is an error rather than a skip."""
    return any(os.environ.get(name, '').strip().lower() in TRUE
               for name in ('MICRODOT_REQUIRE_BROWSER', 'CI'))


def find_browser():
    """Return ``(chromium, chromedriver, missing)``: the two executables and
    a list of what could not be found."""
    chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    chromedriver = shutil.which('chromedriver')
    missing = []
    if webdriver is None:
        missing.append('selenium (pip install selenium)')
    if chromium is None:
        missing.append('chromium (apt-get install chromium)')
    if chromedriver is None:
        missing.append('chromedriver (apt-get install chromium-driver)')
    return chromium, chromedriver, missing


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class ExampleServer:
    """One example app in a subprocess, served on 127.0.0.1.

    :param transport: ``'compiled'``, ``'pure'``, ``'uvicorn'`` or
                      ``'micropython'``.
    :param script: the file name of the example in examples/.
    :param cwd: the directory to run it in.
    """
    def __init__(self, transport, script, cwd):
        self.port = free_port()
        self.url = 'http://127.0.0.1:{}'.format(self.port)
        self.log_path = os.path.join(cwd, 'server.log')
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        for name in ('MICRODOT_PURE', 'MICRODOT_REQUIRE_SPEEDUPS'):
            env.pop(name, None)
        if transport == 'pure':
            env['MICRODOT_PURE'] = '1'
        elif transport != 'micropython':  # compiled, uvicorn
            env['MICRODOT_REQUIRE_SPEEDUPS'] = '1'
        path = os.path.join(EXAMPLES, script)
        command = [sys.executable, path, str(self.port)]
        if transport == 'uvicorn':
            command.insert(1, UVICORN_LAUNCHER)
        elif transport == 'micropython':
            # the checkout's microdot, utemplate from .mplib (`make venv`)
            # and the port's own frozen modules (asyncio)
            env['MICROPYPATH'] = ':'.join(
                (ROOT, os.path.join(ROOT, '.mplib'), '.frozen'))
            command[0:1] = [MICROPYTHON, '-X', 'heapsize=4M']
        with open(self.log_path, 'wb') as log:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT)
        self._wait_listening()

    def _wait_listening(self):
        deadline = time.monotonic() + TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError('the example exited ({}):\n{}'.format(
                    self.process.returncode, self.output()))
            try:
                socket.create_connection(('127.0.0.1', self.port),
                                         timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError('the example did not listen:\n' +
                                       self.output())
                time.sleep(0.05)  # nothing to wait on but the port

    def output(self):
        """What the server printed so far."""
        with open(self.log_path, 'rb') as log:
            return log.read().decode('utf-8', 'replace')

    def wait_output(self, text):
        """Wait until the server has printed ``text``."""
        deadline = time.monotonic() + TIMEOUT
        while text not in self.output():
            if time.monotonic() > deadline:
                raise AssertionError('the server did not print {!r}:\n{}'
                                     .format(text, self.output()))
            time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.process.kill()
                self.process.wait()


class BrowserExamples:
    """The tests, run by one subclass per transport."""
    transport = None
    driver = None

    @classmethod
    def setUpClass(cls):
        chromium, chromedriver, missing = find_browser()
        if cls.transport == 'micropython' and \
                not os.access(MICROPYTHON, os.X_OK):
            missing.append('micropython at {} (`make venv` installs it)'
                           .format(MICROPYTHON))
        if missing:
            message = 'cannot run the examples in a browser; missing: ' + \
                ', '.join(missing) + ' (`make browser-test` installs them)'
            if browser_required():
                raise RuntimeError(message + ', and a browser is required '
                                   '(CI or MICRODOT_REQUIRE_BROWSER)')
            raise unittest.SkipTest(message)
        if not os.path.isdir(EXAMPLES):
            raise RuntimeError('no examples directory at ' + EXAMPLES)
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                    '--disable-dev-shm-usage', '--no-first-run',
                    '--disable-extensions', '--window-size=1024,768',
                    # a page left for another may stay alive in the
                    # back/forward cache, its event stream still open: the
                    # tests that leave a page check that the server sees
                    # the client go
                    '--disable-features=BackForwardCache'):
            options.add_argument(arg)
        cls.driver = webdriver.Chrome(options=options,
                                      service=Service(chromedriver))
        cls.driver.set_page_load_timeout(TIMEOUT)
        cls.driver.set_script_timeout(TIMEOUT)

    @classmethod
    def tearDownClass(cls):
        if cls.driver is not None:
            cls.driver.quit()
            cls.driver = None

    def setUp(self):
        # cookies ignore ports: a session of an earlier test would be sent
        self.driver.execute_cdp_cmd('Network.clearBrowserCookies', {})
        self.driver.get('about:blank')
        self.tmp = tempfile.mkdtemp(prefix='microdot-browser-')
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def serve(self, script):
        """Start an example; at the end of the test stop it and check that
        it printed no traceback."""
        server = ExampleServer(self.transport, script, self.tmp)
        self.addCleanup(self._stop, server)
        return server

    def _stop(self, server):
        # leave the page first: its connections (event streams, WebSockets)
        # end before the server does
        self.driver.get('about:blank')
        server.stop()
        output = server.output()
        self.assertNotIn('Traceback', output, output)
        self.assertNotIn('Exception', output, output)

    def wait(self, condition, message='', ignored=()):
        """Wait until ``condition()`` is true; elements that vanish while
        it looks at them (the page is being replaced) make it look again,
        and so do the exceptions in ``ignored``."""
        try:
            return WebDriverWait(
                self.driver, TIMEOUT, poll_frequency=0.05,
                ignored_exceptions=(NoSuchElementException,
                                    StaleElementReferenceException) +
                tuple(ignored)).until(lambda driver: condition())
        except TimeoutException:
            raise AssertionError('timed out: {} (page: {!r})'.format(
                message, self.body_text())) from None

    def text(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def body_text(self):
        try:
            return self.text('body')
        except Exception:
            return None

    def wait_text(self, css, expected):
        """Wait until the element's text is ``expected``."""
        self.wait(lambda: self.driver.find_elements(By.CSS_SELECTOR, css) and
                  self.text(css) == expected,
                  '{} should read {!r}'.format(css, expected))

    def wait_contains(self, css, expected):
        """Wait until the element's ``textContent`` (with its white space,
        which ``.text`` trims) contains ``expected``."""
        def contains():
            found = self.driver.find_elements(By.CSS_SELECTOR, css)
            return found and expected in found[0].get_property('textContent')

        self.wait(contains, '{} should contain {!r}'.format(css, expected))

    def path(self):
        return urlsplit(self.driver.current_url).path

    def fill(self, name, value):
        field = self.driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)

    def submit(self, css='input[type=submit]'):
        """Click what ``css`` selects and wait for the next page."""
        self.follow(self.driver.find_element(By.CSS_SELECTOR, css))

    def follow(self, element):
        """Click a link or a submit button and wait until the page it
        loads replaces this one."""
        page = self.driver.find_element(By.TAG_NAME, 'html')
        element.click()
        # in the middle of a navigation chromedriver may also answer with
        # other errors ("Node ... does not belong to the document")
        self.wait(lambda: expected_conditions.staleness_of(page)(
            self.driver) and self.driver.execute_script(
                'return document.readyState') == 'complete',
            'a new page should load', ignored=(WebDriverException,))

    # -- the examples ------------------------------------------------------

    def test_websocket_echo(self):
        server = self.serve('websocket_echo.py')
        self.driver.get(server.url + '/')
        self.assertEqual(self.driver.title, 'WebSocket echo')
        self.wait_contains('#log', '(connected)')
        for message in ('hello', 'héllo wörld ✓', 'x' * 1000):
            self.fill_and_send(message)
            self.wait_contains('#log', '< ' + message + '\n')
        # 'bye': the server answers, then closes the connection normally
        self.fill_and_send('bye')
        self.wait_contains('#log', '< goodbye\n(closed with code 1000)')
        self.assertNotIn('client left', server.output())

        # a page that goes away ends the server's handler
        self.driver.get(server.url + '/')
        self.wait_contains('#log', '(connected)')
        self.fill_and_send('again')
        self.wait_contains('#log', '< again')
        self.driver.get('about:blank')
        server.wait_output('client left')

    def fill_and_send(self, message):
        field = self.driver.find_element(By.ID, 'text')
        field.send_keys(message)
        self.driver.find_element(By.CSS_SELECTOR, '#form button').click()

    def test_sse_counter(self):
        server = self.serve('sse_counter.py')
        self.driver.get(server.url + '/?n=4&delay=0.2')
        self.assertEqual(self.driver.title, 'SSE counter')
        seen = []

        def counted_to_the_end():
            # record the counter as it advances, until the 'end' event
            value = self.text('#counter')
            if not seen or seen[-1] != value:
                seen.append(value)
            return 'done' in self.text('#log')

        self.wait(counted_to_the_end, 'the stream should end with "done"')
        self.assertEqual(seen[-1], '3')
        # the counter advanced one by one ('-' before the first event; a
        # value may be missed between two polls, never out of order)
        values = [int(v) for v in seen if v != '-']
        self.assertEqual(values, sorted(set(values)))
        self.assertGreaterEqual(len(values), 3, seen)
        self.assertEqual(self.text('#log'), 'counting to 4\ndone')
        # the page closed the stream: no reconnection
        self.assertEqual(
            self.driver.execute_script('return source.readyState'), 2)
        self.assertNotIn('client left', server.output())

        # a page that goes away mid-stream cancels the server's handler
        self.driver.get(server.url + '/?n=1000&delay=0.1')
        self.wait(lambda: self.text('#counter') not in ('-', '0'),
                  'the counter should advance')
        self.driver.get('about:blank')
        server.wait_output('client left')

    def test_upload(self):
        server = self.serve('upload.py')
        self.driver.get(server.url + '/')
        self.assertEqual(self.text('h1'), 'Upload a file')
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, 'li'),
                         [])
        files = {
            # a name that is not ASCII (sent in UTF-8 as the page says),
            # with letters that safe_name drops
            'café menu.txt': ('cafmenu.txt', 'Zoë\n'.encode() + bytes(256)),
            # larger than any buffer on the way
            'big.bin': ('big.bin', os.urandom(300 * 1024)),
        }
        for name, (saved, content) in files.items():
            path = os.path.join(self.tmp, name)
            with open(path, 'wb') as f:
                f.write(content)
            self.fill('note', 'note for ' + name)
            self.driver.find_element(By.NAME, 'file').send_keys(path)
            self.submit()
            self.wait(lambda: saved in [li.text for li in
                                        self.driver.find_elements(
                                            By.CSS_SELECTOR, 'li')],
                      saved + ' should be listed')
            self.assertEqual(self.path(), '/')
            with open(os.path.join(self.tmp, 'uploads', saved), 'rb') as f:
                self.assertEqual(f.read(), content)
            note = 'note for ' + name
            # MicroPython's repr() escapes what is not ASCII, as ascii() does
            self.assertIn('note: ' + (ascii(note) if self.transport ==
                                      'micropython' else repr(note)),
                          server.output())
        self.assertEqual(
            sorted(li.text for li in
                   self.driver.find_elements(By.CSS_SELECTOR, 'li')),
            ['big.bin', 'cafmenu.txt'])

        # the form without a file
        self.submit()
        self.wait_text('body', 'no file was uploaded')

    def test_login(self):
        server = self.serve('login.py')
        self.driver.get(server.url + '/')
        # not logged in: the login page, which knows where to come back to
        self.wait_text('h1', 'Please log in')
        self.assertEqual(self.path(), '/login')

        # a wrong password, an unknown user (not ASCII: the form is sent in
        # UTF-8, as the page says)
        for username, password in (('susan', 'cat'), ('zoë', 'dög')):
            self.fill('username', username)
            self.fill('password', password)
            self.submit()
            self.wait_text('h1', 'Please log in')
        self.assertIsNone(self.driver.get_cookie('_remember'))

        self.log_in(remember=True)
        self.assertEqual(self.path(), '/')
        self.assertIsNotNone(self.driver.get_cookie('session'))
        self.assertIsNotNone(self.driver.get_cookie('_remember'))
        self.follow(self.driver.find_element(By.LINK_TEXT,
                                             'A sensitive page'))
        self.wait_text('h1', 'You logged in during this session')

        # the browser restarts: the session cookie is gone, the "remember
        # me" cookie logs the user in again, but not freshly
        self.driver.delete_cookie('session')
        self.driver.get(server.url + '/')
        self.wait_text('h1', 'Hello, susan!')
        self.driver.get(server.url + '/fresh')
        self.wait_text('h1', 'Please log in')
        self.assertEqual(self.path(), '/login')

        # logging in again goes back to the page that asked for it
        self.log_in(remember=False)
        self.wait_text('h1', 'You logged in during this session')
        self.assertEqual(self.path(), '/fresh')

        # logging out forgets the user, the remembered one too
        self.driver.get(server.url + '/')
        self.wait_text('h1', 'Hello, susan!')
        self.submit('input[value="Log out"]')
        self.wait_text('h1', 'Please log in')
        self.assertIsNone(self.driver.get_cookie('_remember'))
        self.driver.get(server.url + '/')
        self.wait_text('h1', 'Please log in')

    def log_in(self, remember):
        self.wait_text('h1', 'Please log in')
        self.fill('username', 'susan')
        self.fill('password', 'dog')
        box = self.driver.find_element(By.NAME, 'remember')
        if box.is_selected() != remember:
            box.click()
        self.submit()
        self.wait(lambda: self.text('h1') != 'Please log in',
                  'the login should succeed')

    def test_cors(self):
        server = self.serve('cors.py')
        allowed = 'http://localhost:{}'.format(server.port)
        # a page from the allowed origin calls the API on 127.0.0.1
        self.driver.get(allowed + '/')
        self.wait_text('#origin', allowed)
        self.assertEqual(self.text('#api'), server.url + '/api/counter')
        self.wait_text('#counter', '0')
        self.assertEqual(self.text('#header'), '0')  # an exposed header
        for n in ('1', '2'):
            self.driver.find_element(By.ID, 'count').click()
            self.wait_text('#counter', n)
            self.assertEqual(self.text('#header'), n)
            self.assertEqual(self.text('#error'), '')

        # from any other origin the browser keeps the answers from the page
        # and the server refuses to count
        self.driver.get(server.url + '/')
        self.wait_contains('#error', 'GET failed')
        self.assertEqual(self.text('#counter'), '-')
        self.driver.find_element(By.ID, 'count').click()
        self.wait_contains('#error', 'POST failed')
        self.driver.get(allowed + '/')
        self.wait_text('#counter', '2')

    def test_static_files(self):
        server = self.serve('static_files.py')
        self.driver.get(server.url + '/')
        self.assertEqual(self.driver.title, 'microdot static files')
        # the script ran, the style sheet applies (40em of 16px)
        self.wait_contains('#out', 'app.js ran at ')
        self.assertEqual(self.driver.execute_script(
            'return getComputedStyle(document.body).maxWidth'), '640px')
        # both came from /static
        for name in ('style.css', 'app.js'):
            entry = self.driver.execute_script(
                'return performance.getEntriesByName(arguments[0])[0]'
                '.responseStatus', server.url + '/static/' + name)
            self.assertEqual(entry, 200)
        self.driver.get(server.url + '/static/nothing-here.css')
        self.wait_text('body', 'Not found')

    def test_templates(self):
        server = self.serve('templating.py')
        name = '<b>Zoë</b> & "co"'
        pages = [('/', 'Microdot + utemplate')]
        if self.transport == 'micropython':
            self.driver.get(server.url + '/jinja')
            self.wait_text('body', 'Jinja2 is not installed')
        else:
            pages.append(('/jinja', 'Microdot + Jinja'))
        for path, title in pages:
            self.driver.get(server.url + path + '?name=' + quote(name))
            self.assertEqual(self.driver.title, title)
            # what the user typed is shown as text, never as markup
            self.assertEqual(self.text('h1'), 'Hello, {}!'.format(name))
            self.assertEqual(
                self.driver.find_elements(By.CSS_SELECTOR, 'h1 b'), [])
            self.assertEqual(
                [li.text for li in
                 self.driver.find_elements(By.CSS_SELECTOR, 'li')],
                ['apple', 'banana', 'cherry'])
            self.fill('name', 'Susan')
            self.submit('form button')
            self.wait_text('h1', 'Hello, Susan!')
            self.assertEqual(self.path(), path)
        self.driver.get(server.url + path)
        self.wait_text('h1', 'Hello, stranger!')


class CompiledEmbeddedTests(BrowserExamples, unittest.TestCase):
    transport = 'compiled'


class PureEmbeddedTests(BrowserExamples, unittest.TestCase):
    transport = 'pure'


class UvicornTests(BrowserExamples, unittest.TestCase):
    transport = 'uvicorn'


class MicroPythonTests(BrowserExamples, unittest.TestCase):
    transport = 'micropython'
