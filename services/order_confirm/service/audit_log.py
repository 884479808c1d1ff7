"""Reading the audit log: newest first, filtered, paged by id (stable while new entries arrive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from services.order_confirm.models import AuditEntry
from services.order_confirm.service.scope import Scope, visible_audit


@dataclass(frozen=True)
class AuditFilter:
    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int = 100


def entries(session: Session, scope: Scope, where: AuditFilter) -> list[AuditEntry]:
    query = select(AuditEntry).where(visible_audit(scope))
    if where.entity is not None:
        query = query.where(col(AuditEntry.entity) == where.entity)
    if where.entity_id is not None:
        query = query.where(col(AuditEntry.entity_id) == where.entity_id)
    if where.action is not None:
        query = query.where(col(AuditEntry.action) == where.action)
    if where.actor_id is not None:
        query = query.where(col(AuditEntry.actor_id) == where.actor_id)
    if where.since is not None:
        query = query.where(col(AuditEntry.occurred_at) >= where.since)
    if where.until is not None:
        query = query.where(col(AuditEntry.occurred_at) < where.until)
    if where.before_id is not None:
        query = query.where(col(AuditEntry.id) < where.before_id)
    return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(where.limit)).all())
