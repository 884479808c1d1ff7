"""Standard Webhooks signatures (https://www.standardwebhooks.com): who may post orders for a tenant.

The signature is `v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the
tenant's `whsec_` secret. The `standardwebhooks` library computes it; its `verify` is not used because it
reads the wall clock (we take `now` from the caller) and raises bare ValueErrors on a malformed header.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from standardwebhooks.webhooks import Webhook

from services.common.problems import Unauthorized

MAX_WEBHOOK_ID_LENGTH = 255


class MissingSignatureHeaders(Unauthorized):
    code, title = "missing_signature_headers", "The webhook is not signed"


class TimestampOutOfWindow(Unauthorized):
    code, title = "timestamp_out_of_window", "The webhook timestamp is outside the replay window"


class InvalidSignature(Unauthorized):
    code, title = "invalid_signature", "The webhook signature does not match"


@dataclass(frozen=True)
class SignedHeaders:
    webhook_id: str
    timestamp: datetime
    timestamp_raw: str
    signatures: tuple[bytes, ...]


def parse_headers(headers: Mapping[str, str]) -> SignedHeaders:
    """Read the three headers; anything missing or malformed is a 401, never a 500."""
    webhook_id = headers.get("webhook-id", "").strip()
    timestamp_raw = headers.get("webhook-timestamp", "").strip()
    signature_header = headers.get("webhook-signature", "").strip()
    if not (webhook_id and timestamp_raw and signature_header):
        raise MissingSignatureHeaders(
            "Send webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks).",
        )
    if len(webhook_id) > MAX_WEBHOOK_ID_LENGTH:
        raise MissingSignatureHeaders(f"webhook-id is longer than {MAX_WEBHOOK_ID_LENGTH} characters.")
    if not timestamp_raw.isdigit():
        raise MissingSignatureHeaders("webhook-timestamp must be integer seconds since the Unix epoch.")
    try:
        timestamp = datetime.fromtimestamp(int(timestamp_raw), tz=UTC)
    except (OverflowError, ValueError, OSError):
        raise MissingSignatureHeaders("webhook-timestamp is out of range.") from None
    return SignedHeaders(webhook_id, timestamp, timestamp_raw, _v1_signatures(signature_header))


def _v1_signatures(header: str) -> tuple[bytes, ...]:
    # Space-delimited list of "version,base64"; unknown versions are skipped as the spec asks.
    found = []
    for item in header.split():
        version, _, encoded = item.partition(",")
        if version != "v1" or not encoded:
            continue
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return tuple(found)


def verify(
    signed: SignedHeaders,
    body: str,
    secrets: Sequence[str],
    *,
    now: datetime,
    tolerance: timedelta,
) -> None:
    """Raise unless the timestamp is within `tolerance` of `now` and one secret produced one signature."""
    if abs(now - signed.timestamp) > tolerance:
        raise TimestampOutOfWindow(
            f"webhook-timestamp must be within {int(tolerance.total_seconds())} s of the current time.",
        )
    for secret in secrets:
        expected = _expected_signature(secret, signed, body)
        # compare_digest against every candidate: the time taken does not reveal which byte differed.
        if any(hmac.compare_digest(expected, candidate) for candidate in signed.signatures):
            return
    raise InvalidSignature("No v1 signature matches this tenant's webhook secret.")


def _expected_signature(secret: str, signed: SignedHeaders, body: str) -> bytes:
    versioned = Webhook(secret).sign(signed.webhook_id, signed.timestamp, body)
    return base64.b64decode(versioned.split(",", 1)[1])


def sign(secret: str, webhook_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The headers a shop sends; used by the demo command, the benchmark and the tests."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, timestamp, body),
    }
