"""The envelope every cross-service message travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

PayloadT = TypeVar("PayloadT", bound=BaseModel)


class Strict(BaseModel):
    """Base for models exchanged between our own services: unknown fields are a bug, so they are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Envelope(BaseModel, Generic[PayloadT]):
    """One message: `message_id` is the idempotency key every consumer and every outside push derives from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    message_type: str
    tenant: str
    occurred_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    schema_version: int = 1
    request_id: str | None = None
    # The publisher's queue: where consumers send their receipts (contracts/receipts.py). None for messages
    # nobody waits a receipt for.
    source: str | None = None
    payload: PayloadT


# pydantic keeps parametrized models only in a WeakValueDictionary, so nothing held `Envelope[Any]` between two
# messages: the garbage collector freed it and the next `Envelope[Any](...)` built its schema again (~1 ms,
# on every outbox write and every order webhook; issue 13). This reference keeps the one built here.
AnyEnvelope = Envelope[Any]


class RawEnvelope(BaseModel):
    """An envelope whose payload is not parsed yet: what a consumer, a relay or a dead-letter list sees."""

    model_config = ConfigDict(extra="forbid")

    message_id: uuid.UUID
    message_type: str
    tenant: str
    occurred_at: AwareDatetime
    schema_version: int
    request_id: str | None = None
    source: str | None = None
    payload: dict[str, Any]
