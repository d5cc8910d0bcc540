# The hello app of benchmarks/mpy_heap.py run from a ROMFS image, as on a
# board with a ROMFS partition: the .mpy bytecode stays in the image.
#   micropython -X heapsize=N mpy_hello_rom.py IMAGE SYS_PATH PORT
# The image takes a bytearray of its size in the heap here (a board maps it
# from flash); mpy_heap.py subtracts that size.
import sys
import os
import vfs
rom = bytearray(os.stat(sys.argv[1])[6])
with open(sys.argv[1], 'rb') as f:
    f.readinto(rom)
vfs.mount(vfs.VfsRom(rom), '/rom')
sys.path[:0] = sys.argv[2].split(':')
from microdot import Microdot
app = Microdot()


@app.route('/')
async def index(request):
    return 'Hello, world!'

app.run(host='127.0.0.1', port=int(sys.argv[3]))
