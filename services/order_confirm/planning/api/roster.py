"""Roster proposals (OR-Tools) for a period of the stored plan, and accepting one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, RuntimeDep, SessionDep
from services.order_confirm.planning import roster
from services.order_confirm.planning.access import PLANNERS, tenant_for
from services.order_confirm.planning.api.common import ERRORS, PREFIX, PlanningDay, TenantId
from services.order_confirm.planning.models import RosterProposal

router = APIRouter(prefix=PREFIX, tags=["planning"])


class ProposalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"first_day": "2026-12-07", "days": 14}})
    first_day: PlanningDay
    days: int = Field(14, ge=1, le=28)


def _view(row: RosterProposal) -> dict[str, Any]:
    return row.model_dump(exclude={"tenant_id"})


@router.get("/rosters", responses=ERRORS)
def list_rosters(tenant_id: TenantId, session: SessionDep, scope: CurrentScope) -> list[dict[str, Any]]:
    tenant = tenant_for(session, scope, tenant_id)
    return [_view(row) for row in roster.list_rosters(session, tenant)]


@router.post("/rosters", status_code=201, responses=ERRORS)
def propose(
    tenant_id: TenantId,
    body: ProposalRequest,
    runtime: RuntimeDep,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
) -> dict[str, Any]:
    """How many operators start on each template each day to cover the required operators with the least
    over-staffing (bounded by OKNO_ORDER_CONFIRM_ROSTER_TIME_LIMIT_SECONDS)."""
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    limit = runtime.settings.roster_time_limit_seconds
    return _view(roster.propose_roster(session, scope, tenant, body.first_day, body.days, now=now, time_limit=limit))


@router.post("/rosters/{roster_id}/accept", status_code=201, responses=ERRORS)
def accept(
    tenant_id: TenantId, roster_id: PathId, session: SessionDep, scope: CurrentScope, now: NowDep
) -> dict[str, Any]:
    """Creates the proposed shifts as open shifts; assign people with PUT …/shifts/{id}."""
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    created = roster.accept_roster(session, scope, tenant, roster_id, now=now)
    return {"roster_id": roster_id, "shifts": [s.id for s in created]}
