"""
microdot.static
---------------

Serve the files of a directory: names from clients are resolved without
escaping the directory, and responses carry what browsers and caches
expect of static files (``Content-Length``, ``ETag`` and ``Last-Modified``
with 304 answers, byte ranges, precompressed ``.gz`` files, ``HEAD``).
Runs on CPython and MicroPython.
"""
import os
import time

from microdot.microdot import Response, HTTPException, urldecode

try:
    from os.path import realpath
except ImportError:  # MicroPython: symbolic links are found by ilistdir
    realpath = None  # type: ignore[assignment]

_SEP = getattr(os, 'sep', '/')
# three letters each: one string costs less heap than a tuple of names
_DAYS = 'MonTueWedThuFriSatSun'
_MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec'

#: Content types of common static files that :attr:`Response.types_map`
#: lacks; that map is looked up first, so an entry added there wins. They
#: are here and not in the core to keep its heap small on boards.
types_map = {
    'htm': 'text/html',
    'mjs': 'text/javascript',
    'xml': 'application/xml',
    'pdf': 'application/pdf',
    'wasm': 'application/wasm',
    'gz': 'application/gzip',
    'jpeg': 'image/jpeg',
    'webp': 'image/webp',
    'ico': 'image/x-icon',
    'woff2': 'font/woff2',
    'mp4': 'video/mp4',
}


def _split(path):
    # The segments of a URL path, decoded once, or None when the path could
    # lead out of the directory or cannot name a file.
    try:
        # '+' is a plus sign in a path, not a space as in a query string
        name = urldecode(path.replace('+', '%2B'))
    except Exception:  # an escape that is not UTF-8
        return None
    if '\x00' in name or '\\' in name or (_SEP != '/' and ':' in name):
        return None
    parts = name.split('/')
    for part in parts:
        # '' also refuses absolute paths; browsers never send '.' or '..'
        if part in ('', '.', '..'):
            return None
    return parts


def _kind(base, name):
    # The file type of the entry `name` of directory `base`, as ilistdir
    # gives it, without following a symbolic link; 0 when unknown.
    for entry in os.ilistdir(base):
        if entry[0] == name:
            return entry[1]
    return 0


def _stat(directory, parts, follow_symlinks):
    # (file system path, os.stat tuple) of a regular file inside directory,
    # or None.
    full = directory + '/' + '/'.join(parts)
    try:
        st = os.stat(full)
        if st[0] & 0o170000 != 0o100000:
            return None  # a directory, a FIFO, a device...
        if not follow_symlinks:
            if realpath is not None:
                root = realpath(directory).rstrip(_SEP) + _SEP
                if not realpath(full).startswith(root):
                    return None
            else:
                # without realpath a link cannot be followed safely, so
                # none is: every step must be a plain directory or file
                base = directory
                for part in parts[:-1]:
                    if _kind(base, part) != 0o040000:
                        return None
                    base += '/' + part
                if _kind(base, parts[-1]) != 0o100000:
                    return None
    except Exception:  # missing, unreadable, a name the OS refuses...
        return None
    return full, st


def _http_date(t):
    # IMF-fixdate of a time.gmtime() tuple
    return '{}, {:02d} {} {} {:02d}:{:02d}:{:02d} GMT'.format(
        _DAYS[t[6] * 3:t[6] * 3 + 3], t[2], _MONTHS[t[1] * 3 - 3:t[1] * 3],
        t[0], t[3], t[4], t[5])


