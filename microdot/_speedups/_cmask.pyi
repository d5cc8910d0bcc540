# Type stub for the compiled WebSocket masking twin (same contract as _pure).
from microdot._speedups._pure import _BytesLike

def mask(key: _BytesLike, data: _BytesLike) -> bytes: ...
