"""Calibration sessions with the shop, and the kudos wall."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.order_confirm.api.deps import BodyId, CurrentScope, NowDep, PathId, SessionDep
from services.order_confirm.qa.api.bodies import EvaluationView
from services.order_confirm.qa.api.common import ERRORS, KUDOS_EXAMPLE, NOT_FOUND, PREFIX, TenantId, example
from services.order_confirm.qa.service import calibrations, evaluation_views, kudos
from services.order_confirm.qa.service.access import (
    CALIBRATION_MEMBERS,
    CALIBRATION_ORGANIZERS,
    EVERYONE,
    KUDOS_GIVERS,
    READERS,
    tenant_for,
)

router = APIRouter(prefix=PREFIX, tags=["qa"])


class CalibrationBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"attempt_id": 1042, "participants": [12, 15, 3], "title": "December, week 1"}]
        },
    )
    attempt_id: BodyId
    participants: list[BodyId] = Field(min_length=2, max_length=20, description="QA, supervisors, client managers")
    scorecard_id: BodyId | None = None
    title: str = Field("", max_length=200)


class CalibrationView(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 2,
                    "attempt_id": 1042,
                    "title": "December, week 1",
                    "scorecard_version_id": 5,
                    "created_at": "2026-12-07T08:00:00Z",
                    "participants": [
                        {"id": 12, "name": "Kira", "submitted": True},
                        {"id": 3, "name": "Masha", "submitted": True},
                    ],
                    "complete": True,
                    "spread": {
                        "scores": {"3": 80.0, "12": 87.5},
                        "total_spread_points": 7.5,
                        "goal_points": 5,
                        "within_goal": False,
                        "criteria_over_goal": ["closing"],
                        "criteria": [
                            {
                                "key": "closing",
                                "answers": {"3": "no", "12": "yes"},
                                "spread_points": 10.0,
                                "applicability_differs": False,
                            }
                        ],
                    },
                }
            ]
        }
    )
    id: int
    attempt_id: int
    title: str
    scorecard_version_id: int
    created_at: Any
    participants: list[dict[str, Any]]
    complete: bool
    spread: dict[str, Any] | None = Field(description="Shown once every participant has submitted")


class KudosBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"attempt_id": 1042, "kind": "kudos", "message": "Saved an order the customer wanted to cancel"},
                {"attempt_id": 1042, "kind": "example"},
            ]
        },
    )
    attempt_id: BodyId
    kind: Literal["kudos", "example"] = "kudos"
    message: str = Field("", max_length=1000)


@router.post("/calibrations", response_model=CalibrationView, status_code=201, responses=ERRORS)
def create_calibration(
    tenant_id: TenantId, body: CalibrationBody, session: SessionDep, scope: CurrentScope, now: NowDep
) -> CalibrationView:
    tenant = tenant_for(session, scope, tenant_id, CALIBRATION_ORGANIZERS)
    row = calibrations.create(
        session,
        scope,
        tenant,
        body.attempt_id,
        list(body.participants),
        scorecard_id=body.scorecard_id,
        title=body.title,
        now=now,
    )
    return CalibrationView.model_validate(calibrations.view(session, tenant, row))


@router.get("/calibrations", response_model=list[CalibrationView], responses=NOT_FOUND)
def list_calibrations(tenant_id: TenantId, session: SessionDep, scope: CurrentScope) -> list[CalibrationView]:
    tenant = tenant_for(session, scope, tenant_id, READERS)
    rows = calibrations.list_calibrations(session, scope, tenant)
    return [CalibrationView.model_validate(calibrations.view(session, tenant, row)) for row in rows]


@router.get("/calibrations/{calibration_id}", response_model=CalibrationView, responses=NOT_FOUND)
def get_calibration(
    tenant_id: TenantId, calibration_id: PathId, session: SessionDep, scope: CurrentScope
) -> CalibrationView:
    """Who has submitted; the spread per criterion and in total only once all have."""
    tenant = tenant_for(session, scope, tenant_id, READERS)
    row = calibrations.calibration_in_view(session, scope, tenant, calibration_id)
    return CalibrationView.model_validate(calibrations.view(session, tenant, row))


@router.post(
    "/calibrations/{calibration_id}/evaluation", response_model=EvaluationView, status_code=201, responses=ERRORS
)
def start_calibration_evaluation(
    tenant_id: TenantId,
    calibration_id: PathId,
    response: Response,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
) -> EvaluationView:
    """A participant's own evaluation (a draft: save and submit it like any evaluation); again → the same one."""
    tenant = tenant_for(session, scope, tenant_id, CALIBRATION_MEMBERS)
    row, created = calibrations.start_evaluation(session, scope, tenant, calibration_id, now=now)
    response.status_code = 201 if created else 200
    return EvaluationView.model_validate(evaluation_views.view(session, row))


@router.post(
    "/kudos",
    status_code=201,
    responses={**ERRORS, 201: {"description": "Given", "content": {"application/json": {"example": KUDOS_EXAMPLE}}}},
)
def give_kudos(
    tenant_id: TenantId, body: KudosBody, response: Response, session: SessionDep, scope: CurrentScope, now: NowDep
) -> dict[str, Any]:
    """Public praise of an operator's call, or the call marked as an example; the tenant's operators see it."""
    tenant = tenant_for(session, scope, tenant_id, KUDOS_GIVERS)
    row, created = kudos.give(session, scope, tenant, body.attempt_id, body.kind, body.message, now=now)
    response.status_code = 201 if created else 200
    return kudos.view(session, row)


@router.get("/kudos", responses={**NOT_FOUND, **example([KUDOS_EXAMPLE])})
def kudos_wall(
    tenant_id: TenantId,
    session: SessionDep,
    scope: CurrentScope,
    kind: Annotated[Literal["kudos", "example"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Newest first; every role of the tenant, operators included."""
    tenant = tenant_for(session, scope, tenant_id, EVERYONE)
    return kudos.wall(session, tenant, kind=kind, limit=limit)
