"""Pure-Python twins that a MicroPython board rarely needs: a whole request
head parsed from a buffer (the CPython server's way) and WebSocket masking.
See ``_pure.py``, which gives every pure twin, and
``microdot/_speedups/__init__.py``.
"""
from microdot._speedups._pure_serve import parse_request_line, \
    parse_header_line


def parse_head(data):
    """Parse a complete request head into ``(method, url, version, headers)``.

    :param data: the bytes of the request line and the header lines, each
                 ended by ``\\r\\n`` or ``\\n``. The blank line that ends the
                 head may be included.

    ``headers`` is a list of ``(name, value)`` tuples, in the order received.
    Errors are those of :func:`parse_request_line` and
    :func:`parse_header_line`.
    """
    lines = data.split(b'\n')
    method, url, version = parse_request_line(lines[0])
    headers = []
    for line in lines[1:]:
        if line == b'' or line == b'\r':
            break
        headers.append(parse_header_line(line))
    return method, url, version, headers


def head_end(data, pos=0):
    """Find the end of the request head that starts at ``data[pos]``.

    :param data: bytes holding the head, and possibly more after it.
    :param pos: where the head starts.

    Returns the index just past the empty line that ends the head (lines may
    end with ``\r\n`` or a bare ``\n``), or -1 when that line has not
    arrived yet. An empty line at ``pos`` itself does not count.
    """
    k = data.find(b'\n\r\n', pos)
    j = data.find(b'\n\n', pos, len(data) if k < 0 else k + 1)
    if j >= 0:
        return j + 2
    return k + 3 if k >= 0 else -1


def mask(key, data):
    """Apply a WebSocket masking key to a payload (masking and unmasking are
    the same operation).

    :param key: the 4-byte masking key.
    :param data: the payload, as bytes, bytearray or memoryview.
    """
    if len(key) != 4:
        raise ValueError('masking key must be 4 bytes long')
    n = len(data)
    if n == 0:
        return b''
    keys = bytes(key) * ((n + 3) // 4)
    if len(keys) != n:
        keys = keys[:n]
    # a single XOR of two big integers is much faster than a loop over bytes
    value = int.from_bytes(bytes(data), 'big') ^ int.from_bytes(keys, 'big')
    return value.to_bytes(n, 'big')
