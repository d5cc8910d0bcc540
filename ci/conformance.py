"""WebSocket conformance: Autobahn|Testsuite's fuzzing client against the
echo examples, on every transport microdot offers.

    .venv/bin/python ci/conformance.py        cases 1-7 and 10, every transport
    .venv/bin/python ci/conformance.py --transport pure --cases 5.* 7.*
    .venv/bin/python ci/conformance.py --keep DIR   keep reports and logs

Transports: ``compiled`` and ``pure`` run examples/websocket_echo.py on the
embedded server (``app.run()``) with the compiled twins required
(MICRODOT_REQUIRE_SPEEDUPS=1) or the pure ones (MICRODOT_PURE=1); ``asgi``
serves examples/asgi_app.py with uvicorn. Both examples are used as they
are; the launcher only raises ``WebSocket.max_message_length`` to 1 MiB,
since the default (``Request.max_body_length``, 16 KB) is below the 64 KB
messages of cases 1.1.6-1.2.8 and 10.1.1.

Under ASGI the web server does the framing, so the ASGI run tests uvicorn's
WebSocket implementation as much as microdot.asgi. It uses uvicorn's
``wsproto`` one: the default (``--uvicorn-ws auto``, which is
``websockets-sansio`` in uvicorn 0.54 with websockets 17) fails case 7.1.5
(it answers a close frame sent between two fragments with 1002, where RFC
6455 5.4 allows control frames there) and logs a traceback for every text
message with invalid UTF-8 (the 6.x cases): both in uvicorn and websockets,
not in microdot.

Left out: 9.* (performance: messages up to 16 MB, in frames down to 64
bytes; it times the server, and its correctness checks are those of 1.*
and 5.*) and 12.*/13.* (permessage-deflate, which microdot does not
implement: every case would be UNIMPLEMENTED).

``wstest`` runs on Python 2.7 only. It is installed, from the pins in
ci/wstest-requirements.txt, into .venv-wstest (gitignored), created with
virtualenv by a Python 2.7 interpreter: $PYTHON2, else python2.7 on the
PATH, else the newest ~/.pyenv/versions/2.7*. The venv is rebuilt when
the pins change.

Every case's ``behavior`` in the JSON report is counted: OK, NON-STRICT and
INFORMATIONAL pass, anything else (FAILED, UNIMPLEMENTED) fails the run
(exit 1). The servers are driven only through the examples, so this checks
whatever transport the checkout has.
"""
import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIREMENTS = os.path.join(ROOT, 'ci', 'wstest-requirements.txt')
WSTEST_VENV = os.path.join(ROOT, '.venv-wstest')
WSTEST = os.path.join(WSTEST_VENV, 'bin', 'wstest')
# the last virtualenv that runs on Python 2.7 (it makes 2.7 environments)
VIRTUALENV = 'virtualenv==20.15.1'

ALL_CASES = ['1.*', '2.*', '3.*', '4.*', '5.*', '6.*', '7.*', '10.*']
EXCLUDED = ['9.*', '12.*', '13.*']
PASSING = ('OK', 'NON-STRICT', 'INFORMATIONAL')
MESSAGE_LIMIT = 1024 * 1024

EMBEDDED = """
import runpy, sys
from microdot._speedups import IMPLEMENTATION
from microdot.websocket import WebSocket
WebSocket.max_message_length = {limit}
print('twins:', IMPLEMENTATION, flush=True)
sys.argv = ['websocket_echo.py', '{port}']
runpy.run_path('examples/websocket_echo.py', run_name='__main__')
"""

ASGI = """
import sys
import uvicorn
from microdot._speedups import IMPLEMENTATION
from microdot.websocket import WebSocket
WebSocket.max_message_length = {limit}
print('twins:', IMPLEMENTATION, 'uvicorn:', uvicorn.__version__, flush=True)
sys.path.insert(0, 'examples')
uvicorn.run('asgi_app:app', host='127.0.0.1', port={port},
            log_level='warning', ws='{ws}')
"""

TRANSPORTS = {
    'compiled': (EMBEDDED, {'MICRODOT_REQUIRE_SPEEDUPS': '1'}),
    'pure': (EMBEDDED, {'MICRODOT_PURE': '1'}),
    'asgi': (ASGI, {}),
}


def log(*args):
    print(*args, flush=True)


# -- wstest --