def _date_tuple(value):
    # (year, month, day, hour, minute, second) of an IMF-fixdate such as
    # "Sun, 06 Nov 1994 08:49:37 GMT", or None. Comparing these tuples
    # with time.gmtime(mtime)[:6] works whatever the epoch of the port.
    try:
        _, day, month, year, hms, gmt = value.split()
        h, m, s = hms.split(':')
        i = _MONTHS.find(month)
        if gmt != 'GMT' or i % 3 or len(month) != 3 or len(hms) != 8:
            return None
        return (int(year), i // 3 + 1, int(day), int(h), int(m), int(s))
    except Exception:  # other date formats are ignored, as RFC 9110 allows
        return None


def _byte_range(value, size):
    # The (first, last) byte positions of a "Range: bytes=..." value; None
    # to send the whole file (not bytes, several ranges, invalid); False
    # when no byte of the file is in the range.
    if not value.startswith('bytes=') or ',' in value:
        return None
    spec = value[6:].strip().split('-')
    if len(spec) != 2:
        return None
    first, last = spec
    if not (first.isdigit() or first == '') or \
            not (last.isdigit() or last == '') or first == last == '':
        return None
    if first == '':  # the last N bytes
        if int(last) == 0 or size == 0:
            return False
        return max(size - int(last), 0), size - 1
    first = int(first)
    if last and int(last) < first:
        return None
    if first >= size:
        return False
    return first, min(int(last), size - 1) if last else size - 1


def _accepts_gzip(value):
    # whether an Accept-Encoding value accepts gzip: named with q > 0, or
    # not named and "*" with q > 0
    star = False
    for item in value.lower().split(','):
        item = item.split(';')
        coding = item[0].strip()
        if coding in ('gzip', 'x-gzip', '*'):
            ok = True
            for param in item[1:]:
                param = param.strip()
                if param.startswith('q='):
                    ok = bool(param[2:].strip('0.'))  # q=0, q=0.000: no
            if coding != '*':
                return ok
            star = ok
    return star


def _matches(etag, value):
    # whether an If-None-Match value lists etag (weak comparison)
    if value.strip() == '*':
        return True
    for tag in value.split(','):
        tag = tag.strip()
        if tag.startswith('W/'):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


def send_from_directory(directory, path, request=None, max_age=None,
                        follow_symlinks=False, precompressed=True):
    """Return a response with a file of a directory, named by a client.

    :param directory: the directory the files are served from.
    :param path: the file, relative to ``directory``, as it appears in the
                 URL: percent-encoded, as microdot passes route arguments
                 (``<path:path>``). It is decoded once here.
    :param request: the request; with it the response honours
                    ``If-None-Match``, ``If-Modified-Since``, ``Range``,
                    ``If-Range``, ``Accept-Encoding`` and ``HEAD``. Without
                    it the whole file is sent.
    :param max_age: the ``Cache-Control`` max age in seconds; by default
                    :attr:`Response.default_send_file_max_age`.
    :param follow_symlinks: ``False`` (the default) serves a symbolic link
                            only when its target is inside ``directory``
                            (on MicroPython, which cannot resolve links, it
                            serves no link at all, and nothing from a file
                            system whose ``ilistdir`` gives no entry types);
                            ``True`` follows links anywhere.
    :param precompressed: when the client accepts gzip and ``name.gz``
                          exists next to ``name``, send it with
                          ``Content-Encoding: gzip`` and the content type
                          of ``name``. ``name`` itself may be absent.

    Raises :class:`HTTPException` 404 when ``path`` does not name a regular
    file inside ``directory``: ``..``, ``.`` or empty segments (also
    percent-encoded), backslashes, NUL, a missing file, a directory, a FIFO
    or a device, and a link that leads out when links are not followed.
    """
    parts = _split(path)
    if parts is None:
        raise HTTPException(404, 'Not found')
    directory = directory.rstrip('/') or ('/' if directory else '.')
    headers = {}
    found = gz = None
    if precompressed:
        gz = _stat(directory, parts[:-1] + [parts[-1] + '.gz'],
                   follow_symlinks)
        if gz is not None:
            headers['Vary'] = 'Accept-Encoding'
            if request is not None and _accepts_gzip(
                    request.headers.get('Accept-Encoding', '')):
                found = gz
                headers['Content-Encoding'] = 'gzip'
    if found is None:
        found = _stat(directory, parts, follow_symlinks)
        if found is None:
            raise HTTPException(404, 'Not found')
    full, st = found
    size = st[6]
    mtime = st[8]
    ext = parts[-1].split('.')[-1].lower()
    headers['Content-Type'] = Response.types_map.get(ext) or types_map.get(
        ext, 'application/octet-stream')
    modified = time.gmtime(mtime)
    # strong: the same size and second of modification is taken as the
    # same bytes, as nginx and Apache do; the .gz file has its own
    etag = '"{:x}-{:x}{}"'.format(mtime, size, '-gz' if found is gz else '')
    headers['ETag'] = etag
    headers['Last-Modified'] = _http_date(modified)
    headers['Accept-Ranges'] = 'bytes'
    if max_age is None:
        max_age = Response.default_send_file_max_age
    if max_age is not None:
        headers['Cache-Control'] = 'max-age=' + str(max_age)
    first, last = 0, size - 1
    status = 200
    reason = None
    if request is not None:
        get = request.headers.get
        if get('If-None-Match') is not None:
            fresh = _matches(etag, get('If-None-Match'))
        else:
            since = _date_tuple(get('If-Modified-Since', ''))
            fresh = since is not None and tuple(modified[:6]) <= since
        if fresh:
            return Response(b'', 304, headers, 'Not Modified')
        value = get('Range')
        if_range = get('If-Range')
        if value is not None and (if_range is None or if_range in (
                etag, headers['Last-Modified'])):
            span = _byte_range(value, size)
            if span is False:
                headers['Content-Range'] = 'bytes */{}'.format(size)
                return Response(b'', 416, headers, 'Range Not Satisfiable')
            if span is not None:
                first, last = span
                headers['Content-Range'] = 'bytes {}-{}/{}'.format(
                    first, last, size)
                status = 206
                reason = 'Partial Content'
    headers['Content-Length'] = str(last - first + 1)
    if request is not None and request.method == 'HEAD':
        return Response(b'', status, headers, reason)
    try:
        f = open(full, 'rb')
        if first:
            f.seek(first)
    except Exception:  # gone or unreadable since it was found
        raise HTTPException(404, 'Not found')
    return Response(f, status, headers, reason)


def static_files(app, url_prefix, directory, **options):
    """Serve the files of a directory under a URL prefix.

    :param app: the :class:`Microdot` application (or sub-application).
    :param url_prefix: the URL path under which the files appear, such as
                       ``'/static'``; ``'/'`` or ``''`` serves them from the
                       root (add such a route last: routes are tried in
                       order).
    :param directory: the directory the files are served from.
    :param options: the keyword arguments of :func:`send_from_directory`
                    (``max_age``, ``follow_symlinks``, ``precompressed``).

    Adds a ``GET`` route (which also answers ``HEAD``) and returns its
    handler. Example::

        from microdot import Microdot
        from microdot.static import static_files

        app = Microdot()
        static_files(app, '/static', 'static', max_age=3600)
    """
    @app.get(url_prefix.rstrip('/') + '/<path:path>')
    async def static(request, path):
        return send_from_directory(directory, path, request, **options)

    return static
