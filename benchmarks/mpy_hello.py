# The hello app of benchmarks/mpy_heap.py, kept tiny: at the smallest heaps
# the compile of this very file counts.
#   micropython -X heapsize=N mpy_hello.py SYS_PATH PORT
import sys
sys.path[:0] = sys.argv[1].split(':')
from microdot import Microdot
app = Microdot()


@app.route('/')
async def index(request):
    return 'Hello, world!'

app.run(host='127.0.0.1', port=int(sys.argv[2]))
