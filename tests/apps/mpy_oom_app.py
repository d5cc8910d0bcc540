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


app.run(host='127.0.0.1', port=int(sys.argv[2]))
