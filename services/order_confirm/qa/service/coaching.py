"""Coaching: an evaluation below the tenant's threshold or with a critical failure opens a task (the
existing task machinery, kind `coaching`) in the queue of the operator's supervisor, listing the failed
criteria; without a supervisor it goes to the pool, which every supervisor of the tenant sees.

A new version (correction, upheld dispute) that no longer needs coaching cancels the open task; one that
still does keeps it; one that newly does opens one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from services.common.problems import Conflict, NotFound
from services.order_confirm.domain.vocabulary import Role, TaskKind, TaskStatus
from services.order_confirm.models import Attempt, Operator, Order, Task, Tenant
from services.order_confirm.qa.domain.policy import QaPolicy
from services.order_confirm.qa.domain.scorecard import Scorecard
from services.order_confirm.qa.domain.scoring import Score
from services.order_confirm.qa.models import QaEvaluation
from services.order_confirm.service import audit
from services.order_confirm.service.scope import Scope

PRIORITY = 40  # after a survey's supervisor follow-up (50): a customer waiting comes first
ACTOR = "system:qa"


def needs_coaching(result: Score, policy: QaPolicy) -> bool:
    return bool(result.critical_failures) or result.below(policy.coaching_threshold)


def note_of(result: Score, scorecard: Scorecard) -> str:
    def titles(keys: tuple[str, ...]) -> str:
        return "; ".join(criterion.title for key in keys if (criterion := scorecard.criterion(key)) is not None)

    text = f"QA {result.percent:g} %"
    if result.critical_failures:
        text += f" — critical: {titles(result.critical_failures)}"
    other = tuple(key for key in result.failed if key not in result.critical_failures)
    if other:
        text += f" — failed: {titles(other)}"
    if result.partly:
        text += f" — partly: {titles(result.partly)}"
    return text[:500]


def open_if_needed(
    session: Session,
    tenant: Tenant,
    evaluation: QaEvaluation,
    scorecard: Scorecard,
    result: Score,
    policy: QaPolicy,
    *,
    now: datetime,
) -> Task | None:
    if not needs_coaching(result, policy):
        return None
    attempt = session.get(Attempt, evaluation.attempt_id)
    order = session.get(Order, attempt.order_id) if attempt else None
    operator = session.get(Operator, evaluation.operator_id)
    assert order is not None and operator is not None
    task = Task(
        tenant_id=evaluation.tenant_id,
        order_id=order.id,
        customer_id=order.customer_id,
        kind=TaskKind.COACHING.value,
        status=TaskStatus.OPEN.value,
        priority=PRIORITY,
        due_at=now,
        assignee_id=operator.supervisor_id,
        note=note_of(result, scorecard),
        created_at=now,
    )
    session.add(task)
    session.flush()
    evaluation.coaching_task_id = task.id
    session.add(evaluation)
    audit.record(
        session,
        now=now,
        actor=ACTOR,
        action="task.created",
        entity="task",
        entity_id=task.id or 0,
        tenant_id=tenant.id,
        after={"kind": task.kind, "assignee_id": task.assignee_id, "evaluation_id": evaluation.id, "note": task.note},
    )
    return task


def follow_version(
    session: Session,
    tenant: Tenant,
    previous: QaEvaluation,
    current: QaEvaluation,
    scorecard: Scorecard,
    result: Score,
    policy: QaPolicy,
    *,
    now: datetime,
) -> None:
    task = session.get(Task, previous.coaching_task_id) if previous.coaching_task_id else None
    is_open = task is not None and task.status == TaskStatus.OPEN.value
    if needs_coaching(result, policy):
        if is_open and task is not None:
            current.coaching_task_id = task.id
            task.note = note_of(result, scorecard)
            session.add_all([current, task])
            return
        open_if_needed(session, tenant, current, scorecard, result, policy, now=now)
    elif is_open and task is not None:
        _close(session, ACTOR, task, TaskStatus.CANCELLED, f"Evaluation {current.id} needs no coaching", now)


def mark_done(session: Session, scope: Scope, tenant: Tenant, task_id: int, note: str, *, now: datetime) -> Task:
    """The supervisor has coached the operator (their team's task, or the pool's)."""
    task = session.get(Task, task_id, with_for_update=True)
    if task is None or task.tenant_id != tenant.id or task.kind != TaskKind.COACHING.value:
        raise NotFound(f"No coaching task {task_id}.")
    if scope.role is not Role.SUPERVISOR or task.assignee_id not in (scope.operator_id, None):
        raise NotFound(f"No coaching task {task_id}.")
    if task.status != TaskStatus.OPEN.value:
        if task.status == TaskStatus.DONE.value:
            return task  # a retried "done" changes nothing
        raise Conflict(f"Coaching task {task_id} is {task.status}.")
    return _close(session, scope.operator, task, TaskStatus.DONE, note, now)


def _close(session: Session, actor: Operator | str, task: Task, status: TaskStatus, note: str, now: datetime) -> Task:
    before = {"status": task.status}
    task.status = status.value
    task.closed_at = now
    session.add(task)
    audit.record(
        session,
        now=now,
        actor=actor,
        action=f"task.{status.value}",
        entity="task",
        entity_id=task.id or 0,
        tenant_id=task.tenant_id,
        before=before,
        after={"status": task.status, "note": note[:500]},
    )
    return task


def tasks_in_view(session: Session, scope: Scope, tenant: Tenant, status: str) -> list[dict[str, Any]]:
    """The supervisor's coaching tasks and the pool's, oldest first, each with the evaluation behind it."""
    rows = session.exec(
        select(Task, QaEvaluation)
        .join(QaEvaluation, col(QaEvaluation.coaching_task_id) == col(Task.id))
        .where(
            Task.tenant_id == tenant.id,
            Task.kind == TaskKind.COACHING.value,
            Task.status == status,
            or_(col(Task.assignee_id) == scope.operator_id, col(Task.assignee_id).is_(None)),
        )
        .order_by(col(Task.due_at), col(Task.id), col(QaEvaluation.version))
    ).all()
    latest = {task.id: (task, evaluation) for task, evaluation in rows}  # a task kept by a new version: the newest
    return [
        {
            "task_id": task.id,
            "status": task.status,
            "note": task.note,
            "due_at": task.due_at,
            "assignee_id": task.assignee_id,
            "order_id": task.order_id,
            "evaluation_id": evaluation.id,
            "operator_id": evaluation.operator_id,
            "attempt_id": evaluation.attempt_id,
            "score": None if evaluation.score_hundredths is None else evaluation.score_hundredths / 100,
            "failed": evaluation.failed,
            "critical_failures": evaluation.critical_failures,
        }
        for task, evaluation in latest.values()
    ]
