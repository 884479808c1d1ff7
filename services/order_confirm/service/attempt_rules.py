"""Checks on a recorded call attempt before anything is written: times, reason codes, callback time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.problems import Unprocessable
from services.order_confirm.domain.reasons import OTHER, CancelReason, WrongNumberReason
from services.order_confirm.domain.vocabulary import Disposition

# Clocks of browsers drift; an end time a little ahead of the server is not an error.
CLOCK_SKEW = timedelta(minutes=2)
LONGEST_CALL = timedelta(hours=4)
FURTHEST_CALLBACK = timedelta(days=30)


class InvalidAttempt(Unprocessable):
    code, title = "invalid_attempt", "The call attempt is not valid"


@dataclass(frozen=True)
class AttemptInput:
    disposition: Disposition
    started_at: datetime | None = None
    ended_at: datetime | None = None
    reason_code: str | None = None
    comment: str | None = None
    callback_at: datetime | None = None
    idempotency_key: str | None = None


def check_attempt(data: AttemptInput, *, now: datetime, open_call_started_at: datetime | None) -> None:
    """Every problem at once, each with the field it concerns."""
    errors: list[dict[str, str]] = []
    started = data.started_at or open_call_started_at or now
    ended = data.ended_at or now
    if started > now + CLOCK_SKEW:
        errors.append({"field": "started_at", "message": "The call cannot start in the future."})
    if ended < started:
        errors.append({"field": "ended_at", "message": "The call cannot end before it started."})
    if ended > now + CLOCK_SKEW:
        errors.append({"field": "ended_at", "message": "The call cannot end in the future."})
    if ended - started > LONGEST_CALL:
        errors.append({"field": "started_at", "message": "A call longer than 4 hours is not plausible."})
    errors += _reason_errors(data)
    errors += _callback_errors(data, now)
    if errors:
        raise InvalidAttempt("The attempt cannot be recorded; see `errors`.", errors=errors)


def _reason_errors(data: AttemptInput) -> list[dict[str, str]]:
    reasons: dict[Disposition, list[str]] = {
        Disposition.CANCELLED: [reason.value for reason in CancelReason],
        Disposition.WRONG_NUMBER: [reason.value for reason in WrongNumberReason],
    }
    allowed = reasons.get(data.disposition)
    if allowed is None:
        if data.reason_code is not None:
            return [{"field": "reason_code", "message": f"A {data.disposition.value} attempt takes no reason code."}]
        return []
    if data.reason_code is None:
        return [{"field": "reason_code", "message": f"Required for {data.disposition.value}: one of {allowed}."}]
    if data.reason_code not in allowed:
        return [{"field": "reason_code", "message": f"Unknown reason {data.reason_code!r}; one of {allowed}."}]
    if data.reason_code == OTHER and not (data.comment or "").strip():
        return [{"field": "comment", "message": "Reason 'other' needs a comment saying what happened."}]
    return []


def _callback_errors(data: AttemptInput, now: datetime) -> list[dict[str, str]]:
    if data.disposition is not Disposition.CALLBACK_REQUESTED:
        if data.callback_at is not None:
            return [{"field": "callback_at", "message": "Only a callback_requested attempt takes a callback time."}]
        return []
    if data.callback_at is None:
        return [{"field": "callback_at", "message": "When did the customer ask to be called back?"}]
    if data.callback_at <= now:
        return [{"field": "callback_at", "message": "The callback time must be in the future."}]
    if data.callback_at > now + FURTHEST_CALLBACK:
        return [{"field": "callback_at", "message": "A callback can be at most 30 days ahead."}]
    return []
