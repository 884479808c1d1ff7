"""Planned shifts (create, change, assign, delete, copy a week, import CSV), shift templates, adherence."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from services.order_confirm.api.deps import BodyId, CurrentScope, NowDep, PathId, SessionDep
from services.order_confirm.planning import shifts, templates, watch
from services.order_confirm.planning.access import PLANNERS, tenant_for
from services.order_confirm.planning.api.common import ERRORS, PREFIX, PlanningDay, PlanningInstant, TenantId
from services.order_confirm.planning.domain.roster import Template
from services.order_confirm.planning.domain.shifts import ShiftTimes
from services.order_confirm.planning.models import PlannedShift, ShiftTemplate

router = APIRouter(prefix=PREFIX, tags=["planning"])
CSV_EXAMPLE = "operator,date,start,end,break_start,break_minutes\nanna,2026-12-07,09:00,18:00,13:00,60\n"


class ShiftBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "operator_id": 12,
                "starts_at": "2026-12-07T09:00:00+03:00",
                "ends_at": "2026-12-07T18:00:00+03:00",
                "break_starts_at": "2026-12-07T13:00:00+03:00",
                "break_ends_at": "2026-12-07T14:00:00+03:00",
            }
        },
    )
    operator_id: BodyId | None = Field(None, description="None = an open shift nobody is assigned to yet")
    starts_at: PlanningInstant
    ends_at: PlanningInstant
    break_starts_at: PlanningInstant | None = None
    break_ends_at: PlanningInstant | None = None

    def spec(self) -> shifts.ShiftSpec:
        return shifts.ShiftSpec(
            self.operator_id, ShiftTimes(self.starts_at, self.ends_at, self.break_starts_at, self.break_ends_at)
        )


class ShiftView(BaseModel):
    id: int
    operator_id: int | None
    starts_at: datetime
    ends_at: datetime
    break_starts_at: datetime | None
    break_ends_at: datetime | None
    template_id: int | None
    roster_id: int | None
    source: str


class CopyWeek(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"from_week": "2026-12-07", "to_week": "2026-12-14"}}
    )
    from_week: PlanningDay = Field(description="Monday of the week to copy")
    to_week: PlanningDay = Field(description="Monday of the week to fill")


class TemplateBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "example": {
                "name": "Day 8h",
                "starts": ["08:00", "09:00", "10:00"],
                "length_minutes": 480,
                "break_after_minutes": 240,
                "break_minutes": 30,
            }
        },
    )
    name: str = Field(min_length=1, max_length=100)
    starts: list[time] = Field(min_length=1, max_length=48, description="Local start times on the half hour")
    length_minutes: int = Field(ge=30, le=16 * 60)
    break_after_minutes: int | None = Field(None, ge=30, le=16 * 60)
    break_minutes: int = Field(0, ge=0, le=240)


def _shift(row: PlannedShift) -> ShiftView:
    return ShiftView.model_validate(row, from_attributes=True)


def _template(row: ShiftTemplate) -> dict[str, Any]:
    return row.model_dump(exclude={"tenant_id"})


@router.get("/shifts", response_model=list[ShiftView], responses=ERRORS)
def list_shifts(
    tenant_id: TenantId,
    session: SessionDep,
    scope: CurrentScope,
    first_day: Annotated[PlanningDay, Query(alias="from")],
    days: Annotated[int, Query(ge=1, le=62)] = 7,
) -> list[ShiftView]:
    tenant = tenant_for(session, scope, tenant_id)
    return [_shift(row) for row in shifts.list_shifts(session, tenant, first_day, days)]


@router.post("/shifts", response_model=ShiftView, status_code=201, responses=ERRORS)
def create_shift(
    tenant_id: TenantId, body: ShiftBody, session: SessionDep, scope: CurrentScope, now: NowDep
) -> ShiftView:
    """An overlapping shift of the same operator (in any shop) is `422 overlapping_shift`."""
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    return _shift(shifts.create_shift(session, scope, tenant, body.spec(), now=now))


@router.put("/shifts/{shift_id}", response_model=ShiftView, responses=ERRORS)
def change_shift(
    tenant_id: TenantId, shift_id: PathId, body: ShiftBody, session: SessionDep, scope: CurrentScope, now: NowDep
) -> ShiftView:
    """Replace times and operator (assign an open shift by giving `operator_id`); idempotent."""
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    return _shift(shifts.change_shift(session, scope, tenant, shift_id, body.spec(), now=now))


@router.delete("/shifts/{shift_id}", status_code=204, responses=ERRORS)
def delete_shift(tenant_id: TenantId, shift_id: PathId, session: SessionDep, scope: CurrentScope, now: NowDep) -> None:
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    shifts.delete_shift(session, scope, tenant, shift_id, now=now)


@router.post("/shifts/copy-week", response_model=list[ShiftView], status_code=201, responses=ERRORS)
def copy_week(
    tenant_id: TenantId, body: CopyWeek, session: SessionDep, scope: CurrentScope, now: NowDep
) -> list[ShiftView]:
    """Every shift of one week again in another, same local times; one overlap refuses the whole copy."""
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    return [_shift(row) for row in shifts.copy_week(session, scope, tenant, body.from_week, body.to_week, now=now)]


@router.post(
    "/shifts/import",
    response_model=list[ShiftView],
    status_code=201,
    responses=ERRORS,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}}}},
)
def import_shifts(
    tenant_id: TenantId,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
    text: Annotated[str, Body(media_type="text/csv", max_length=1_000_000)],
) -> list[ShiftView]:
    """CSV `operator,date,start,end[,break_start,break_minutes]` in local time (an end before the start is the
    next day). All rows or none: `422 invalid_shift_import` lists every bad row."""
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    return [_shift(row) for row in shifts.import_csv(session, scope, tenant, text, now=now)]


@router.get("/templates", responses=ERRORS)
def list_templates(tenant_id: TenantId, session: SessionDep, scope: CurrentScope) -> list[dict[str, Any]]:
    tenant = tenant_for(session, scope, tenant_id)
    return [_template(row) for row in templates.list_templates(session, tenant)]


@router.post("/templates", status_code=201, responses=ERRORS)
def create_template(
    tenant_id: TenantId, body: TemplateBody, session: SessionDep, scope: CurrentScope, now: NowDep
) -> dict[str, Any]:
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    spec = Template(0, body.name, tuple(body.starts), body.length_minutes, body.break_after_minutes, body.break_minutes)
    return _template(templates.create_template(session, scope, tenant, spec, now=now))


@router.delete("/templates/{template_id}", status_code=204, responses=ERRORS)
def delete_template(
    tenant_id: TenantId, template_id: PathId, session: SessionDep, scope: CurrentScope, now: NowDep
) -> None:
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    templates.delete_template(session, scope, tenant, template_id, now=now)


@router.get("/adherence", responses=ERRORS)
def adherence(
    tenant_id: TenantId, day: Annotated[PlanningDay, Query()], session: SessionDep, scope: CurrentScope
) -> dict[str, Any]:
    """Per operator planned that local day: planned, on-shift and in-adherence minutes per interval."""
    tenant = tenant_for(session, scope, tenant_id, PLANNERS)
    starts, operators = watch.adherence_of_day(session, tenant, day)
    return {
        "day": day,
        "intervals": starts,
        "operators": [
            {
                "operator_id": item.operator.id,
                "name": item.operator.name,
                "adherence": item.adherence,
                "planned_minutes": round(sum(c.planned_seconds for c in item.cells) / 60, 1),
                "adherent_minutes": round(sum(c.adherent_seconds for c in item.cells) / 60, 1),
                "cells": [
                    {
                        "planned": round(c.planned_seconds / 60, 1),
                        "on_shift": round(c.on_shift_seconds / 60, 1),
                        "adherent": round(c.adherent_seconds / 60, 1),
                    }
                    for c in item.cells
                ],
            }
            for item in operators
        ],
    }
