"""One sandbox exchange per notify app (created on the event loop that serves it), and Twilio's REST call
control (redirect, hang up) in the sandbox, which steers the exchange's legs instead of Twilio's."""

from __future__ import annotations

import asyncio
from weakref import WeakKeyDictionary

import anyio
from fastapi import FastAPI, Request
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from services.common.app import runtime_of
from services.notify.telephony.models import VoiceNumber
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.exchange import Exchange
from services.notify.telephony.sandbox.wire import Wire

_by_engine: WeakKeyDictionary[Engine, Exchange] = WeakKeyDictionary()


async def exchange_of(request: Request) -> Exchange:
    app: FastAPI = request.app
    exchange: Exchange | None = getattr(app.state, "softphone_exchange", None)
    if exchange is None:
        runtime = runtime_of(request)
        credentials = await anyio.to_thread.run_sync(sandbox_credentials, runtime.engine)
        wire = Wire(app, runtime.settings.public_base_url, credentials.account_sid, credentials.auth_token)
        engine = runtime.engine

        async def number_tenant(number: str) -> str | None:
            return await anyio.to_thread.run_sync(tenant_of_number, engine, number)

        exchange = Exchange(wire, number_tenant)
        app.state.softphone_exchange = exchange
        _by_engine[engine] = exchange
    return exchange


def tenant_of_number(engine: Engine, number: str) -> str | None:
    """The tenant a shop number belongs to (notify's projection of the tenants' telephony settings)."""
    with Session(engine) as session:
        row = session.get(VoiceNumber, number)
        return None if row is None else row.tenant_id


def tenant_numbers(engine: Engine, tenant: str) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(VoiceNumber).where(col(VoiceNumber.tenant_id) == tenant)).all()
        return sorted(row.number for row in rows)


def steer(engine: Engine, call_sid: str, *, redirect_to: str | None) -> bool:
    """Twilio's REST update of a leg (`url=` redirect, or `status=completed`) for the exchange running it.

    Called from a request's worker thread; the exchange runs on its event loop, so the change is handed over
    and not awaited (Twilio's REST API also answers before the call has moved). False when no exchange of
    this process runs that leg."""
    exchange = _by_engine.get(engine)
    if exchange is None or call_sid not in exchange.legs:
        return False
    change = exchange.redirect(call_sid, redirect_to) if redirect_to else exchange.end(call_sid)
    asyncio.run_coroutine_threadsafe(change, exchange.loop)
    return True
