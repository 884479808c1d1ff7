"""What the console's live stream watches: a caller's queue and, for supervisors, the floor.

Each open stream polls one cheap, indexed query per interval and sends only the difference. Polling the
database (instead of a pub/sub channel fed by every writer) works unchanged with any number of API
replicas, cannot miss a change made by a worker, the shop's webhook, the ERP sync or a migration script,
and needs nothing but the database that already holds the truth.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy import select as sa_select
from sqlmodel import Session

from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Order
from services.order_confirm.service.floor import floor_of
from services.order_confirm.service.queue import queue_query
from services.order_confirm.service.scope import Scope

# The queue shows at most this many tasks; the stream watches the same window.
WATCHED_TASKS = 500

# Everything about a queued task that the console shows: a change in any of it is worth a refresh.
TaskMark = tuple[int | None, int | None, str | None, str, str, str, int | None, str | None]


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


def queue_marks(session: Session, scope: Scope, now: datetime) -> dict[int, TaskMark]:
    """The caller's queue as task id -> what the console shows of it: one query, plain rows (no ORM objects,
    since every open stream runs this every poll interval; see bench/console_events.py)."""
    tasks = queue_query(scope, now).limit(WATCHED_TASKS).subquery()
    orders: Table = Order.__table__  # type: ignore[attr-defined]
    query = sa_select(
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
    marks: dict[int, TaskMark] = {}
    for (
        task_id,
        order_id,
        version,
        status,
        kind,
        due_at,
        priority,
        lease_by,
        updated_at,
    ) in session.connection().execute(query):
        marks[int(task_id)] = (
            order_id,
            version,
            status,
            kind,
            str(due_at),
            str(priority),
            lease_by,
            str(updated_at) if updated_at is not None else None,
        )
    return marks


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


def floor_fingerprint(session: Session, scope: Scope, now: datetime) -> str:
    """A short digest of everything the floor view shows, so a stream remembers a floor by 16 bytes."""
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
    }
    encoded = json.dumps(document, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()
