"""`/api/v1/queue`: my open tasks, and claiming the next due one (a lease)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Response

from services.order_confirm.api.deps import NowDep, PathId, RuntimeDep, SessionDep, WorkerScope
from services.order_confirm.api.views import QueueItem, TaskView, queue_item, task_view
from services.order_confirm.service import queue

router = APIRouter(prefix="/api/v1/queue", tags=["queue"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=64)]


@router.get("", response_model=list[QueueItem])
def my_queue(session: SessionDep, scope: WorkerScope, now: NowDep) -> list[QueueItem]:
    return [queue_item(entry, now) for entry in queue.my_queue(session, scope, now)]


@router.post("/next", response_model=QueueItem, responses={204: {"description": "Nothing is due"}})
def claim_next(
    session: SessionDep, runtime: RuntimeDep, scope: WorkerScope, now: NowDep, idempotency_key: IdempotencyKey = None
) -> QueueItem | Response:
    lease = timedelta(seconds=runtime.settings.task_lease_seconds)
    entry = queue.claim_next(session, scope, now, lease=lease, key=idempotency_key)
    if entry is None:
        return Response(status_code=204)
    return queue_item(entry, now, with_lease_key=True)


@router.post("/{task_id}/release", response_model=TaskView)
def release(session: SessionDep, scope: WorkerScope, now: NowDep, task_id: PathId) -> TaskView:
    return task_view(queue.release(session, scope, task_id, now))
