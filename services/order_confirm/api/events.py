"""`GET /api/v1/events`: the console's live updates as server-sent events (text/event-stream).

Authenticated like every other route (`Authorization: Bearer …`; the console reads the stream with
`fetch`, which, unlike `EventSource`, can send that header, so no token ever lands in a URL or an access
log). Events:

- `ready`   once, on connect: refetch what you show (you may have missed changes while disconnected);
            `{"call": …}` is the caller's current call as `call` describes it (null: none), so the softphone
            bar resyncs;
- `queue`   `{"added": [...], "changed": [...], "removed": [...]}` of `{"task_id", "order_id"}`: the
            caller's queue (the same rows `GET /api/v1/queue` returns) changed;
- `call`    `{"call": {"call_id", "direction", "line", "state", "on_hold", "answered_at", "ended_at",
            "order_id", "customer_id"} | null}`: the caller's own current call changed (notify's call facts):
            a new call, ringing, answered (the talk timer runs from `answered_at`), on hold or back, over
            (`state` "ended", once; then null or the next call). Only ever the caller's own calls;
- `floor`   `{}`: something on the supervisor's floor (`GET /api/v1/floor`) changed (supervisors, admins);
- `reauth`  the access token expired or the login ended: refresh the token and reconnect. The stream ends.

A stream reads the database only when a committed change concerns it (services/order_confirm/streams), so
an idle stream costs no SQL. It also ends after `events_stream_seconds` (the client reconnects at once and
gets `ready`): long-lived connections then spread over new replicas after a deploy, and a stopping server
never waits long for them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from fastapi.security import OAuth2PasswordBearer

from services.order_confirm.api.deps import TOKEN_URL, NowDep, RuntimeDep
from services.order_confirm.service import auth
from services.order_confirm.streams import watch, wire
from services.order_confirm.streams.hub import hub_for
from services.order_confirm.streams.stream import Stream

router = APIRouter(prefix="/api/v1", tags=["events"])
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}, 401: {}},
)
async def live_events(
    runtime: RuntimeDep, now: NowDep, token: Annotated[str | None, Depends(_bearer)]
) -> StreamingResponse:
    claims = auth.access_claims(runtime.settings, token=token, now=now)
    channel = watch.channel_for(runtime.engine) or wire(runtime.engine, runtime.settings)
    reads_at_once = max(1, runtime.settings.db_async_pool_size // 2)
    stream = Stream(runtime, hub_for(channel, reads_at_once=reads_at_once), claims)
    try:
        await stream.first_read()
    except BaseException:
        stream.close()
        raise
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream.events(), media_type="text/event-stream", headers=headers)
