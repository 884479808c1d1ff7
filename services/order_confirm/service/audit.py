"""The audit log: who changed what, when, before -> after, under which request id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.common.logs import current_request_id
from services.order_confirm.models import AuditEntry, Operator
from services.order_confirm.service.insert_at_commit import insert_at_commit


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
    at_commit: bool = False,
) -> AuditEntry:
    """`at_commit`: written when the transaction commits (insert_at_commit.py), for hot paths that never read
    the entry back."""
    actor_id, label = actor_label(actor)
    row = entry_row(
        now=now,
        actor=label,
        action=action,
        entity=entity,
        entity_id=entity_id,
        tenant_id=tenant_id,
        before=before,
        after=after,
        request_id=current_request_id(),
    )
    entry = AuditEntry(**row, actor_id=actor_id)
    if at_commit:
        insert_at_commit(session, entry)
    else:
        session.add(entry)
    return entry


def entry_row(
    *,
    now: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | str,
    tenant_id: int | None,
    request_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A system component's entry (`actor` "system:<component>"), for a set-based INSERT of many
    (service/intake_batch.py)."""
    return {
        "tenant_id": tenant_id,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "before": before,
        "after": after,
        "request_id": request_id,
        "occurred_at": now,
    }
