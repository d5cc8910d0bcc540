# A microdot app for MicroPython, run at a small -X heapsize by
# tests/test_mpy_oom_cpython.py to see what the server does when a request
# needs more memory than there is.
#   micropython -X heapsize=N mpy_oom_app.py SYS_PATH PORT
import sys
sys.path[:0] = sys.argv[1].split(':')
from microdot import Microdot, Request
# let big bodies reach the reader, which buffers them
Request.max_content_length = Request.max_body_length = 1 << 20
app = Microdot()


@app.route('/')
async def index(request):
    return 'ok'


@app.route('/alloc')
async def alloc(request):
    # more than the heap: MemoryError in the handler
    return str(len(bytearray(int(request.args['n']))))


@app.post('/body')
async def body(request):
    return str(len(request.body))


@app.route('/header')
async def header(request):
    # a header value that fits, but not twice: the response head cannot be
    # built
    return 'ok', {'X-Big': 'h' * int(request.args['n'])}


@app.route('/stream')
async def stream(request):
    # runs out of memory once the head and a first chunk are out
    def body():
        yield 'start '
        yield str(len(bytearray(int(request.args['n']))))
    return body()


app.run(host='127.0.0.1', port=int(sys.argv[2]))
