"""The operator's side (acknowledge, dispute once), resolving disputes, and the supervisors' coaching tasks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, SessionDep
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.qa.api.bodies import CoachingDone, DisputeBody, DisputeView, EvaluationView, Resolution
from services.order_confirm.qa.api.common import COACHING_EXAMPLE, ERRORS, NOT_FOUND, PREFIX, TenantId, example
from services.order_confirm.qa.service import coaching, disputes, evaluation_views
from services.order_confirm.qa.service.access import EVERYONE, RESOLVERS, tenant_for

router = APIRouter(prefix=PREFIX, tags=["qa"])
OPERATORS = frozenset({Role.OPERATOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})


@router.post("/evaluations/{evaluation_id}/acknowledge", response_model=EvaluationView, responses=ERRORS)
def acknowledge(
    tenant_id: TenantId, evaluation_id: PathId, session: SessionDep, scope: CurrentScope, now: NowDep
) -> EvaluationView:
    """The operator has read their evaluation and accepts it (then it can no longer be disputed)."""
    tenant = tenant_for(session, scope, tenant_id, OPERATORS)
    disputes.acknowledge(session, scope, tenant, evaluation_id, now=now)
    row = evaluation_views.evaluation_in_view(session, scope, tenant, evaluation_id)
    return EvaluationView.model_validate(evaluation_views.view(session, row))


@router.post("/evaluations/{evaluation_id}/dispute", response_model=DisputeView, status_code=201, responses=ERRORS)
def dispute(
    tenant_id: TenantId, evaluation_id: PathId, body: DisputeBody, session: SessionDep, scope: CurrentScope, now: NowDep
) -> DisputeView:
    """Once per evaluation, with a reason; a supervisor of the team or the quality lead decides."""
    tenant = tenant_for(session, scope, tenant_id, OPERATORS)
    found = disputes.open_dispute(session, scope, tenant, evaluation_id, body.reason, now=now)
    return DisputeView.model_validate(evaluation_views.dispute_view(found))


@router.get("/disputes", response_model=list[DisputeView], responses=NOT_FOUND)
def list_disputes(
    tenant_id: TenantId,
    session: SessionDep,
    scope: CurrentScope,
    status: Annotated[str | None, Query(pattern="^(open|upheld|rejected)$")] = None,
) -> list[DisputeView]:
    tenant = tenant_for(session, scope, tenant_id, EVERYONE)
    rows = disputes.disputes_in_view(session, scope, tenant, status)
    return [DisputeView.model_validate(evaluation_views.dispute_view(row)) for row in rows]


@router.post("/disputes/{dispute_id}/resolve", response_model=DisputeView, responses=ERRORS)
def resolve(
    tenant_id: TenantId, dispute_id: PathId, body: Resolution, session: SessionDep, scope: CurrentScope, now: NowDep
) -> DisputeView:
    """Upheld: re-scored as a new version of the evaluation (send its `answers`); rejected: it stands."""
    tenant = tenant_for(session, scope, tenant_id, RESOLVERS)
    upheld = body.outcome == "upheld"
    rescore = body.evaluation_input() if body.answers else None
    found = disputes.resolve(
        session, scope, tenant, dispute_id, upheld=upheld, resolution=body.resolution, rescore=rescore, now=now
    )
    return DisputeView.model_validate(evaluation_views.dispute_view(found))


@router.get("/coaching", responses={**NOT_FOUND, **example(COACHING_EXAMPLE)})
def coaching_tasks(
    tenant_id: TenantId,
    session: SessionDep,
    scope: CurrentScope,
    status: Annotated[str, Query(pattern="^(open|done|cancelled)$")] = "open",
) -> list[dict[str, Any]]:
    """A supervisor's coaching tasks (their own and the pool's), each with its evaluation."""
    tenant = tenant_for(session, scope, tenant_id, SUPERVISORS)
    return coaching.tasks_in_view(session, scope, tenant, status)


@router.post(
    "/coaching/{task_id}/done",
    responses={**ERRORS, **example({"task_id": 88, "status": "done", "closed_at": "2026-12-07T12:00:00Z"})},
)
def coaching_done(
    tenant_id: TenantId, task_id: PathId, body: CoachingDone, session: SessionDep, scope: CurrentScope, now: NowDep
) -> dict[str, Any]:
    tenant = tenant_for(session, scope, tenant_id, SUPERVISORS)
    task = coaching.mark_done(session, scope, tenant, task_id, body.note, now=now)
    return {"task_id": task.id, "status": task.status, "closed_at": task.closed_at}
