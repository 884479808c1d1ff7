"""Evaluations: start, save the draft, submit, read, correct (a new version)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from contracts.bounds import BoundedAwareDatetime
from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, QueryId, SessionDep
from services.order_confirm.qa.api.bodies import Correction, DraftSave, EvaluationStart, EvaluationView, Submit
from services.order_confirm.qa.api.common import ERRORS, NOT_FOUND, PREFIX, TenantId
from services.order_confirm.qa.service import corrections, evaluation_views, evaluations
from services.order_confirm.qa.service.access import EVALUATORS, EVERYONE, tenant_for

router = APIRouter(prefix=PREFIX, tags=["qa"])


@router.post("/evaluations", response_model=EvaluationView, status_code=201, responses=ERRORS)
def start_evaluation(
    tenant_id: TenantId,
    body: EvaluationStart,
    response: Response,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
) -> EvaluationView:
    """Your evaluation of a conversation on the current version of the scorecard (201); if you have one
    already, that one (200), so a retried start makes no second evaluation."""
    tenant = tenant_for(session, scope, tenant_id, EVALUATORS)
    row, created = evaluations.start(
        session, scope.operator, tenant, body.attempt_id, scorecard_id=body.scorecard_id, now=now
    )
    response.status_code = 201 if created else 200
    return EvaluationView.model_validate(evaluation_views.view(session, row))


@router.get("/evaluations", response_model=list[EvaluationView], responses=NOT_FOUND)
def list_evaluations(
    tenant_id: TenantId,
    session: SessionDep,
    scope: CurrentScope,
    operator_id: QueryId | None = None,
    attempt_id: QueryId | None = None,
    status: Annotated[str | None, Query(pattern="^(draft|submitted)$")] = None,
    submitted_from: BoundedAwareDatetime | None = None,
    submitted_before: BoundedAwareDatetime | None = None,
    include_superseded: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[EvaluationView]:
    """Newest first. Operators get their own submitted evaluations; drafts are their evaluator's alone."""
    tenant = tenant_for(session, scope, tenant_id, EVERYONE)
    where = evaluation_views.EvaluationFilter(
        operator_id, attempt_id, status, submitted_from, submitted_before, include_superseded, limit, offset
    )
    rows = evaluation_views.list_evaluations(session, scope, tenant, where)
    return [EvaluationView.model_validate(evaluation_views.view(session, row)) for row in rows]


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationView, responses=NOT_FOUND)
def get_evaluation(
    tenant_id: TenantId, evaluation_id: PathId, session: SessionDep, scope: CurrentScope
) -> EvaluationView:
    tenant = tenant_for(session, scope, tenant_id, EVERYONE)
    row = evaluation_views.evaluation_in_view(session, scope, tenant, evaluation_id)
    return EvaluationView.model_validate(evaluation_views.view(session, row))


@router.put("/evaluations/{evaluation_id}", response_model=EvaluationView, responses=ERRORS)
def save_draft(
    tenant_id: TenantId, evaluation_id: PathId, body: DraftSave, session: SessionDep, scope: CurrentScope, now: NowDep
) -> EvaluationView:
    """Replace your draft's answers and comments (each answer must be one its criterion allows → else 422)."""
    tenant = tenant_for(session, scope, tenant_id, EVERYONE)
    row = evaluations.save_draft(
        session, scope.operator, tenant, evaluation_id, body.evaluation_input(), revision=body.revision, now=now
    )
    return EvaluationView.model_validate(evaluation_views.view(session, row))


@router.post("/evaluations/{evaluation_id}/submit", response_model=EvaluationView, responses=ERRORS)
def submit(
    tenant_id: TenantId, evaluation_id: PathId, body: Submit, session: SessionDep, scope: CurrentScope, now: NowDep
) -> EvaluationView:
    """The server scores it (weights, N/A excluded, a critical "no" = 0), makes it final and audits it; below
    the tenant's threshold or with a critical failure, a coaching task goes to the operator's supervisor."""
    tenant = tenant_for(session, scope, tenant_id, EVERYONE)
    row = evaluations.submit(session, scope.operator, tenant, evaluation_id, revision=body.revision, now=now)
    return EvaluationView.model_validate(evaluation_views.view(session, row))


@router.post(
    "/evaluations/{evaluation_id}/corrections", response_model=EvaluationView, status_code=201, responses=ERRORS
)
def correct(
    tenant_id: TenantId, evaluation_id: PathId, body: Correction, session: SessionDep, scope: CurrentScope, now: NowDep
) -> EvaluationView:
    """A new, submitted version of a submitted evaluation (the old one stays as it was)."""
    tenant = tenant_for(session, scope, tenant_id, EVALUATORS)
    row = corrections.correct(
        session, scope.operator, tenant, evaluation_id, body.evaluation_input(), reason=body.reason, now=now
    )
    return EvaluationView.model_validate(evaluation_views.view(session, row))
