"""Survey results from notify: stored on the attempt, the customer's timeline and the operator's ratings.

Only this consumer writes the survey columns of `attempts`; no API route can, so operators cannot touch
their own ratings. A result arrives once per attempt (notify reports each survey call exactly once, and
the inbox drops repeats); a second, different result for the same attempt is ignored and logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlmodel import Session, select

from contracts.calls import SurveyAnswered
from services.common.messaging.outbox import Outbox
from services.common.problems import NotFound
from services.order_confirm.domain.survey_outcome import supervisor_follow_up, survey_fact
from services.order_confirm.domain.vocabulary import TaskKind, TaskStatus
from services.order_confirm.models import Attempt, Customer, Operator, Order, Task, Tenant
from services.order_confirm.service import audit, outcomes, timeline

log = structlog.get_logger(__name__)
ACTOR = "system:notify"
FOLLOW_UP_PRIORITY = 50  # ahead of routine confirmations due at the same time


def record_survey_result(
    session: Session, outbox: Outbox, tenant_slug: str, result: SurveyAnswered, *, now: datetime
) -> Attempt:
    tenant = session.exec(select(Tenant).where(Tenant.slug == tenant_slug)).first()
    if tenant is None or tenant.id is None:
        raise NotFound(f"No tenant {tenant_slug!r}.")
    attempt = session.exec(
        select(Attempt).where(Attempt.id == result.attempt_id, Attempt.tenant_id == tenant.id).with_for_update()
    ).first()
    customer = session.exec(
        select(Customer).where(Customer.id == result.customer_id, Customer.tenant_id == tenant.id)
    ).first()
    if attempt is None or customer is None:
        raise NotFound(f"No attempt {result.attempt_id} / customer {result.customer_id} in tenant {tenant_slug!r}.")
    if attempt.survey_status is not None:
        log.warning("survey.result_already_recorded", attempt_id=attempt.id, status=attempt.survey_status)
        return attempt
    _store_ratings(session, attempt, result, tenant_id=tenant.id, now=now)
    if result.status != "skipped":
        details: dict[str, Any] = result.model_dump(mode="json", exclude={"finished_at"})
        timeline.add_event(
            session,
            customer,
            now=now,
            kind="survey",
            params=survey_fact(result),
            order_id=attempt.order_id,
            details=details,
        )
    if result.opted_out and not customer.survey_opt_out:
        _opt_out(session, customer, attempt, now=now)
    reason = supervisor_follow_up(result)
    if reason is not None:
        _follow_up_task(session, customer, attempt, reason, now=now)
    order = session.get(Order, attempt.order_id)
    if order is not None:
        outcomes.survey_completed(session, outbox, order, result)
    return attempt


def _store_ratings(
    session: Session, attempt: Attempt, result: SurveyAnswered, *, tenant_id: int, now: datetime
) -> None:
    before = _survey_fields(attempt)
    attempt.survey_status = result.status
    attempt.csat = result.csat
    attempt.nps = result.nps
    attempt.survey_callback_requested = result.callback_requested
    session.add(attempt)
    audit.record(
        session,
        now=now,
        actor=ACTOR,
        action="survey.recorded",
        entity="attempt",
        entity_id=attempt.id or 0,
        tenant_id=tenant_id,
        before=before,
        after=_survey_fields(attempt),
    )


def _opt_out(session: Session, customer: Customer, attempt: Attempt, *, now: datetime) -> None:
    customer.survey_opt_out = True
    customer.updated_at = now
    session.add(customer)
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="survey_opt_out",
        params={},
        order_id=attempt.order_id,
    )
    audit.record(
        session,
        now=now,
        actor=ACTOR,
        action="customer.survey_opt_out",
        entity="customer",
        entity_id=customer.id or 0,
        tenant_id=customer.tenant_id,
        before={"survey_opt_out": False},
        after={"survey_opt_out": True},
    )


def _follow_up_task(session: Session, customer: Customer, attempt: Attempt, reason: str, *, now: datetime) -> Task:
    """A task for the operator's supervisor (unassigned if the operator has none: supervisors see the pool)."""
    operator = session.get(Operator, attempt.operator_id)
    assert customer.id is not None
    task = Task(
        tenant_id=customer.tenant_id,
        order_id=attempt.order_id,
        customer_id=customer.id,
        kind=TaskKind.SUPERVISOR_FOLLOW_UP.value,
        status=TaskStatus.OPEN.value,
        priority=FOLLOW_UP_PRIORITY,
        due_at=now,
        assignee_id=operator.supervisor_id if operator else None,
        note=reason[:500],
        created_at=now,
    )
    session.add(task)
    session.flush()
    audit.record(
        session,
        now=now,
        actor=ACTOR,
        action="task.created",
        entity="task",
        entity_id=task.id or 0,
        tenant_id=customer.tenant_id,
        after={"kind": task.kind, "assignee_id": task.assignee_id, "note": task.note},
    )
    return task


def _survey_fields(attempt: Attempt) -> dict[str, Any]:
    return {
        "survey_status": attempt.survey_status,
        "csat": attempt.csat,
        "nps": attempt.nps,
        "survey_callback_requested": attempt.survey_callback_requested,
    }
