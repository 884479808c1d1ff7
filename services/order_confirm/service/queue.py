"""An operator's queue of open tasks and the leases that keep two tabs (or a cover) off the same task.

A claim leases the next due task to the caller for `task_lease_seconds`; an abandoned lease simply
expires, so there is nothing to clean up. On PostgreSQL concurrent claims skip each other's locked rows;
SQLite serializes writers anyway (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from services.common.problems import Conflict, NotFound
from services.order_confirm.domain.vocabulary import TaskStatus
from services.order_confirm.models import Customer, Order, Task
from services.order_confirm.service.scope import Scope, my_tasks


class TaskLeased(Conflict):
    code, title = "task_leased", "Another operator is working on this task"


@dataclass(frozen=True)
class QueueEntry:
    task: Task
    order: Order | None
    customer: Customer


def lease_is_free(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return or_(col(Task.lease_operator_id).is_(None), col(Task.lease_expires_at) <= now)


def queue_query(scope: Scope, now: datetime | ColumnElement[datetime]) -> SelectOfScalar[Task]:
    """The caller's open tasks: due ones first, then by priority, then by due time. Reused by the live
    queue stream of the console, so both always agree (a stream passes `now` as a bound parameter)."""
    is_due = case((col(Task.due_at) <= now, 0), else_=1)
    return (
        select(Task)
        .where(my_tasks(scope), col(Task.status) == TaskStatus.OPEN.value)
        .order_by(is_due, col(Task.priority).desc(), col(Task.due_at), col(Task.id))
    )


def my_queue(session: Session, scope: Scope, now: datetime, *, limit: int = 200) -> list[QueueEntry]:
    tasks = list(session.exec(queue_query(scope, now).limit(limit)).all())
    return _entries(session, tasks)


def _entries(session: Session, tasks: list[Task]) -> list[QueueEntry]:
    orders = {o.id: o for o in session.exec(select(Order).where(col(Order.id).in_({t.order_id for t in tasks})))}
    customers = {
        c.id: c for c in session.exec(select(Customer).where(col(Customer.id).in_({t.customer_id for t in tasks})))
    }
    return [QueueEntry(task, orders.get(task.order_id), customers[task.customer_id]) for task in tasks]


def claim_next(
    session: Session, scope: Scope, now: datetime, *, lease: timedelta, key: str | None = None
) -> QueueEntry | None:
    """Lease the caller's next due task; None when nothing is due. A retried claim with the same `key`
    returns the task it already leased."""
    if key:
        held = session.exec(
            select(Task).where(
                my_tasks(scope),
                col(Task.lease_operator_id) == scope.operator_id,
                col(Task.lease_key) == key,
                col(Task.lease_expires_at) > now,
                col(Task.status) == TaskStatus.OPEN.value,
            )
        ).first()
        if held is not None:
            return _entries(session, [held])[0]
    query = (
        queue_query(scope, now)
        .where(col(Task.due_at) <= now, lease_is_free(now))
        .limit(1)
        .with_for_update(skip_locked=True, of=Task)
    )
    task = session.exec(query).first()
    if task is None:
        return None
    task.lease_operator_id = scope.operator_id
    task.lease_expires_at = now + lease
    task.lease_key = key or secrets.token_hex(8)
    session.add(task)
    session.flush()
    return _entries(session, [task])[0]


def release(session: Session, scope: Scope, task_id: int, now: datetime) -> Task:
    """Give a claimed task back to the queue (the operator stepped away from it)."""
    task = session.exec(select(Task).where(col(Task.id) == task_id, my_tasks(scope)).with_for_update()).first()
    if task is None or task.assignee_id != scope.operator_id:
        raise NotFound(f"No task {task_id} in your queue.")
    if task.lease_operator_id == scope.operator_id:
        task.lease_operator_id = None
        task.lease_expires_at = None
        task.lease_key = None
        session.add(task)
    return task


def open_task_of(session: Session, order: Order) -> Task | None:
    query = (
        select(Task)
        .where(col(Task.order_id) == order.id, col(Task.status) == TaskStatus.OPEN.value)
        .order_by(col(Task.due_at))
        .with_for_update()
    )
    return session.exec(query).first()


def take_lease(session: Session, scope: Scope, order: Order, now: datetime, lease: timedelta) -> Task | None:
    """The order's open task, leased to the caller (renewed if they hold it); 409 while another holds it."""
    task = open_task_of(session, order)
    if task is None:
        return None
    leased_by_other = (
        task.lease_operator_id not in (None, scope.operator_id)
        and task.lease_expires_at is not None
        and task.lease_expires_at > now
    )
    if leased_by_other:
        raise TaskLeased(
            "Another operator has claimed this order's task; it frees up when their lease expires.",
            lease_expires_at=task.lease_expires_at.isoformat() if task.lease_expires_at else None,
        )
    task.lease_operator_id = scope.operator_id
    task.lease_expires_at = now + lease
    session.add(task)
    return task


def close_open_tasks(session: Session, order: Order, now: datetime, *, status: TaskStatus = TaskStatus.DONE) -> None:
    for task in session.exec(
        select(Task).where(col(Task.order_id) == order.id, col(Task.status) == TaskStatus.OPEN.value)
    ):
        task.status = status.value
        task.closed_at = now
        task.lease_operator_id = None
        task.lease_expires_at = None
        session.add(task)
