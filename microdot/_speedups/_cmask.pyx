# cython: language_level=3, freethreading_compatible=True
# cython: boundscheck=False, wraparound=False, cdivision=True
# cython: embedsignature=True, binding=False
"""Compiled twin of the WebSocket masking function of
:mod:`microdot._speedups._pure`.

Keys and payloads that are exact ``bytes``, ``bytearray`` or ``memoryview``
objects whose buffer is as long as their ``len()`` are XORed eight bytes at a
time; anything else goes to the pure twin, which defines the behaviour.
"""
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_SIMPLE
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

from microdot._speedups import _pure as _py


cdef enum:
    # payloads at least this long are masked without holding the GIL
    NOGIL_FROM = 8192


cdef void _xor(const unsigned char *src, const unsigned char *key,
               unsigned char *dst, Py_ssize_t n) noexcept nogil:
    cdef unsigned char k8[8]
    cdef uint64_t wide, word
    cdef Py_ssize_t i = 0
    memcpy(k8, key, 4)
    memcpy(k8 + 4, key, 4)
    # memcpy keeps the loads and stores legal at any alignment; compilers
    # turn it into plain (often vector) moves
    memcpy(&wide, k8, 8)
    while i + 8 <= n:
        memcpy(&word, src + i, 8)
        word ^= wide
        memcpy(dst + i, &word, 8)
        i += 8
    while i < n:
        dst[i] = src[i] ^ key[i & 3]
        i += 1


cdef inline bint _buffer_type(object obj):
    cdef type t = type(obj)
    return t is bytes or t is bytearray or t is memoryview


def mask(key, data):
    """Apply a 4-byte WebSocket masking key to a payload.

    Compiled twin of :func:`microdot._speedups._pure.mask`.
    """
    cdef Py_buffer kview
    cdef Py_buffer dview
    cdef Py_ssize_t n
    cdef bytes out
    cdef const unsigned char *src
    cdef const unsigned char *kp
    cdef unsigned char *dst
    if len(key) != 4:
        raise ValueError('masking key must be 4 bytes long')
    n = len(data)
    if n == 0:
        return b''
    if not (_buffer_type(key) and _buffer_type(data)):
        return _py.mask(key, data)
    try:
        PyObject_GetBuffer(key, &kview, PyBUF_SIMPLE)
    except BufferError:
        return _py.mask(key, data)
    try:
        try:
            PyObject_GetBuffer(data, &dview, PyBUF_SIMPLE)
        except BufferError:
            return _py.mask(key, data)
        try:
            if kview.len != 4 or dview.len != n:
                # multi-byte items: len() and the byte count disagree
                return _py.mask(key, data)
            out = PyBytes_FromStringAndSize(NULL, n)
            src = <const unsigned char *>dview.buf
            kp = <const unsigned char *>kview.buf
            dst = <unsigned char *>PyBytes_AS_STRING(out)
            if n >= NOGIL_FROM:
                with nogil:
                    _xor(src, kp, dst, n)
            else:
                _xor(src, kp, dst, n)
            return out
        finally:
            PyBuffer_Release(&dview)
    finally:
        PyBuffer_Release(&kview)
