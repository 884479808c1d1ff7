"""The simulator's customer phone for calls with operators: dial the shop, answer Okno's calls, keys, hang up.

Sandbox only, with a sandbox ticket of the tenant: the page sees and steers only phone legs of that tenant
(a number of another tenant, or another tenant's leg, answers 404). The exchange runs every step as the very
same signed webhooks Twilio would send (`telephony/sandbox/exchange.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from services.common.app import runtime_of
from services.common.problems import NotFound
from services.notify.api.sandbox_access import Viewer, sandbox_only
from services.notify.telephony.sandbox.exchange import Exchange, LegNotFound
from services.notify.telephony.sandbox.exchanges import exchange_of, tenant_numbers
from services.notify.telephony.sandbox.legs import Leg

router = APIRouter(prefix="/simulator/phone", tags=["sandbox telephony"], dependencies=[Depends(sandbox_only)])
TheExchange = Annotated[Exchange, Depends(exchange_of)]
E164 = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")]


class ShopNumberNotFound(NotFound):
    code, title = "shop_number_not_found", "That number is not one of this shop's telephony numbers"


class PhoneCallNotFound(NotFound):
    code, title = "phone_call_not_found", "No such call on the simulated phone"


class DialBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    caller: E164  # the customer's number the shop sees
    shop_number: E164


class DeclineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_status: Literal["busy", "no-answer", "failed"] = "busy"


class KeysBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    digits: str = Field(min_length=0, max_length=20, pattern=r"^[0-9*#]*$")


class PhoneLeg(BaseModel):
    sid: str
    direction: Literal["incoming", "outgoing"]  # incoming: Okno calls the customer; outgoing: they dialled the shop
    from_number: str
    to_number: str
    status: str
    heard: list[str]
    awaiting_keys: bool  # a <Gather> listens
    gather_timeout: int | None
    num_digits: int | None
    finish_on_key: str | None
    goes_on: bool  # silence (or the music's end) moves the call on
    connected: bool


def _view(leg: Leg, exchange: Exchange) -> PhoneLeg:
    gather = leg.gather
    peer = exchange.legs.get(leg.child or leg.parent or "")
    return PhoneLeg(
        sid=leg.sid,
        direction=leg.direction,
        from_number=leg.from_number,
        to_number=leg.to_number,
        status=leg.status,
        heard=list(leg.heard),
        awaiting_keys=gather is not None,
        gather_timeout=gather.timeout if gather else None,
        num_digits=gather.num_digits if gather else None,
        finish_on_key=gather.finish_on_key if gather else None,
        goes_on=bool(leg.pending) and leg.dial is None and leg.queue is None and not leg.over,
        connected=leg.status == "in-progress" and peer is not None and peer.status == "in-progress",
    )


@router.get("/numbers")
async def shop_numbers(request: Request, viewer: Viewer) -> list[str]:
    """The numbers a customer of the ticket's tenant can dial (the first is the shop's caller ID)."""
    return await anyio.to_thread.run_sync(tenant_numbers, runtime_of(request).engine, viewer.tenant)


@router.get("/calls")
async def phone_calls(viewer: Viewer, exchange: TheExchange) -> list[PhoneLeg]:
    legs = [leg for leg in exchange.legs.values() if leg.holder == "phone" and leg.tenant == viewer.tenant]
    return [_view(leg, exchange) for leg in sorted(legs, key=lambda leg: leg.created, reverse=True)[:20]]


@router.post("/calls", status_code=201)
async def dial_the_shop(body: DialBody, viewer: Viewer, exchange: TheExchange) -> PhoneLeg:
    if await exchange.number_tenant(body.shop_number) != viewer.tenant:
        raise ShopNumberNotFound("Dial one of the numbers in the shop's telephony settings.")
    return _view(await exchange.dial_in(viewer.tenant, body.caller, body.shop_number), exchange)


@router.post("/calls/{sid}/answer")
async def answer(sid: str, viewer: Viewer, exchange: TheExchange) -> PhoneLeg:
    return await _step(exchange, viewer.tenant, sid, exchange.answer_phone(viewer.tenant, sid))


@router.post("/calls/{sid}/decline")
async def decline(sid: str, body: DeclineBody, viewer: Viewer, exchange: TheExchange) -> PhoneLeg:
    return await _step(exchange, viewer.tenant, sid, exchange.decline_phone(viewer.tenant, sid, body.call_status))


@router.post("/calls/{sid}/keys")
async def press_keys(sid: str, body: KeysBody, viewer: Viewer, exchange: TheExchange) -> PhoneLeg:
    return await _step(exchange, viewer.tenant, sid, exchange.press(viewer.tenant, sid, body.digits))


@router.post("/calls/{sid}/silence")
async def stay_silent(sid: str, viewer: Viewer, exchange: TheExchange) -> PhoneLeg:
    return await _step(exchange, viewer.tenant, sid, exchange.silence(viewer.tenant, sid))


@router.post("/calls/{sid}/hangup")
async def hang_up(sid: str, viewer: Viewer, exchange: TheExchange) -> PhoneLeg:
    return await _step(exchange, viewer.tenant, sid, exchange.hang_up_phone(viewer.tenant, sid))


async def _step(exchange: Exchange, tenant: str, sid: str, action: Awaitable[None]) -> PhoneLeg:
    try:
        await action
        return _view(exchange.phone_leg(tenant, sid), exchange)
    except LegNotFound:
        raise PhoneCallNotFound("No such call on the simulated phone.") from None
