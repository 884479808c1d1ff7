"""`GET /api/v1/audit`: the audit log of the caller's tenants (supervisors, admins, the shop's manager)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from contracts.bounds import BoundedAwareDatetime
from services.order_confirm.api.deps import DB_INT_MAX, AuditReaderScope, QueryId, SessionDep
from services.order_confirm.service import audit_log

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditEntryView(BaseModel):
    id: int
    tenant_id: int | None
    actor_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    occurred_at: datetime


@router.get("", response_model=list[AuditEntryView])
def list_audit(
    session: SessionDep,
    scope: AuditReaderScope,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    actor_id: QueryId | None = None,
    since: BoundedAwareDatetime | None = None,
    until: BoundedAwareDatetime | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=DB_INT_MAX, description="Page: entries older than this id")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEntryView]:
    where = audit_log.AuditFilter(entity, entity_id, action, actor_id, since, until, before_id, limit)
    return [AuditEntryView.model_validate(e, from_attributes=True) for e in audit_log.entries(session, scope, where)]
