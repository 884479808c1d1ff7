"""The shops a planner or a shop's manager may open in the planning page, and what they may do there."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from services.common.problems import NotFound
from services.order_confirm.api.deps import CurrentScope, SessionDep
from services.order_confirm.planning.access import OVERRIDE_WRITERS, PLANNERS, READERS
from services.order_confirm.planning.api.common import ERRORS
from services.order_confirm.service import tenancy

router = APIRouter(prefix="/api/v1/planning", tags=["planning"])


class PlanningTenant(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": 3,
                "slug": "tea-shop",
                "name": "Tea shop",
                "timezone": "Europe/Moscow",
                "can_plan": True,
                "can_override": True,
            }
        }
    )
    id: int
    slug: str
    name: str
    timezone: str
    can_plan: bool  # targets, templates, shifts, rosters, recomputing (supervisors and admins)
    can_override: bool  # forecast overrides (the shop's manager too)


@router.get("/tenants", response_model=list[PlanningTenant], responses={404: ERRORS[404]})
def planning_tenants(session: SessionDep, scope: CurrentScope) -> list[PlanningTenant]:
    if scope.role not in READERS:
        raise NotFound("Planning is for supervisors, admins and the shop's manager.")
    return [
        PlanningTenant(
            id=tenant.id or 0,
            slug=tenant.slug,
            name=tenant.name,
            timezone=tenant.timezone,
            can_plan=scope.role in PLANNERS,
            can_override=scope.role in OVERRIDE_WRITERS,
        )
        for tenant in tenancy.list_tenants(session, frozenset(scope.tenant_ids))
    ]
