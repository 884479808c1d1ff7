"""The customer's timeline: what the next shift reads instead of a hand-over.

Each line is stored as a fact — `kind` and `params` (domain/timeline_text.py lists them) — and told in the
reader's language when read (`GET /api/v1/customers/{id}` renders it for Accept-Language). `summary` keeps
the English line for whoever reads the table directly; the API never shows it in place of a fact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.order_confirm.domain.timeline_text import render
from services.order_confirm.models import Customer, Operator, TimelineEvent


def add_event(
    session: Session,
    customer: Customer,
    *,
    now: datetime,
    kind: str,
    params: dict[str, Any],
    order_id: int | None = None,
    actor: Operator | None = None,
    details: dict[str, Any] | None = None,
) -> TimelineEvent:
    assert customer.id is not None
    english = render(kind, params, language="en", timezone=customer.timezone)
    if english is None:
        raise ValueError(f"a {kind!r} timeline fact cannot be told from {sorted(params)}")
    event = TimelineEvent(
        tenant_id=customer.tenant_id,
        customer_id=customer.id,
        order_id=order_id,
        kind=kind,
        params=params,
        summary=english[:500],
        details=details or {},
        actor_id=actor.id if actor else None,
        occurred_at=now,
    )
    session.add(event)
    return event


def iso(moment: datetime | None) -> str | None:
    """A time as a fact parameter (ISO 8601)."""
    return moment.isoformat() if moment else None
