"""Random identifiers in bulk: a page of a thousand messages needs three thousand of them.

Each is a version-4 UUID as `uuid.uuid4()` makes it (122 random bits from the OS), but all of a batch come
from one read of the OS's random source (a system call per UUID is dear in this VM) with the version and
variant bits set on the whole buffer, so no UUID goes through `UUID(version=4)`'s per-object arithmetic.
"""

from __future__ import annotations

import os
import uuid


def random_uuids(count: int) -> list[uuid.UUID]:
    raw = _random_v4_bytes(count)
    return [uuid.UUID(bytes=raw[start : start + 16]) for start in range(0, 16 * count, 16)]


def random_uuid_strings(count: int) -> list[str]:
    """`str(uuid.uuid4())` `count` times, without building the UUID objects."""
    h = _random_v4_bytes(count).hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-{h[i + 12 : i + 16]}-{h[i + 16 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


def _random_v4_bytes(count: int) -> bytes:
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes(byte & 0x0F | 0x40 for byte in raw[6::16])  # version 4
    raw[8::16] = bytes(byte & 0x3F | 0x80 for byte in raw[8::16])  # RFC 4122 variant
    return bytes(raw)
