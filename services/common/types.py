"""Column types every service uses: UTC timestamps that stay aware on SQLite, exact money, JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlmodel import Field


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always returns an aware UTC datetime (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def utc_field(*, nullable: bool = False, index: bool = False, **kwargs: Any) -> Any:
    """A timestamp column: `created_at: datetime = utc_field()`."""
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index, **kwargs)


def json_field(*, nullable: bool = False, **kwargs: Any) -> Any:
    return Field(sa_type=JSONDocument, nullable=nullable, **kwargs)
