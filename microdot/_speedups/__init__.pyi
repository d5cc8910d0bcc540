# Type stub for the twin selector: the names it exports have the contract
# shared by the pure and the compiled twins, whichever was selected; on
# CPython they come from the selector's CPython half (_select), whose stub
# lists them.
from microdot._speedups import _pure as _pure
from microdot._speedups._select import *  # noqa: F401,F403

SEG_STRING: int
SEG_INT: int
SEG_PATH: int
ROUTE_STATIC: int
ROUTE_SEGMENTS: int
ROUTE_CALLABLE: int
