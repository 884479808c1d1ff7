"""Twilio callbacks are applied once per (CallSid, event): a retry finds its row and changes nothing.

The row is written in the transaction that applies the callback, so a callback whose handling failed (and
rolled back) is applied when Twilio retries it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from services.notify.telephony.models import VoiceCallEvent


def first_time(session: Session, call_sid: str, event: str, *, now: datetime) -> bool:
    """Record that `event` of `call_sid` is being applied; False when it already was."""
    dialect = session.get_bind().dialect.name
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    statement = (
        insert(VoiceCallEvent)
        .values(call_sid=call_sid, event=event[:40], received_at=now)
        .on_conflict_do_nothing(index_elements=["call_sid", "event"])
    )
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return bool(result.rowcount)


def callback_time(form: dict[str, str], now: datetime) -> datetime:
    """When Twilio says the event happened (`Timestamp`, RFC 2822), else when it arrived: callbacks come in
    any order and late, so their own time is what counts."""
    stamp = form.get("Timestamp")
    if not stamp:
        return now
    try:
        at = parsedate_to_datetime(stamp)
    except (TypeError, ValueError):
        return now
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # RFC 2822's "-0000": UTC, zone unstated
