"""File uploads with a multipart form.

Run it with ``python examples/upload.py`` (or copy it with the microdot
package to a MicroPython board), open http://127.0.0.1:5000 and upload a
file; it is saved in the ``uploads`` directory. The same works with curl::

    curl -F "note=hello" -F "file=@README.md" http://127.0.0.1:5000/upload

The port can be given as the first argument. On CPython the app is also an
ASGI application: ``uvicorn upload:app`` from the ``examples`` directory.
"""
import os
import sys

from microdot import Request, redirect
from microdot import multipart

try:  # CPython: an app that ASGI servers can run too
    from microdot.asgi import Microdot
except ImportError:  # MicroPython: the embedded server only
    from microdot import Microdot

UPLOAD_DIR = 'uploads'
try:
    os.mkdir(UPLOAD_DIR)
except OSError:
    pass  # it exists

app = Microdot()
Request.max_content_length = 1024 * 1024  # accept uploads up to 1 MB

# the charset tells browsers to send file names (any letter) in UTF-8
PAGE = '''<!doctype html>
<html><head><meta charset="utf-8"><title>Upload</title></head><body>
<h1>Upload a file</h1>
<form method="POST" action="/upload" enctype="multipart/form-data">
  <p><input type="text" name="note" placeholder="a note"></p>
  <p><input type="file" name="file"></p>
  <p><input type="submit" value="Upload"></p>
</form>
<ul>{files}</ul>
</body></html>'''


def safe_name(filename):
    # keep the last path component and a few safe ASCII characters only
    # (ASCII: MicroPython's isalpha() knows no other letters)
    name = filename.replace('\\', '/').split('/')[-1]
    name = ''.join(c for c in name if c < '\x7f' and (
        c.isalpha() or c.isdigit() or c in '._-'))
    return name.lstrip('.') or 'upload.bin'


@app.get('/')
async def index(request):
    items = ''.join('<li>{}</li>'.format(name)
                    for name in sorted(os.listdir(UPLOAD_DIR)))
    return PAGE.format(files=items), {'Content-Type': 'text/html'}


@app.post('/upload')
@multipart.with_form_data
async def upload(request):
    upload = request.files.get('file') if request.files else None
    if upload is None or not upload.filename:
        return 'no file was uploaded', 400
    name = safe_name(upload.filename)
    await upload.save(UPLOAD_DIR + '/' + name)
    print('saved {} ({}), note: {!r}'.format(
        name, upload.content_type, request.form.get('note')))
    return redirect('/')


if __name__ == '__main__':
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print('Serving on http://127.0.0.1:{} (Ctrl-C to stop)'.format(port))
    app.run(host='127.0.0.1', port=port)
