"""`/api/v1/queue`: my open tasks, and claiming the next due one (a lease)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Response

from services.common.problems import NotFound
from services.order_confirm.api.deps import (
    AccessClaimsDep,
    AsyncSessionDep,
    NowDep,
    PathId,
    RuntimeDep,
    SessionDep,
    WorkerScope,
)
from services.order_confirm.api.views import QueueItem, TaskView, queue_item, task_view
from services.order_confirm.security.tokens import InvalidToken
from services.order_confirm.service import queue, queue_claim
from services.order_confirm.service.auth import LOGIN_ENDED

router = APIRouter(prefix="/api/v1/queue", tags=["queue"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=64)]


@router.get("", response_model=list[QueueItem])
def my_queue(session: SessionDep, scope: WorkerScope, now: NowDep) -> list[QueueItem]:
    return [queue_item(entry, now) for entry in queue.my_queue(session, scope, now)]


@router.post("/next", response_model=QueueItem, responses={204: {"description": "Nothing is due"}})
async def claim_next(
    session: AsyncSessionDep,
    runtime: RuntimeDep,
    claims: AccessClaimsDep,
    now: NowDep,
    idempotency_key: IdempotencyKey = None,
) -> QueueItem | Response:
    # The hot path: async end to end, one statement on PostgreSQL (service/queue_claim.py).
    lease = timedelta(seconds=runtime.settings.task_lease_seconds)
    claim = await queue_claim.claim_next(session, claims, now, lease=lease, key=idempotency_key)
    if claim.role is None:
        raise InvalidToken(LOGIN_ENDED)
    if claim.role.value not in queue_claim.WORKER_ROLES:
        raise NotFound("Not found.")  # as `WorkerScope` answers other roles
    if claim.entry is None:
        return Response(status_code=204)
    return queue_item(claim.entry, now, with_lease_key=True)


@router.post("/{task_id}/release", response_model=TaskView)
def release(session: SessionDep, scope: WorkerScope, now: NowDep, task_id: PathId) -> TaskView:
    return task_view(queue.release(session, scope, task_id, now))
