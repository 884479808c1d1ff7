"""`GET /api/v1/events`: the console's live updates as server-sent events (text/event-stream).

Authenticated like every other route (`Authorization: Bearer …`; the console reads the stream with
`fetch`, which, unlike `EventSource`, can send that header, so no token ever lands in a URL or an access
log). Events:

- `ready`   once, on connect: refetch what you show (you may have missed changes while disconnected);
- `queue`   `{"added": [...], "changed": [...], "removed": [...]}` of `{"task_id", "order_id"}`: the
            caller's queue (the same rows `GET /api/v1/queue` returns) changed;
- `floor`   `{}`: something on the supervisor's floor (`GET /api/v1/floor`) changed (supervisors, admins);
- `reauth`  the access token expired or the login ended: refresh the token and reconnect. The stream ends.

A stream also ends after `events_stream_seconds` (the client reconnects at once and gets `ready`): long-lived
connections then spread over new replicas after a deploy, and a stopping server never waits long for them.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from fastapi.security import OAuth2PasswordBearer

from services.common.db import transaction
from services.common.problems import Unauthorized
from services.order_confirm.api.deps import TOKEN_URL, RuntimeDep
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service import auth, events
from services.order_confirm.service.scope import scope_of

router = APIRouter(prefix="/api/v1", tags=["events"])
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
FLOOR_EVERY_POLLS = 3


@dataclass
class Watch:
    """What one stream last told its client."""

    token: str
    queue: dict[int, events.TaskMark] = field(default_factory=dict)
    floor: str | None = None
    polls: int = 0


def _look(runtime: OrderConfirmRuntime, watch: Watch) -> list[tuple[str, dict[str, object]]]:
    """One poll, in its own short transaction: re-check the login, then diff queue and floor."""
    now = runtime.clock()
    with transaction(runtime.engine) as session:
        operator = auth.authenticate(session, runtime.settings, token=watch.token, now=now)
        scope = scope_of(session, operator)
        marks = events.queue_marks(session, scope, now)
        # The floor summary costs far more than a queue; a supervisor's overview may lag a few seconds.
        floor_due = events.watches_floor(scope) and watch.polls % FLOOR_EVERY_POLLS == 0
        floor = events.floor_fingerprint(session, scope, now) if floor_due else watch.floor
    watch.polls += 1
    found: list[tuple[str, dict[str, object]]] = []
    if change := events.queue_change(watch.queue, marks):
        found.append(("queue", {**change.as_json()}))
    if floor != watch.floor:
        found.append(("floor", {}))
    watch.queue, watch.floor = marks, floor
    return found


def _frame(event: str, data: dict[str, object], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def _stream(request: Request, runtime: OrderConfirmRuntime, watch: Watch) -> AsyncIterator[str]:
    poll = runtime.settings.events_poll_seconds
    heartbeat = runtime.settings.events_heartbeat_seconds
    sent = 0
    yield f"retry: {int(poll * 3000)}\n" + _frame("ready", {"poll_seconds": poll})
    last_write = time.monotonic()
    ends_at = last_write + runtime.settings.events_stream_seconds
    while time.monotonic() < ends_at and not await request.is_disconnected():
        await anyio.sleep(poll)
        try:
            found = await anyio.to_thread.run_sync(_look, runtime, watch)
        except Unauthorized as ended:
            yield _frame("reauth", {"detail": ended.detail})
            return
        for event, data in found:
            sent += 1
            yield _frame(event, data, sent)
            last_write = time.monotonic()
        if time.monotonic() - last_write >= heartbeat:
            yield ": keep-alive\n\n"
            last_write = time.monotonic()


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}, 401: {}},
)
async def live_events(
    request: Request, runtime: RuntimeDep, token: Annotated[str | None, Depends(_bearer)]
) -> StreamingResponse:
    watch = Watch(token=token or "")
    # The first look authenticates (a bad token is a plain 401 before any stream starts) and records the
    # state the `ready` event stands for, so only later changes are sent.
    await anyio.to_thread.run_sync(_look, runtime, watch)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(_stream(request, runtime, watch), media_type="text/event-stream", headers=headers)
