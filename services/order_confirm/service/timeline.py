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
from services.order_confirm.service.insert_at_commit import insert_at_commit


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
    at_commit: bool = False,
) -> TimelineEvent:
    """`at_commit`: written when the transaction commits (insert_at_commit.py), for hot paths that never read
    the event back."""
    assert customer.id is not None
    row = event_row(
        tenant_id=customer.tenant_id,
        customer_id=customer.id,
        timezone=customer.timezone,
        now=now,
        kind=kind,
        params=params,
        order_id=order_id,
        details=details,
    )
    event = TimelineEvent(**row, actor_id=actor.id if actor else None)
    if at_commit:
        insert_at_commit(session, event)
    else:
        session.add(event)
    return event


def event_row(
    *,
    tenant_id: int,
    customer_id: int,
    timezone: str,
    now: datetime,
    kind: str,
    params: dict[str, Any],
    order_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A system fact's row (no actor), for a set-based INSERT of many (service/intake_batch.py)."""
    english = render(kind, params, language="en", timezone=timezone)
    if english is None:
        raise ValueError(f"a {kind!r} timeline fact cannot be told from {sorted(params)}")
    return {
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "order_id": order_id,
        "kind": kind,
        "params": params,
        "summary": english[:500],
        "details": details or {},
        "occurred_at": now,
    }


def iso(moment: datetime | None) -> str | None:
    """A time as a fact parameter (ISO 8601)."""
    return moment.isoformat() if moment else None
