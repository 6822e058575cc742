"""md5 and sha1 for digests and cache keys, without hashlib's OpenSSL start-up cost (~3 ms on
every run): CPython's built-in implementations when present, hashlib otherwise."""

from __future__ import annotations


def md5(data: bytes = b""):
    try:
        from _md5 import md5 as impl
    except ImportError:  # other Pythons
        from hashlib import md5 as impl
    return impl(data)


def sha1(data: bytes = b""):
    try:
        from _sha1 import sha1 as impl
    except ImportError:
        from hashlib import sha1 as impl
    return impl(data)
