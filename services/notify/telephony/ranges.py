"""The `Range` request header (RFC 9110 §14.2) of a recording's audio, reduced to the one range we serve.

Choice (documented in docs/telephony.md): a header we do not understand — another unit, bad syntax, a
range whose last byte is before its first, or several ranges (we send no multipart/byteranges) — is
*ignored* and the whole file is served with 200, as the RFC allows ("MAY ignore"). A well-formed range that
misses the file (first byte past the end, a zero-length suffix) is 416 with `Content-Range: bytes */size`,
decided by whoever knows the size (the provider, or the cut in `TwilioRecordings`).
"""

from __future__ import annotations

import re

from services.notify.telephony.base import ByteRange

_SPEC = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", re.IGNORECASE)
_MAX_DIGITS = 18  # a larger position is not a file we have; treat it as unparsable, not as an overflow


def parse_range(header: str | None) -> ByteRange | None:
    """`bytes=0-99`, `bytes=100-`, `bytes=-50` → a `ByteRange`; None = serve the whole file."""
    if not header:
        return None
    match = _SPEC.fullmatch(header)
    if match is None:
        return None
    first, last = match.groups()
    if len(first) > _MAX_DIGITS or len(last) > _MAX_DIGITS or (first == "" and last == ""):
        return None
    if first == "":
        return ByteRange(first=None, last=int(last))
    if last != "" and int(last) < int(first):
        return None
    return ByteRange(first=int(first), last=int(last) if last else None)
