"""The ERP capability: page through orders waiting for confirmation; write one outcome back, exactly once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class PullPosition:
    """Where a pull resumes: the ERP's ordering value and the document keys already taken at exactly it."""

    value: str | None = None
    keys_at_value: tuple[str, ...] = ()


@dataclass(frozen=True)
class PulledOrder:
    document_key: str
    data_version: str | None
    position_value: str
    # The body of `contracts.orders.OrderSnapshot` without the fields integrations assigns (source,
    # source_ref, event, content_hash); validated there, so a malformed document is reported, not sent.
    fields: dict[str, Any]
    item_keys: dict[str, str]  # sku -> the ERP's product reference, to write quantities back


@dataclass(frozen=True)
class PulledPage:
    orders: list[PulledOrder]
    position: PullPosition
    exhausted: bool  # no more documents after this page right now
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (document key, why) unmappable documents


OutcomeKind = Literal[
    "order.confirmed", "order.changed", "order.cancelled", "order.unreachable", "payment.succeeded", "survey.completed"
]


@dataclass(frozen=True)
class ErpOutcome:
    """What to write onto one document, independent of the ERP's field names."""

    kind: OutcomeKind
    document_key: str
    operator_note: str | None = None  # "[Okno 2026-11-23 09:15 ivanova] comment"
    delivery_date: dt.date | None = None
    delivery_address: str | None = None
    quantities: dict[str, int] = field(default_factory=dict)  # product reference -> new quantity (0 = remove)


PushResult = Literal["applied", "already_applied"]


class ErpAdapter(Protocol):
    def pending_count(self, position: PullPosition) -> int | None: ...

    def fetch_page(self, position: PullPosition, limit: int) -> PulledPage: ...

    def push(self, outcome: ErpOutcome, idempotency_key: str) -> PushResult:
        """Write `outcome` unless the document already carries `idempotency_key`; raise adapters.failures on failure."""
        ...

    def close(self) -> None: ...
