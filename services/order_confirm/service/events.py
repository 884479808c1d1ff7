"""What the console's live stream watches: a caller's queue and, for supervisors, the floor.

A stream reads these only when a wake-up says something it shows changed (services/order_confirm/streams),
and sends the client only the difference from what it last read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, Table, bindparam, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from services.order_confirm.domain.vocabulary import Role, TaskStatus
from services.order_confirm.models import Order, Task
from services.order_confirm.service.floor import floor_of
from services.order_confirm.service.queue import queue_query
from services.order_confirm.service.scope import Scope, visible_tasks
from services.order_confirm.telephony.floor import phone_floor

# The queue shows at most this many tasks; the stream watches the same window.
WATCHED_TASKS = 500

# Everything about a queued task that the console shows (order id, version, order status, kind, due, priority,
# lease holder, order updated): a change in any of it is worth a refresh. Values as the driver returns them.
TaskMark = tuple[Any, ...]
# The moment a queue is read at: `queue_marks_query(scope, NOW)` builds a statement a stream keeps and runs with
# `{"now": ...}` on every read, so only the first read of a scope pays for building it.
NOW: BindParameter[datetime] = bindparam("now")


@dataclass(frozen=True)
class QueueChange:
    """Order (or, for order-less tasks, task) ids that entered, changed in or left the caller's queue."""

    added: list[dict[str, int | None]] = field(default_factory=list)
    changed: list[dict[str, int | None]] = field(default_factory=list)
    removed: list[dict[str, int | None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def as_json(self) -> dict[str, list[dict[str, int | None]]]:
        return {"added": self.added, "changed": self.changed, "removed": self.removed}


def queue_marks_query(scope: Scope, now: datetime | BindParameter[datetime]) -> Select[Any]:
    """The caller's queue as compact rows: what `GET /api/v1/queue` shows of each task and its order (task id
    first, then its `TaskMark`)."""
    tasks = queue_query(scope, now).limit(WATCHED_TASKS).subquery()
    orders: Table = Order.__table__  # type: ignore[attr-defined]
    return sa_select(
        tasks.c.id,
        tasks.c.order_id,
        orders.c.version,
        orders.c.status,
        tasks.c.kind,
        tasks.c.due_at,
        tasks.c.priority,
        tasks.c.lease_operator_id,
        orders.c.updated_at,
    ).outerjoin(orders, orders.c.id == tasks.c.order_id)


def marks_of(rows: Iterable[Any]) -> dict[int, TaskMark]:
    """Task id -> what the console shows of it: plain rows, no ORM objects, no conversions (every woken stream
    runs this; two reads through the same driver compare equal exactly when nothing shown changed)."""
    return {int(row[0]): tuple(row[1:]) for row in rows}


def queue_marks(session: Session, scope: Scope, now: datetime) -> dict[int, TaskMark]:
    return marks_of(session.connection().execute(queue_marks_query(scope, now)))


def queue_change(before: dict[int, TaskMark], after: dict[int, TaskMark]) -> QueueChange:
    def ref(task_id: int, mark: TaskMark) -> dict[str, int | None]:
        return {"task_id": task_id, "order_id": mark[0]}

    return QueueChange(
        added=[ref(task_id, mark) for task_id, mark in after.items() if task_id not in before],
        changed=[
            ref(task_id, mark) for task_id, mark in after.items() if task_id in before and before[task_id] != mark
        ],
        removed=[ref(task_id, mark) for task_id, mark in before.items() if task_id not in after],
    )


def watches_floor(scope: Scope) -> bool:
    return scope.role in (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class FloorMark:
    """A floor remembered by 16 bytes, the operators it shows (their changes wake it), and the next moment it
    changes by itself (a task falls due, a call's lease runs out), when nothing is written at all."""

    digest: str
    team: frozenset[int]
    changes_at: datetime | None


def floor_mark(session: Session, scope: Scope, now: datetime) -> FloorMark:
    state = floor_of(session, scope, now)
    document: dict[str, object] = {
        "operators": [
            (load.operator.id, load.operator.status, load.active_customers, load.open_tasks, load.due_tasks)
            + (load.in_call_order_id, tuple(load.tenant_ids))
            for load in state.operators
        ],
        "tenants": [
            (queue.tenant.id, queue.open_tasks, queue.due_tasks, queue.unassigned_customers)
            + (queue.oldest_waiting_order_id,)
            for queue in state.tenants
        ],
        "pool": [[entry.customer.id, entry.open_orders] for entry in state.pool],
        "covers": [[rule.id, rule.owner_id, rule.cover_id] for rule in state.covers],
        # The live phone (callers waiting, who talks); the longest wait grows by itself and is left out.
        "phone": [
            (phone.tenant_id, phone.waiting, phone.oldest_waiting_since)
            + tuple((talk.operator_id, talk.call_id, talk.on_hold) for talk in phone.talking)
            for phone in phone_floor(session, scope, now)
        ],
    }
    encoded = json.dumps(document, sort_keys=True, default=str, separators=(",", ":")).encode()
    team = frozenset(load.operator.id for load in state.operators if load.operator.id is not None)
    return FloorMark(
        hashlib.blake2b(encoded, digest_size=16).hexdigest(),
        team | {scope.operator_id},
        _next_change(session, scope, now),
    )


def _next_change(session: Session, scope: Scope, now: datetime) -> datetime | None:
    later = sa_select(
        func.min(case((col(Task.due_at) > now, col(Task.due_at)))),
        func.min(case((col(Task.lease_expires_at) > now, col(Task.lease_expires_at)))),
    ).where(col(Task.status) == TaskStatus.OPEN.value, visible_tasks(scope))
    due, lease_ends = session.connection().execute(later).one()
    moments = [moment for moment in (due, lease_ends) if moment is not None]
    return min(moments) if moments else None
