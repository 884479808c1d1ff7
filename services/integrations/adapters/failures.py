"""How a call to the outside (ERP, shop webhook URL) failed, in the two kinds the callers act on.

Transient: the other side is down, overloaded or misconfigured for now (5xx, 429, 401/403, a timeout) —
retry later, honouring `retry_after`, and count it against the endpoint's circuit breaker.
Permanent: the other side understood and refused this one message (400, 404, 409, 422) — retrying the
same bytes cannot succeed, so the delivery goes straight to the dead letters for a person to look at.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

PERMANENT_STATUSES = frozenset({400, 404, 405, 409, 410, 413, 415, 422})


class RemoteFailure(Exception):
    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class TransientFailure(RemoteFailure):
    def __init__(self, message: str, *, status_code: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class PermanentFailure(RemoteFailure):
    pass


def retry_after_seconds(response: httpx.Response, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds (RFC 9110: delay-seconds or an HTTP-date); None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def failure_for(response: httpx.Response, message: str) -> RemoteFailure:
    """Classify a non-2xx answer."""
    if response.status_code in PERMANENT_STATUSES:
        return PermanentFailure(message, status_code=response.status_code)
    return TransientFailure(message, status_code=response.status_code, retry_after=retry_after_seconds(response))


def failure_for_transport(error: httpx.HTTPError, target: str) -> TransientFailure:
    return TransientFailure(f"{target} unreachable: {error.__class__.__name__}: {error}")
