"""`/api/v1/cover-rules`: who covers whom while an owner is off shift (supervisors)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from services.order_confirm.api.deps import BodyId, NowDep, PathId, SessionDep, SupervisorScope
from services.order_confirm.models import CoverRule
from services.order_confirm.service import cover

router = APIRouter(prefix="/api/v1/cover-rules", tags=["cover"])


class CoverRuleView(BaseModel):
    id: int
    tenant_id: int
    owner_id: int
    cover_id: int
    created_by_id: int | None
    created_at: datetime


class CoverRuleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tenant_id: BodyId
    owner_id: BodyId
    cover_id: BodyId


def _view(rule: CoverRule) -> CoverRuleView:
    return CoverRuleView.model_validate(rule, from_attributes=True)


@router.get("", response_model=list[CoverRuleView])
def list_rules(session: SessionDep, scope: SupervisorScope) -> list[CoverRuleView]:
    return [_view(rule) for rule in cover.list_rules(session, scope)]


@router.put("", response_model=CoverRuleView)
def set_rule(session: SessionDep, scope: SupervisorScope, now: NowDep, body: CoverRuleRequest) -> CoverRuleView:
    rule = cover.set_rule(
        session, scope, tenant_id=body.tenant_id, owner_id=body.owner_id, cover_id=body.cover_id, now=now
    )
    return _view(rule)


@router.delete("/{rule_id}", status_code=204, response_class=Response)
def delete_rule(session: SessionDep, scope: SupervisorScope, now: NowDep, rule_id: PathId) -> Response:
    cover.delete_rule(session, scope, rule_id, now=now)
    return Response(status_code=204)
