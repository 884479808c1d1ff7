"""The customer's timeline: what the next shift reads instead of a hand-over."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.order_confirm.models import Customer, Operator, TimelineEvent


def add_event(
    session: Session,
    customer: Customer,
    *,
    now: datetime,
    kind: str,
    summary: str,
    order_id: int | None = None,
    actor: Operator | None = None,
    details: dict[str, Any] | None = None,
) -> TimelineEvent:
    assert customer.id is not None
    event = TimelineEvent(
        tenant_id=customer.tenant_id,
        customer_id=customer.id,
        order_id=order_id,
        kind=kind,
        summary=summary[:500],
        details=details or {},
        actor_id=actor.id if actor else None,
        occurred_at=now,
    )
    session.add(event)
    return event
