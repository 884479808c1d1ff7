"""The stored plan, recomputing it, its export, the tenant's planning targets, and forecast overrides."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, SessionDep
from services.order_confirm.api.reports import ExportFormat, rendered
from services.order_confirm.planning import compute, templates, views
from services.order_confirm.planning.access import OVERRIDE_WRITERS, PLANNERS, tenant_for
from services.order_confirm.planning.api.common import ERRORS, PREFIX, PlanningDay, TenantId
from services.order_confirm.planning.domain.targets import PlanningTargets, targets_from_policy, validated
from services.order_confirm.service import audit

router = APIRouter(prefix=PREFIX, tags=["planning"])


class Targets(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "first_call_share": 0.8,
                "first_call_within_minutes": 20,
                "inbound_share": 0.8,
                "inbound_within_seconds": 20,
                "shrinkage": 0.3,
                "max_occupancy": 0.85,
                "short_alert_operators": 1,
            }
        },
    )
    first_call_share: float = Field(0.8, description="Share of new orders called within the limit below")
    first_call_within_minutes: int = 20
    inbound_share: float = Field(0.8, description="Share of inbound calls answered within the limit below")
    inbound_within_seconds: int = 20
    shrinkage: float = Field(0.3, description="Share of paid time off the phones (breaks, training)")
    max_occupancy: float = Field(0.85, description="Busiest share of logged-in time an operator is planned for")
    short_alert_operators: int = Field(1, description="Floor alert when the next hour lacks more operators")


PLAN_EXAMPLE = {
    "tenant_id": 3,
    "timezone": "Europe/Moscow",
    "from": "2026-12-07",
    "days": 14,
    "inbound": {"available": False, "message": "No inbound calls are on record yet: …"},
    "run": {"id": 9, "status": "ready", "requested_at": "2026-12-06T23:00:00Z", "error": None},
    "plan": {
        "id": 9,
        "status": "ready",
        "orders": {
            "method": "holt_winters",
            "history_days": 56,
            "notes": [],
            "backtest": {"first_day": "2026-11-23", "days": 14, "wape": {"seasonal_naive": 0.21, "holt_winters": 0.12}},
        },
        "inbound": {"method": "none", "history_days": 0, "notes": ["no inbound history yet"], "backtest": None},
        "measures": {"attempts_per_order": 1.4, "outbound_aht_seconds": 150.0, "inbound_aht_seconds": 150.0},
        "notes": [],
        "overrides": [{"day": "2026-12-11", "stream": "orders", "factor": 1.4}],
    },
    "intervals": [
        {
            "starts_at": "2026-12-07T07:00:00+00:00",
            "local": "2026-12-07 10:00",
            "orders": 2.1,
            "actual_orders": 2,
            "outbound_calls": 2.9,
            "inbound_calls": 0.0,
            "agents": 1,
            "required": 2,
            "planned": 1,
            "open_shifts": 1,
            "short": 1,
            "outbound_service_level": 0.97,
            "inbound_service_level": None,
        }
    ],
}


class OverrideBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"factor": 1.4, "stream": "orders", "note": "Black Friday"}}
    )
    factor: float = Field(description="1.4 = +40 % (a promotion), 0 = closed (a holiday)")
    stream: str = Field("all", description="all | orders | inbound")
    note: str = Field("", max_length=200)


@router.get("/plan", responses={**ERRORS, 200: {"content": {"application/json": {"example": PLAN_EXAMPLE}}}})
def get_plan(
    tenant_id: TenantId,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
    first_day: Annotated[PlanningDay | None, Query(alias="from", description="First local day; default today")] = None,
    days: Annotated[int, Query(ge=1, le=31)] = 14,
) -> dict[str, Any]:
    """Per half hour: forecast, actual orders so far, required and planned operators; the runs and backtest."""
    tenant = tenant_for(session, scope, tenant_id)
    start = first_day or now.astimezone(ZoneInfo(tenant.timezone)).date()
    newest, ready = views.latest_runs(session, tenant_id)
    return {
        "tenant_id": tenant_id,
        "timezone": tenant.timezone,
        "from": start,
        "days": days,
        "inbound": views.inbound_state(session, tenant_id),
        "run": views.run_json(newest),
        "plan": None if ready is None else {**(views.run_json(ready) or {}), **ready.summary},
        "intervals": views.plan_rows(session, tenant, start, days, now),
    }


@router.get("/plan/export", response_model=None, responses=ERRORS)
def export_plan(
    tenant_id: TenantId,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
    format: ExportFormat = ExportFormat.CSV,
    first_day: Annotated[PlanningDay | None, Query(alias="from")] = None,
    days: Annotated[int, Query(ge=1, le=31)] = 14,
) -> Response:
    """The same intervals as CSV (UTF-8 with BOM) or XLSX."""
    tenant = tenant_for(session, scope, tenant_id)
    start = first_day or now.astimezone(ZoneInfo(tenant.timezone)).date()
    return rendered(views.plan_table(tenant, start, days, views.plan_rows(session, tenant, start, days, now)), format)


@router.post("/plan/recompute", status_code=202, responses=ERRORS)
def recompute_plan(tenant_id: TenantId, session: SessionDep, scope: CurrentScope, now: NowDep) -> JSONResponse:
    """Queue a computation (the scheduler runs it within a minute); a run already waiting is returned instead."""
    tenant_for(session, scope, tenant_id, PLANNERS)
    run = compute.request_run(session, tenant_id, now=now, requested_by_id=scope.operator_id)
    body = views.run_json(run) or {}
    return JSONResponse({k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in body.items()}, 202)


@router.get("/settings", response_model=Targets, responses=ERRORS)
def get_targets(tenant_id: TenantId, session: SessionDep, scope: CurrentScope) -> Targets:
    tenant = tenant_for(session, scope, tenant_id)
    return Targets(**targets_from_policy(tenant.policy).as_json())


@router.put("/settings", response_model=Targets, responses=ERRORS)
def put_targets(tenant_id: TenantId, body: Targets, session: SessionDep, scope: CurrentScope, now: NowDep) -> Targets:
    """Impossible targets (100 %, 0 s, negative shrinkage…) are a 422 naming each field and why."""
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    targets = validated(PlanningTargets(**body.model_dump()))
    before = targets_from_policy(tenant.policy).as_json()
    tenant.policy = {**(tenant.policy or {}), **targets.as_policy()}
    session.add(tenant)
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="planning.targets_changed",
        entity="tenant",
        entity_id=tenant_id,
        tenant_id=tenant_id,
        before=before,
        after=targets.as_json(),
    )
    return Targets(**targets.as_json())


@router.get("/overrides", responses=ERRORS)
def list_overrides(tenant_id: TenantId, session: SessionDep, scope: CurrentScope, now: NowDep) -> list[dict[str, Any]]:
    tenant = tenant_for(session, scope, tenant_id)
    since = now.astimezone(ZoneInfo(tenant.timezone)).date() - timedelta(days=31)
    return [row.model_dump(exclude={"tenant_id"}) for row in templates.list_overrides(session, tenant, since)]


@router.put("/overrides/{day}", responses=ERRORS)
def put_override(
    tenant_id: TenantId, day: PlanningDay, body: OverrideBody, session: SessionDep, scope: CurrentScope, now: NowDep
) -> dict[str, Any]:
    """Set one local day's factor (the shop's manager may too); the next computation uses it."""
    tenant = tenant_for(session, scope, tenant_id, OVERRIDE_WRITERS)
    today = now.astimezone(ZoneInfo(tenant.timezone)).date()
    row = templates.put_override(session, scope, tenant, day, body.stream, body.factor, body.note, now=now, today=today)
    compute.request_run(session, tenant_id, now=now, requested_by_id=scope.operator_id)
    return row.model_dump(exclude={"tenant_id"})


@router.delete("/overrides/{override_id}", status_code=204, responses=ERRORS)
def delete_override(
    tenant_id: TenantId, override_id: PathId, session: SessionDep, scope: CurrentScope, now: NowDep
) -> None:
    tenant = tenant_for(session, scope, tenant_id, OVERRIDE_WRITERS)
    templates.delete_override(session, scope, tenant, override_id, now=now)
    compute.request_run(session, tenant_id, now=now, requested_by_id=scope.operator_id)
