"""Time is read at the edges only; domain code takes `now` as an argument."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC, so make that explicit again."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