def find_python2():
    """Return the path of a Python 2.7 interpreter, or None."""
    candidates = [os.environ.get('PYTHON2'), shutil.which('python2.7'),
                  shutil.which('python2')]
    candidates += sorted(glob.glob(os.path.expanduser(
        '~/.pyenv/versions/2.7*/bin/python2.7')), reverse=True)
    for path in candidates:
        if not path:
            continue
        try:  # a pyenv shim exists even when 2.7 is not selected
            done = subprocess.run(
                [path, '-c', 'import sys; sys.exit(sys.version_info[:2] '
                 '!= (2, 7))'], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return path
    return None


def _quiet(cmd, **kwargs):
    # pip's chatter only matters when it fails
    done = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, **kwargs)
    if done.returncode:
        sys.stdout.write(done.stdout.decode(errors='replace'))
        raise SystemExit('conformance: failed ({}): {}'.format(
            done.returncode, ' '.join(cmd)))


def ensure_wstest():
    """Install wstest into .venv-wstest unless it is there with the
    current pins."""
    with open(REQUIREMENTS, 'rb') as f:
        wanted = hashlib.sha256(f.read() + VIRTUALENV.encode()).hexdigest()
    stamp = os.path.join(WSTEST_VENV, '.stamp')
    try:
        with open(stamp) as f:
            if f.read().strip() == wanted and os.path.exists(WSTEST):
                return
    except OSError:
        pass
    python2 = find_python2()
    if python2 is None:
        raise SystemExit('conformance: wstest needs Python 2.7; set PYTHON2 '
                         'to a python2.7 executable')
    log('installing wstest into {} with {}'.format(WSTEST_VENV, python2))
    t0 = time.monotonic()
    shutil.rmtree(WSTEST_VENV, ignore_errors=True)
    tools = tempfile.mkdtemp(prefix='microdot-virtualenv-')
    try:
        _quiet([python2, '-m', 'pip', 'install', '--quiet',
                '--disable-pip-version-check', '--target', tools, VIRTUALENV])
        env = dict(os.environ, PYTHONPATH=tools)
        _quiet([python2, '-m', 'virtualenv', '--quiet', WSTEST_VENV],
               env=env)
    finally:
        shutil.rmtree(tools, ignore_errors=True)
    _quiet([os.path.join(WSTEST_VENV, 'bin', 'pip'), 'install', '--quiet',
            '--disable-pip-version-check', '-r', REQUIREMENTS])
    with open(stamp, 'w') as f:
        f.write(wanted + '\n')
    log('wstest installed ({:.0f}s)'.format(time.monotonic() - t0))


