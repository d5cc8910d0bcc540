"""Soak test: mixed load against the embedded server for a long time.

    make soak                                   # 10 minutes
    SOAK_SECONDS=60 .venv/bin/python benchmarks/soak.py

The application (benchmarks/soak_app.py) runs with ``app.run()`` in a
subprocess: microdot.server, on uvloop when installed, with the compiled
twins unless MICRODOT_PURE=1. For SOAK_SECONDS seconds (600 by default):

- wrk keeps 8 connections busy with keep-alive GETs (10-second runs, one
  after the other);
- Python client threads, one per kind: keep-alive GETs on one connection,
  ``Connection: close`` GETs, uploads with Content-Length and chunked ones
  (checked by SHA-256), WebSocket echo sessions (the ``websockets``
  client), whole SSE streams, and clients that reset the connection in
  the middle of a request, of a response, of an SSE stream and of a
  WebSocket frame;
- every 5 seconds the server's resident memory (``VmRSS`` of
  /proc/PID/status) and open file descriptors (/proc/PID/fd) are sampled.

Every unexpected status, body or exception of a client is an error, and so
are wrk's non-2xx answers and socket errors, tracebacks in the server's
output and a server that does not exit with 0 on SIGTERM. The run passes
with 0 errors and the median RSS and fd count of the last minute within
10% of those of the first minute (the windows are a quarter of the run
when it is shorter than 4 minutes). It prints a summary table and writes
the run to benchmarks/results/soak-latest.json (and a dated copy); the
exit status is 1 when it fails.
"""
import datetime
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, 'results')
HOST = '127.0.0.1'
TIMEOUT = 10
SAMPLE_EVERY = 5
FLAT = 0.10
TRACES = ('Traceback', 'Exception in callback', 'exception was never '
          'retrieved', 'Task was destroyed', 'Exception ignored',
          'Fatal error')
LINGER_0 = b'\x01\x00\x00\x00\x00\x00\x00\x00'


class Stats:
    """Operations and errors per kind of client, from several threads."""
    def __init__(self):
        self.lock = threading.Lock()
        self.ops = {}
        self.errors = {}
        self.examples = {}

    def ok(self, kind, n=1):
        with self.lock:
            self.ops[kind] = self.ops.get(kind, 0) + n

    def error(self, kind, what):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            examples = self.examples.setdefault(kind, [])
            if len(examples) < 5:
                examples.append('{:.0f}s {}'.format(
                    time.monotonic() - START[0], what))


START = [time.monotonic()]


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def check(condition, what):
    if not condition:
        raise AssertionError(what)


# -- the clients: each function does one operation and raises on anything
# unexpected --

class KeepAlive:
    """GETs on one persistent connection."""
    def __init__(self, port):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)

    def __call__(self):
        self.conn.request('GET', '/')
        res = self.conn.getresponse()
        body = res.read()
        check(res.status == 200 and body == b'hello',
              'keep-alive: {} {!r}'.format(res.status, body[:80]))
        check(res.getheader('Connection') is None, 'keep-alive: closed')


def close_get(port):
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        conn.request('GET', '/', headers={'Connection': 'close'})
        res = conn.getresponse()
        body = res.read()
        check(res.status == 200 and body == b'hello',
              'close: {} {!r}'.format(res.status, body[:80]))
        check(res.getheader('Connection') == 'close', 'close: no header')
        check(conn.sock is None or conn.sock.recv(1) == b'',
              'close: connection left open')
    finally:
        conn.close()


