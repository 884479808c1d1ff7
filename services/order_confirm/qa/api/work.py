"""The weekly QA work queue and a conversation in its order's context."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from contracts.bounds import BoundedDate
from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, QueryId, ReaderLanguage, SessionDep
from services.order_confirm.qa.api.common import CONVERSATION_EXAMPLE, ERRORS, NOT_FOUND, PREFIX, TenantId, example
from services.order_confirm.qa.service import conversations, work_queue
from services.order_confirm.qa.service.access import EVERYONE, QUEUE_READERS, operators_visible, tenant_for
from services.order_confirm.qa.service.tenant_settings import qa_settings

router = APIRouter(prefix=PREFIX, tags=["qa"])


class WorkQueueView(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "week": "2026-11-30",
                    "label": "2026-W49",
                    "starts_at": "2026-11-29T21:00:00Z",
                    "ends_at": "2026-12-06T21:00:00Z",
                    "drawn_at": "2026-12-07T07:10:00Z",
                    "per_operator": 5,
                    "plan": [
                        {"operator": {"id": 7, "name": "Anna"}, "planned": 5, "sample_evaluated": 2, "flagged": 3}
                    ],
                    "items": [
                        {
                            "attempt_id": 1042,
                            "operator": {"id": 7, "name": "Anna"},
                            "started_at": "2026-12-02T08:00:00Z",
                            "outcome": "confirmed",
                            "talk_seconds": 900,
                            "reasons": [
                                {"kind": "sample"},
                                {
                                    "kind": "long_call",
                                    "detail": {"talk_seconds": 900, "median_seconds": 122.5, "factor": 2.0},
                                },
                            ],
                            "state": "to_do",
                            "evaluations": [],
                        }
                    ],
                }
            ]
        }
    )
    week: date
    label: str
    starts_at: Any
    ends_at: Any
    drawn_at: Any
    per_operator: int
    plan: list[dict[str, Any]]
    items: list[dict[str, Any]]


@router.get("/queue", response_model=WorkQueueView, responses=ERRORS)
def get_work_queue(
    tenant_id: TenantId,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
    week: Annotated[BoundedDate | None, Query(description="The week's Monday (local); default: last week")] = None,
    operator_id: QueryId | None = None,
) -> WorkQueueView:
    """The week's random sample per operator (drawn once, seeded, spread over days and outcomes) and the
    flagged conversations (detractors, callback requests, cancellations, long calls), each with its reasons.
    Supervisors see their team's."""
    tenant = tenant_for(session, scope, tenant_id, QUEUE_READERS)
    the_week = work_queue.the_week(tenant, week, now)
    queue = work_queue.work_queue(session, tenant, the_week, qa_settings(tenant), now=now)
    visible = operators_visible(session, scope)
    if operator_id is not None:
        visible = {operator_id} if visible is None or operator_id in visible else set()
    return WorkQueueView(
        week=the_week.monday,
        label=the_week.label,
        starts_at=the_week.start,
        ends_at=the_week.end,
        drawn_at=queue.drawn.drawn_at,
        per_operator=queue.drawn.per_operator,
        plan=work_queue.plan_rows(session, queue, visible),
        items=work_queue.queue_rows(session, queue, visible),
    )


@router.get("/conversations/{attempt_id}", responses={**NOT_FOUND, **example(CONVERSATION_EXAMPLE)})
def get_conversation(
    tenant_id: TenantId, attempt_id: PathId, session: SessionDep, scope: CurrentScope, language: ReaderLanguage
) -> dict[str, Any]:
    """The call (outcome, reason, comment, times, survey), its order, the order's timeline and notes, and
    the recording where telephony made one; the customer appears by name only."""
    tenant = tenant_for(session, scope, tenant_id, EVERYONE)
    attempt = conversations.conversation_in_view(session, scope, tenant, attempt_id)
    return conversations.conversation_view(session, attempt, language=language)
