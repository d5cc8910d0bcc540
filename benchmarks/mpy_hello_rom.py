# The hello app of benchmarks/mpy_heap.py (mpy_hello.py) run from a ROMFS
# image, as on a board with a ROMFS partition: the .mpy bytecode stays in
# the image.
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
del sys.argv[1]
import mpy_hello  # noqa: F401  (it serves until killed)