class Upload:
    """POSTs of random bodies on one persistent connection, with
    Content-Length or chunked; the server answers with their SHA-256."""
    def __init__(self, port, chunked):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        self.chunked = chunked

    def __call__(self):
        size = random.randint(1, 256 * 1024)
        data = os.urandom(size)
        if self.chunked:
            pieces = [data[i:i + 7000] for i in range(0, size, 7000)]
            self.conn.request('POST', '/upload', body=iter(pieces),
                              encode_chunked=True, headers={
                                  'Transfer-Encoding': 'chunked'})
        else:
            self.conn.request('POST', '/upload', body=data)
        res = self.conn.getresponse()
        body = res.read()
        check(res.status == 200, 'upload: {} {!r}'.format(res.status,
                                                          body[:80]))
        got = json.loads(body)
        check(got == {'sha256': hashlib.sha256(data).hexdigest(),
                      'size': size}, 'upload: wrong digest {}'.format(got))


def websocket_echo(port):
    from websockets.sync.client import connect
    with connect('ws://{}:{}/ws'.format(HOST, port),
                 open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
        for i in range(20):
            if i % 2:
                message = os.urandom(random.randint(0, 8000))
            else:
                message = 'é' * random.randint(0, 3000)
            ws.send(message)
            got = ws.recv(TIMEOUT)
            check(got == message, 'websocket: echo differs')


def sse_stream(port):
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        conn.request('GET', '/sse?n=20')
        res = conn.getresponse()
        body = res.read()
        check(res.status == 200, 'sse: {}'.format(res.status))
        events = [json.loads(line[5:]) for line in body.split(b'\n')
                  if line.startswith(b'data:')]
        check(events == [{'n': i} for i in range(20)],
              'sse: events {!r}'.format(body[:200]))
    finally:
        conn.close()


def _raw(port):
    s = socket.create_connection((HOST, port), timeout=TIMEOUT)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_0)
    return s


def _read(s, n):
    got = b''
    while len(got) < n:
        chunk = s.recv(n - len(got))
        if not chunk:
            break
        got += chunk
    return got


class Resets:
    """Clients that reset the connection: in a request body, in a
    response, in an SSE stream, in a WebSocket frame (in turn)."""
    def __init__(self, port):
        self.port = port
        self.turn = 0

    def __call__(self):
        s = _raw(self.port)
        kind = self.turn % 4
        self.turn += 1
        try:
            if kind == 0:
                s.sendall(b'POST /upload HTTP/1.1\r\nHost: x\r\n'
                          b'Content-Length: 100000\r\n\r\n' + b'u' * 3000)
                time.sleep(0.01)
            elif kind == 1:
                s.sendall(b'GET /big HTTP/1.1\r\nHost: x\r\n\r\n')
                check(_read(s, 20000)[:12] == b'HTTP/1.1 200',
                      'reset: /big did not start')
            elif kind == 2:
                s.sendall(b'GET /sse?n=1000 HTTP/1.1\r\nHost: x\r\n\r\n')
                check(b'data:' in _read(s, 300), 'reset: no event')
            else:
                s.sendall(b'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: '
                          b'websocket\r\nConnection: Upgrade\r\n'
                          b'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
                          b'Sec-WebSocket-Version: 13\r\n\r\n')
                check(_read(s, 12) == b'HTTP/1.1 101', 'reset: no upgrade')
                s.sendall(b'\x82\xfe\x10\x00\x00\x00\x00\x00' + b'w' * 100)
        finally:
            s.close()  # with SO_LINGER 0: a reset


