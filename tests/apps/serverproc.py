"""Start a web server (uvicorn, gunicorn) in a subprocess for a test, and
stop it for sure. CPython only."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

APPS_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT_DIR = os.path.dirname(os.path.dirname(APPS_DIR))


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class ServerProcess:
    """A server subprocess in its own session (so its process group is its
    own: ``shutdown()`` of the ASGI/WSGI apps signals that group, never the
    test runner's).

    :param args: the command line, after ``python -m``.
    :param env: extra environment variables.
    """
    def __init__(self, args, env=None):
        self.port = free_port()
        self.args = [a.format(port=self.port) for a in args]
        self.env = dict(os.environ)
        self.env['PYTHONPATH'] = os.pathsep.join(
            [ROOT_DIR, APPS_DIR, self.env.get('PYTHONPATH', '')])
        self.env.update(env or {})
        self.log = tempfile.NamedTemporaryFile(
            prefix='microdot-server-', suffix='.log', delete=False)
        self.proc = None

    def start(self, wait=True, timeout=20):
        """Start the server, and (with ``wait``) return once it accepts
        connections. Raises ``RuntimeError`` when it exits or does not
        listen within ``timeout`` seconds."""
        self.proc = subprocess.Popen(
            [sys.executable, '-m'] + self.args, cwd=APPS_DIR, env=self.env,
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            start_new_session=True)
        if wait:
            self.wait_listening(timeout)
        return self

    def wait_listening(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('server exited with {}:\n{}'.format(
                    self.proc.returncode, self.output()))
            try:
                with socket.create_connection(('127.0.0.1', self.port),
                                              timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError('server did not listen in time:\n' + self.output())

    def wait_exit(self, timeout=15):
        """Wait for the server to exit by itself; return its exit code, or
        ``None`` when it is still running after ``timeout`` seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def output(self):
        """What the server printed so far."""
        with open(self.log.name, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def stop(self):
        """Stop the server (SIGTERM to its process group, SIGKILL when it
        does not exit in time) and remove its log."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:  # pragma: no cover
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:  # pragma: no cover
            pass
