"""The sandbox softphone protocol (contracts/http/softphone.py): the console's sandbox driver talks to this.

Only in the sandbox (404 elsewhere), only with a sandbox access token (401 otherwise); a call leg that is not
the token identity's answers 404 `softphone_call_not_found`. The calls themselves are run by the sandbox's
exchange (`telephony/sandbox/exchange.py`), which plays Twilio against notify's own signed webhooks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from contracts.http.softphone import SoftphoneCall, SoftphoneConnect, SoftphoneDigits, SoftphoneEvent
from services.common.app import runtime_of
from services.common.problems import NotFound, Unauthorized
from services.notify.api.sandbox_access import sandbox_only
from services.notify.telephony.sandbox import SOFTPHONE_PATH
from services.notify.telephony.sandbox.access import InvalidAccessToken, token_identity
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.exchange import Exchange, LegNotFound
from services.notify.telephony.sandbox.exchanges import exchange_of

KEEP_ALIVE_SECONDS = 15.0
WILL_EXPIRE_BEFORE = timedelta(seconds=60)  # as Twilio's Device warns (tokenWillExpire) before expiry

router = APIRouter(prefix=SOFTPHONE_PATH, tags=["sandbox telephony"], dependencies=[Depends(sandbox_only)])


class SoftphoneTokenRequired(Unauthorized):
    code, title = "softphone_token_required", "Send the sandbox access token from GET /api/v1/telephony/token"


class SoftphoneTokenInvalid(Unauthorized):
    code, title = "softphone_token_invalid", "The softphone access token is not valid (expired or foreign)"


class SoftphoneCallNotFound(NotFound):
    code, title = "softphone_call_not_found", "No such call on this softphone"


async def softphone_identity(request: Request) -> tuple[str, datetime]:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SoftphoneTokenRequired("Send the access token as `Authorization: Bearer <token>`.")
    credentials = await anyio.to_thread.run_sync(sandbox_credentials, runtime_of(request).engine)
    try:
        return token_identity(credentials, token.strip())
    except InvalidAccessToken as error:
        raise SoftphoneTokenInvalid(str(error)) from None


Identity = Annotated[tuple[str, datetime], Depends(softphone_identity)]
TheExchange = Annotated[Exchange, Depends(exchange_of)]


@router.get("/events", response_class=StreamingResponse)
async def softphone_events(identity: Identity, exchange: TheExchange) -> StreamingResponse:
    """text/event-stream of `SoftphoneEvent`s; while it is open, calls for the identity ring here."""
    name, expires_at = identity
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(_stream(exchange, name, expires_at), media_type="text/event-stream", headers=headers)


async def _stream(exchange: Exchange, identity: str, expires_at: datetime) -> AsyncIterator[str]:
    queue = exchange.subscribe(identity)
    warned = False
    try:
        while True:
            left = (expires_at - datetime.now(UTC)).total_seconds()
            if left <= 0:
                return  # the token is over: the driver reconnects with a fresh one
            if not warned and left <= WILL_EXPIRE_BEFORE.total_seconds():
                warned = True
                yield _frame(SoftphoneEvent(event="tokenWillExpire", expires_at=expires_at))
                continue
            wait = min(KEEP_ALIVE_SECONDS, left if warned else left - WILL_EXPIRE_BEFORE.total_seconds())
            try:
                event = await asyncio.wait_for(queue.get(), timeout=max(wait, 0.01))
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            yield _frame(event)
    finally:
        exchange.unsubscribe(identity, queue)


def _frame(event: SoftphoneEvent) -> str:
    return f"event: {event.event}\ndata: {event.model_dump_json()}\n\n"


@router.post("/calls", status_code=201)
async def softphone_connect(body: SoftphoneConnect, identity: Identity, exchange: TheExchange) -> SoftphoneCall:
    """`Device.connect({params})`: the call fetches the TwiML App's voice URL, as Twilio's would."""
    leg = await exchange.connect(identity[0], dict(body.params))
    return leg.view()


@router.post("/calls/{sid}/accept", status_code=204)
async def softphone_accept(sid: str, identity: Identity, exchange: TheExchange) -> None:
    await _on_leg(exchange.accept(identity[0], sid))


@router.post("/calls/{sid}/reject", status_code=204)
async def softphone_reject(sid: str, identity: Identity, exchange: TheExchange) -> None:
    await _on_leg(exchange.reject(identity[0], sid))


@router.post("/calls/{sid}/disconnect", status_code=204)
async def softphone_disconnect(sid: str, identity: Identity, exchange: TheExchange) -> None:
    await _on_leg(exchange.disconnect(identity[0], sid))


@router.post("/calls/{sid}/digits", status_code=204)
async def softphone_digits(sid: str, body: SoftphoneDigits, identity: Identity, exchange: TheExchange) -> None:
    await _on_leg(exchange.send_digits(identity[0], sid, body.digits))


async def _on_leg(action: Awaitable[None]) -> None:
    try:
        await action
    except LegNotFound:
        raise SoftphoneCallNotFound("No such call on this softphone.") from None