# -- the server under test --

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Server:
    """One transport's echo server in a subprocess (its own session)."""
    def __init__(self, transport, logfile, ws):
        code, env = TRANSPORTS[transport]
        self.port = free_port()
        self.env = dict(os.environ, PYTHONPATH=ROOT, **env)
        for name in ('MICRODOT_PURE', 'MICRODOT_REQUIRE_SPEEDUPS'):
            if name not in env:
                self.env.pop(name, None)
        self.code = code.format(port=self.port, limit=MESSAGE_LIMIT, ws=ws)
        self.logfile = logfile
        self.proc = None

    def __enter__(self):
        self.log = open(self.logfile, 'wb')
        self.proc = subprocess.Popen(
            [sys.executable, '-c', self.code], cwd=ROOT, env=self.env,
            stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(('127.0.0.1', self.port), 1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise SystemExit('conformance: the server did not start:\n' +
                         self.output())

    def __exit__(self, *exc_info):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def output(self):
        with open(self.logfile, 'rb') as f:
            return f.read().decode(errors='replace')


# -- one run --

def run_transport(transport, cases, workdir, timeout, ws):
    """Run wstest against one transport; return (results, seconds, server
    output) where results maps case id to its report entry."""
    outdir = os.path.join(workdir, 'reports', transport)
    spec = os.path.join(workdir, 'fuzzingclient-{}.json'.format(transport))
    with Server(transport, os.path.join(workdir, transport + '.log'),
                ws) as srv:
        with open(spec, 'w') as f:
            json.dump({
                'outdir': outdir,
                'servers': [{'agent': transport, 'url':
                             'ws://127.0.0.1:{}/echo'.format(srv.port)}],
                'cases': cases,
                # a group asked for by name is not excluded (wstest waits
                # for ever when no case is left)
                'exclude-cases': [e for e in EXCLUDED if not any(
                    c.startswith(e[:-1]) for c in cases)],
                'exclude-agent-cases': {},
            }, f, indent=2)
        wstest_log = os.path.join(workdir, 'wstest-{}.log'.format(transport))
        t0 = time.monotonic()
        with open(wstest_log, 'wb') as out:
            try:
                rc = subprocess.run(
                    [WSTEST, '-m', 'fuzzingclient', '-s', spec], cwd=workdir,
                    stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, timeout=timeout).returncode
            except subprocess.TimeoutExpired:
                rc = 'timeout after {}s'.format(timeout)
        seconds = time.monotonic() - t0
        server_output = srv.output()
    try:
        with open(os.path.join(outdir, 'index.json')) as f:
            results = json.load(f)[transport]
    except (OSError, ValueError, KeyError):
        results = None
    if rc != 0 or not results:
        with open(wstest_log, 'rb') as f:
            sys.stdout.write(f.read().decode(errors='replace')[-4000:])
        raise SystemExit('conformance: wstest against {} failed ({}), no '
                         'report'.format(transport, rc))
    return results, seconds, server_output


def case_key(case):
    return tuple(int(part) for part in case.split('.'))


def explain(outdir, entry):
    # the report of one case says what was expected and what happened
    try:
        with open(os.path.join(outdir, entry['reportfile'])) as f:
            report = json.load(f)
    except (OSError, ValueError, KeyError):
        return ''
    return '      {}\n      expected: {}\n      result: {}'.format(
        report.get('description', ''), report.get('expectation', ''),
        report.get('result', ''))


def main():
    parser = argparse.ArgumentParser(
        description='Autobahn|Testsuite against the WebSocket examples.')
    parser.add_argument('--transport', action='append',
                        choices=sorted(TRANSPORTS),
                        help='run only this transport (repeatable)')
    parser.add_argument('--cases', nargs='+',
                        help='case patterns (default: 1-7 and 10)')
    parser.add_argument('--keep', metavar='DIR',
                        help='keep the reports and logs in DIR')
    parser.add_argument('--uvicorn-ws', default='wsproto',
                        help="uvicorn's WebSocket implementation (--ws)")
    parser.add_argument('--timeout', type=int, default=300,
                        help='seconds allowed to wstest per transport')
    args = parser.parse_args()
    transports = args.transport or ['compiled', 'pure', 'asgi']
    cases = args.cases or ALL_CASES

    ensure_wstest()
    if args.keep:
        workdir = os.path.abspath(args.keep)
        os.makedirs(workdir, exist_ok=True)
    else:
        workdir = tempfile.mkdtemp(prefix='microdot-conformance-')
    rows = []
    problems = []
    failed = 0
    try:
        for transport in transports:
            log('=== {}: wstest -m fuzzingclient, cases {}'.format(
                transport, ' '.join(cases)))
            results, seconds, server_output = run_transport(
                transport, cases, workdir, args.timeout, args.uvicorn_ws)
            counts = {}
            for case in sorted(results, key=case_key):
                behavior = results[case]['behavior']
                counts[behavior] = counts.get(behavior, 0) + 1
                if behavior not in PASSING:
                    failed += 1
                    problems.append('{} {}: {} (close: {})\n{}'.format(
                        transport, case, behavior,
                        results[case].get('behaviorClose'),
                        explain(os.path.join(workdir, 'reports', transport),
                                results[case])))
            non_strict = sorted((c for c in results
                                 if results[c]['behavior'] == 'NON-STRICT'),
                                key=case_key)
            if non_strict:
                log('{}: NON-STRICT {}'.format(transport, ' '.join(
                    non_strict)))
            if transport in ('compiled', 'pure') and \
                    'twins: ' + transport not in server_output:
                raise SystemExit('conformance: the {} server did not run the '
                                 '{} twins:\n{}'.format(transport, transport,
                                                        server_output))
            if 'Traceback' in server_output:
                problems.append('{}: the server logged a traceback:\n{}'
                                .format(transport, server_output[-3000:]))
            rows.append((transport, len(results), counts, seconds))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    columns = ('OK', 'NON-STRICT', 'INFORMATIONAL', 'FAILED')
    log('')
    log('{:<10}{:>7}{:>7}{:>12}{:>15}{:>8}{:>7}{:>9}'.format(
        'transport', 'cases', *columns, 'other', 'time'))
    for transport, total, counts, seconds in rows:
        other = total - sum(counts.get(c, 0) for c in columns)
        log('{:<10}{:>7}{:>7}{:>12}{:>15}{:>8}{:>7}{:>8.0f}s'.format(
            transport, total, *(counts.get(c, 0) for c in columns), other,
            seconds))
    if args.keep:
        log('reports: {}'.format(os.path.join(workdir, 'reports',
                                              '*', 'index.html')))
    for problem in problems:
        log('FAILED ' + problem)
    total = sum(row[1] for row in rows)
    # the plain closing line ci/test.sh adds to its totals
    log('conformance: {} passed, {} failed'.format(total - failed, failed))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
