"""The audit log: who changed what, when, before -> after, under which request id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.common.logs import current_request_id
from services.order_confirm.models import AuditEntry, Operator


def actor_label(actor: Operator | str) -> tuple[int | None, str]:
    """An operator, or a system component written as "system:<component>"."""
    if isinstance(actor, Operator):
        return actor.id, actor.login
    return None, actor


def record(
    session: Session,
    *,
    now: datetime,
    actor: Operator | str,
    action: str,
    entity: str,
    entity_id: int | str,
    tenant_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    actor_id, label = actor_label(actor)
    entry = AuditEntry(
        tenant_id=tenant_id,
        actor_id=actor_id,
        actor=label,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        request_id=current_request_id(),
        occurred_at=now,
    )
    session.add(entry)
    return entry
