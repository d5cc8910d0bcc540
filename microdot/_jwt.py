"""
A small JSON Web Token codec for the HS256 algorithm only.

:mod:`microdot.session` uses it where PyJWT is not installed, which is always
the case on MicroPython. Tokens made here verify with PyJWT and the other way
around. MicroPython often has no ``hmac`` module, so HMAC-SHA256 is built
from ``hashlib.sha256`` as RFC 2104 describes.
"""
import binascii
import hashlib
import time

from microdot import _jsoncodec


class InvalidTokenError(ValueError):
    """A token that is malformed, wrongly signed, expired or not yet
    valid."""
    pass


def hmac_sha256(key, message):
    """Return the HMAC-SHA256 digest of a message.

    :param key: the secret key, as bytes or a string.
    :param message: the message, as bytes.
    """
    key = key.encode() if isinstance(key, str) else bytes(key)
    if len(key) > 64:  # longer than a SHA-256 block: hash it first
        key = hashlib.sha256(key).digest()
    key += bytes(64 - len(key))
    # the pads are made here, not kept as module tables: heap is scarce
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5c for b in key) + inner).digest()


def _b64encode(data):
    text = binascii.b2a_base64(data).decode().strip()
    return text.replace('+', '-').replace('/', '_').rstrip('=')


def _b64decode(text):
    for c in text:
        if not ('a' <= c <= 'z' or 'A' <= c <= 'Z' or '0' <= c <= '9' or
                c in '-_'):
            raise InvalidTokenError('invalid base64url character')
    if len(text) % 4 == 1:
        raise InvalidTokenError('invalid base64url length')
    text = text.replace('-', '+').replace('_', '/')
    return binascii.a2b_base64(text + '=' * (-len(text) % 4))


def _json_object(segment):
    try:
        value = _jsoncodec.loads(_b64decode(segment))
    except InvalidTokenError:
        raise
    except Exception:
        raise InvalidTokenError('invalid JSON in token')
    if not isinstance(value, dict):
        raise InvalidTokenError('token segment is not a JSON object')
    return value


def encode(payload, key, algorithm='HS256'):
    """Return a signed token, as a string.

    :param payload: a dictionary that can be serialised as JSON.
    :param key: the secret key, as a string or bytes.
    :param algorithm: must be ``'HS256'``, the only algorithm supported.
    """
    if algorithm != 'HS256':
        raise ValueError('only the HS256 algorithm is supported')
    if not isinstance(payload, dict):
        raise TypeError('the token payload must be a dictionary')
    if not key:
        raise ValueError('a secret key is needed to sign tokens')
    head = _b64encode(b'{"alg":"HS256","typ":"JWT"}')
    body = _b64encode(_jsoncodec.dumpb(payload))
    signing_input = (head + '.' + body).encode()
    return head + '.' + body + '.' + _b64encode(hmac_sha256(key,
                                                            signing_input))


def decode(token, key, algorithms=None, now=None):
    """Verify a token and return its payload.

    :param token: the token, as a string or bytes.
    :param key: the secret key it was signed with.
    :param algorithms: the accepted algorithms; only ``'HS256'`` is known.
    :param now: the current UNIX time, ``time.time()`` by default.

    Raises :class:`InvalidTokenError` when the token is malformed, is not
    signed with HS256 and this key, has expired (``exp``) or is not valid
    yet (``nbf``).
    """
    if algorithms is not None and 'HS256' not in algorithms:
        raise ValueError('only the HS256 algorithm is supported')
    if not key:
        raise ValueError('a secret key is needed to verify tokens')
    if isinstance(token, (bytes, bytearray)):
        try:
            token = bytes(token).decode()
        except UnicodeError:
            raise InvalidTokenError('token is not text')
    if not isinstance(token, str):
        raise InvalidTokenError('token is not text')
    parts = token.split('.')
    if len(parts) != 3:
        raise InvalidTokenError('a token has three segments')
    head, body, signature = parts
    header = _json_object(head)
    if header.get('alg') != 'HS256':
        raise InvalidTokenError('token is not signed with HS256')
    try:
        signature = _b64decode(signature)
    except InvalidTokenError:
        raise
    except Exception:
        raise InvalidTokenError('invalid signature encoding')
    expected = hmac_sha256(key, (head + '.' + body).encode())
    # compared in a time that does not depend on where a difference is
    diff = len(signature) ^ len(expected)
    for x, y in zip(signature, expected):
        diff |= x ^ y
    if diff:
        raise InvalidTokenError('signature verification failed')
    payload = _json_object(body)
    if now is None:
        now = time.time()
    for claim in ('exp', 'nbf', 'iat'):
        if claim in payload:
            value = payload[claim]
            if isinstance(value, bool) or \
                    not isinstance(value, (int, float)):
                raise InvalidTokenError(
                    'the {} claim must be a number'.format(claim))
            if claim == 'exp' and value <= now:
                raise InvalidTokenError('token has expired')
            if claim == 'nbf' and value > now:
                raise InvalidTokenError('token is not valid yet')
    return payload
