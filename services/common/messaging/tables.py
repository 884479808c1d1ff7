"""Column sets of the messaging tables. Each service declares its own tables from these (own metadata)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, text
from sqlmodel import Field, SQLModel

from services.common.types import json_field, utc_field


class OutboxColumns(SQLModel):
    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=36, unique=True)
    message_type: str = Field(max_length=100)
    tenant: str = Field(max_length=100)
    envelope: dict[str, Any] = json_field()
    created_at: datetime = utc_field(index=True)
    published_at: datetime | None = utc_field(nullable=True, index=True, default=None)
    publish_attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    # When the consumer's receipt came (settlement.py); the reconciliation re-sends rows left without one.
    settled_at: datetime | None = utc_field(nullable=True, default=None)
    republish_count: int = 0


def outbox_indexes(table: str) -> tuple[Index, ...]:
    """Partial indexes of an outbox table: the reconciliation and the metrics read only the few rows without a
    receipt, or re-sent, never the whole history."""
    unsettled, republished = text("settled_at IS NULL"), text("republish_count > 0")
    return (
        Index(f"ix_{table}_unsettled", "published_at", postgresql_where=unsettled, sqlite_where=unsettled),
        Index(f"ix_{table}_republished", "republish_count", postgresql_where=republished, sqlite_where=republished),
    )


class InboxColumns(SQLModel):
    """One row per processed (message, actor): the idempotent-consumer record."""

    message_id: str = Field(max_length=36, primary_key=True)
    actor_name: str = Field(max_length=150, primary_key=True)
    processed_at: datetime = utc_field()


class DeadLetterColumns(SQLModel):
    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=36, index=True)
    message_type: str = Field(max_length=100)
    tenant: str = Field(max_length=100, index=True)
    queue_name: str = Field(max_length=100)
    actor_name: str = Field(max_length=150)
    envelope: dict[str, Any] = json_field()
    error: str = Field(sa_type=Text)
    retries: int = 0
    failed_at: datetime = utc_field(index=True)
    replayed_at: datetime | None = utc_field(nullable=True, default=None)
    replay_count: int = 0
