"""Small compatibility helpers shared by the microdot modules."""
try:
    from functools import wraps
except ImportError:  # pragma: no cover
    def wraps(wrapped):  # type: ignore[misc]
        """Stand-in for ``functools.wraps`` where it does not exist
        (MicroPython): the wrapper is returned unchanged."""
        def decorator(wrapper):
            return wrapper
        return decorator