def wrk_runs(port, deadline, stats, runs):
    """wrk, 10 seconds at a time, until the deadline."""
    url = 'http://{}:{}/'.format(HOST, port)
    while True:
        left = deadline - time.monotonic()
        if left < 1:
            return
        seconds = int(min(10, left))
        out = subprocess.run(
            ['wrk', '-t1', '-c8', '-d{}s'.format(seconds), url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True, timeout=seconds + 30).stdout
        match = re.search(r'(\d+) requests in', out)
        if not match:
            stats.error('wrk keep-alive', 'no result: ' + out[-200:])
            continue
        requests = int(match.group(1))
        runs.append({'seconds': seconds, 'requests': requests})
        bad = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
        sock = re.search(r'Socket errors: connect (\d+), read (\d+), '
                         r'write (\d+), timeout (\d+)', out)
        problems = (int(bad.group(1)) if bad else 0) + (
            sum(int(n) for n in sock.groups()) if sock else 0)
        stats.ok('wrk keep-alive', requests)
        for _ in range(problems):
            stats.error('wrk keep-alive', ' '.join(
                line.strip() for line in out.splitlines()
                if 'Non-2xx' in line or 'Socket errors' in line))


def client_loop(kind, make, deadline, stats):
    operation = None
    while time.monotonic() < deadline:
        try:
            if operation is None:
                operation = make()
            operation()
            stats.ok(kind)
        except Exception as exc:
            stats.error(kind, repr(exc)[:300])
            operation = None  # start again on a new connection
            time.sleep(0.1)


def proc_sample(pid):
    with open('/proc/{}/status'.format(pid)) as f:
        rss = next(int(line.split()[1]) for line in f
                   if line.startswith('VmRSS:'))
    fds = len(os.listdir('/proc/{}/fd'.format(pid)))
    return rss, fds


def window_medians(samples, seconds):
    """Median RSS and fds of the first and last windows of the run."""
    window = min(60, seconds / 4)
    first = [s for s in samples if s['t'] <= window]
    last = [s for s in samples if s['t'] >= seconds - window]
    out = {'window_seconds': window}
    for key in ('rss_kib', 'fds'):
        a = statistics.median(s[key] for s in first)
        b = statistics.median(s[key] for s in last)
        out[key] = {'first': a, 'last': b, 'change': (b - a) / a}
    return out


def main():
    seconds = float(os.environ.get('SOAK_SECONDS', '600'))
    if shutil.which('wrk') is None:
        sys.exit('soak: needs wrk (apt-get install wrk)')
    port = free_port()
    log_path = os.path.join(RESULTS, 'soak-server.log')
    os.makedirs(RESULTS, exist_ok=True)
    log = open(log_path, 'w+')
    server = subprocess.Popen(
        [sys.executable, os.path.join(HERE, 'soak_app.py'), str(port)],
        stdout=log, stderr=subprocess.STDOUT)
    info = None
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
            conn.request('GET', '/info')
            info = json.loads(conn.getresponse().read())
            conn.close()
            break
        except OSError:
            time.sleep(0.1)
    if info is None:
        server.kill()
        sys.exit('soak: the server did not start')
    pid = server.pid
    print('soak: {:.0f} s against microdot.server ({} twins, {}), pid {}, '
          'port {}'.format(seconds, info['twins'], info['loop'], pid, port),
          flush=True)

    stats = Stats()
    START[0] = time.monotonic()
    deadline = START[0] + seconds
    samples = []
    wrk = []
    kinds = [
        ('keep-alive GET', lambda: KeepAlive(port)),
        ('Connection: close GET', lambda: lambda: close_get(port)),
        ('upload, Content-Length', lambda: Upload(port, False)),
        ('upload, chunked', lambda: Upload(port, True)),
        ('WebSocket echo session', lambda: lambda: websocket_echo(port)),
        ('SSE stream', lambda: lambda: sse_stream(port)),
        ('reset mid-request/response', lambda: Resets(port)),
    ]
    threads = [threading.Thread(target=client_loop,
                                args=(kind, make, deadline, stats))
               for kind, make in kinds]
    threads.append(threading.Thread(target=wrk_runs,
                                    args=(port, deadline, stats, wrk)))
    for t in threads:
        t.daemon = True
        t.start()
    next_report = START[0] + 60
    while True:
        now = time.monotonic()
        rss, fds = proc_sample(pid)
        samples.append({'t': round(now - START[0], 1), 'rss_kib': rss,
                        'fds': fds})
        if now >= next_report:
            next_report += 60
            print('  {:4.0f} s: RSS {} KiB, {} fds, {} ops, {} errors'.format(
                now - START[0], rss, fds, sum(stats.ops.values()),
                sum(stats.errors.values())), flush=True)
        if now >= deadline:
            break
        time.sleep(min(SAMPLE_EVERY, max(0, deadline - now)))
    for t in threads:
        t.join(TIMEOUT + 40)
    # what is left open once the load is gone
    time.sleep(1)
    idle_rss, idle_fds = proc_sample(pid)
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        code = 'killed'
    log.seek(0)
    server_log = log.read()
    log.close()
    traces = [line for line in server_log.splitlines()
              if any(marker in line for marker in TRACES)]
    for line in traces:
        stats.error('server log', line[:300])
    if code != 0:
        stats.error('server exit', 'exit status {}'.format(code))

    flat = window_medians(samples, seconds)
    errors = sum(stats.errors.values())
    failures = []
    if errors:
        failures.append('{} errors'.format(errors))
    for key in ('rss_kib', 'fds'):
        if abs(flat[key]['change']) > FLAT:
            failures.append('{} changed {:+.1%}'.format(
                key, flat[key]['change']))

    rows = [kind for kind, _ in kinds] + ['wrk keep-alive', 'server log',
                                          'server exit']
    print()
    print('{:<30} {:>10} {:>8}'.format('client', 'operations', 'errors'))
    for kind in rows:
        print('{:<30} {:>10} {:>8}'.format(
            kind, stats.ops.get(kind, '-') if kind not in (
                'server log', 'server exit') else '-',
            stats.errors.get(kind, 0)))
    total_wrk = sum(run['requests'] for run in wrk)
    print('wrk: {} runs, {} requests, {:.0f} requests/s'.format(
        len(wrk), total_wrk, total_wrk / max(1, sum(
            run['seconds'] for run in wrk))))
    print()
    print('{:<16} {:>14} {:>14} {:>9}'.format(
        '', 'first {:.0f} s'.format(flat['window_seconds']),
        'last {:.0f} s'.format(flat['window_seconds']), 'change'))
    for key, label in (('rss_kib', 'RSS (KiB)'), ('fds', 'open fds')):
        print('{:<16} {:>14.0f} {:>14.0f} {:>+9.1%}'.format(
            label, flat[key]['first'], flat[key]['last'],
            flat[key]['change']))
    print('{:<16} RSS {} KiB, {} fds (1 s after the load)'.format(
        'idle at the end', idle_rss, idle_fds))
    print('samples: {} (every {} s); RSS min {} max {} KiB; fds min {} '
          'max {}'.format(len(samples), SAMPLE_EVERY,
                          min(s['rss_kib'] for s in samples),
                          max(s['rss_kib'] for s in samples),
                          min(s['fds'] for s in samples),
                          max(s['fds'] for s in samples)))
    for kind, examples in stats.examples.items():
        for example in examples:
            print('  error ({}): {}'.format(kind, example))
    verdict = 'FAIL: ' + ', '.join(failures) if failures else 'PASS'
    print('soak: {} ({} errors; RSS {:+.1%}, fds {:+.1%})'.format(
        verdict, errors, flat['rss_kib']['change'], flat['fds']['change']))

    result = {
        'seconds': seconds, 'twins': info['twins'], 'loop': info['loop'],
        'ops': stats.ops, 'errors': stats.errors,
        'error_examples': stats.examples, 'wrk_runs': wrk,
        'samples': samples, 'flat': flat,
        'idle': {'rss_kib': idle_rss, 'fds': idle_fds},
        'server_exit': code, 'passed': not failures,
        'date': datetime.datetime.now().isoformat(timespec='seconds'),
    }
    for name in ('soak-latest.json', 'soak-{}.json'.format(
            datetime.datetime.now().strftime('%Y%m%d-%H%M%S'))):
        with open(os.path.join(RESULTS, name), 'w') as f:
            json.dump(result, f, indent=1)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
