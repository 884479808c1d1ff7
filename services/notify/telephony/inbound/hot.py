"""The queue loop and a new call's first decision on PostgreSQL, on the event loop (issue 14: decision p99).

Same rules, line locks and facts as flow.py, in ring_sql.py's few asyncpg statements instead of the ORM's ten:
one read without a lock (a caller told to keep waiting costs that one statement), then, to ring, one statement
that try-locks the chosen operator's line and then checks it again under the lock and the call against what
was read, and writes (ring_sql.py; nothing is written when the line is held or busy: the rules run again
without that operator). What is rare takes flow.py's path instead (`Fallback`, raised before anything was
written): a call not queued or changed since the read (a retried webhook, a crossed wake-up), a retried
`inbound`, an unknown number, a closed tenant, a caller who waited too long. SQLite never comes here.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from contracts.routing import MessageType
from contracts.telephony import CallUpdated, TelephonySettingsChanged
from services.common.db_async import pooled_driver
from services.common.messaging.batch_relay import Held
from services.common.messaging.outbox import new_envelope
from services.common.runtime import Runtime
from services.notify.settings import NotifySettings
from services.notify.telephony import tenant_settings
from services.notify.telephony.facts import call_snapshot
from services.notify.telephony.inbound import ring_sql
from services.notify.telephony.inbound.flow import Arrival, Context
from services.notify.telephony.inbound.lookup import normalized, rules_of
from services.notify.telephony.inbound.prompts import queue_steps, ring_steps
from services.notify.telephony.inbound.script import script_for
from services.notify.telephony.lines import line_lock_key
from services.notify.telephony.models import VoiceCall, VoiceCallOffer
from services.notify.telephony.routing import Agent, Caller, Decision, Ring, Wait, decide
from services.notify.telephony.voice import Hangup, VoiceStep

_SETTINGS = "SELECT settings FROM voice_tenants WHERE tenant_id = $1"


@asynccontextmanager
async def _connection(runtime: Runtime[NotifySettings]) -> AsyncIterator[Any]:
    """A pooled connection's driver, in the order the requests asked for one (db_async.turn_at)."""
    async with pooled_driver(runtime.async_engines.current()) as driver:
        yield driver


class Fallback(Exception):
    """This request takes flow.py's path (module doc); nothing of it was written here."""


@dataclass
class Read:
    """What the READ statement found: the tenant's queue and operators, the caller's offers (and customer)."""

    waiting: list[Caller]
    agents: list[Agent]
    offers: list[tuple[int, VoiceCallOffer]]  # (id, offer) of the caller's call, oldest first
    customer: tuple[int, int | None, int | None] | None  # (customer, owner, owner's cover) behind a new number


async def wait(runtime: Runtime[NotifySettings], ctx: Context, call_id: str) -> list[VoiceStep]:
    """`…/wait` of a queued caller: ring someone now, or tell them their position again."""
    try:
        uuid.UUID(call_id)
    except ValueError:
        return [Hangup()]
    async with _connection(runtime) as driver:
        steps, held = await _route_queued(runtime, driver, ctx, call_id)
    if held is not None:
        runtime.batch_relay.hold(held)
    return steps


async def arrive(runtime: Runtime[NotifySettings], ctx: Context, arrival: Arrival) -> list[VoiceStep]:
    """`/twilio/voice/inbound` of a call not seen before, from a number the tenant's settings know."""
    async with _connection(runtime) as driver:
        found = await driver.fetchrow(ring_sql.ARRIVAL, arrival.dialled, arrival.call_sid)
        tenant = found["tenant_id"]
        if found["known"] or tenant is None:
            raise Fallback  # Twilio retried the webhook, or not a number in service
        settings = await _settings(runtime, driver, tenant)
        if settings is None:
            raise Fallback
        number = normalized(arrival.caller, settings.default_country)
        call = VoiceCall(
            id=str(uuid.uuid4()),
            tenant_id=tenant,
            direction="inbound",
            state="queued",
            revision=0,
            line_number=arrival.dialled,
            customer_number=number,
            provider_call_sid=arrival.call_sid,
            offered_at=ctx.now,
            queue_entered_at=ctx.now,
            updated_at=ctx.now,
        )
        steps, held = await _route(driver, ctx, call, settings)
    if held is not None:
        runtime.batch_relay.hold(held)
    script = script_for(settings.language)
    notice = [script.say(settings.announcement_text or script.announcement)]
    return (notice if settings.recording and settings.announcement else []) + steps


Routed = tuple[list[VoiceStep], Held | None]  # the voice steps, and the outbox row to hand the relay after commit


async def _route_queued(runtime: Runtime[NotifySettings], driver: Any, ctx: Context, call_id: str) -> Routed:
    """flow.route of a queued caller on the driver: the read (no lock), the rules, the line and the write."""
    row = await driver.fetchrow(ring_sql.READ_QUEUED, call_id)
    if row is None or row["direction"] != "inbound":
        return [Hangup()], None
    call = VoiceCall(**{name: row[name] for name in ring_sql.CALL_COLUMNS})
    if call.state != "queued":
        raise Fallback
    settings = await _settings(runtime, driver, call.tenant_id)
    if settings is None:
        return [Hangup()], None
    read = _parsed(row["rows"], call)
    caller = next((c for c in read.waiting if c.call_id == call.id), None)
    if caller is None:
        raise Fallback
    return await _decide(driver, ctx, call, settings, read, caller)


async def _route(driver: Any, ctx: Context, call: VoiceCall, settings: TelephonySettingsChanged) -> Routed:
    """flow._route of a new call on the driver (its row is written here, queued or ringing)."""
    read = _parsed(await driver.fetch(ring_sql.READ, call.tenant_id, call.id, call.customer_number), call)
    cover = None
    if read.customer is not None:
        call.customer_id, call.owner_id, cover = read.customer
    caller = Caller(call.id, call.offered_at, call.customer_id is not None, call.owner_id, cover)
    return await _decide(driver, ctx, call, settings, read, caller)


async def _decide(
    driver: Any, ctx: Context, call: VoiceCall, settings: TelephonySettingsChanged, read: Read, caller: Caller
) -> Routed:
    """The rules until they wait or ring an operator whose line is theirs (each try one statement: ring_sql)."""
    agents, rules = read.agents, rules_of(settings)
    while True:
        decision: Decision = decide(caller, read.waiting, agents, rules, ctx.now)
        if not isinstance(decision, Ring):
            break
        rung = await _ring(driver, ctx, call, settings, read, decision, agents)
        if rung is not None:
            return rung
        agents = [replace(a, busy=True) if a.operator_id == decision.operator_id else a for a in agents]
    if isinstance(decision, Wait):
        held = await _queue_new(driver, ctx, call) if call.revision == 0 else None
        return queue_steps(ctx.base, call.id, settings, decision.position, decision.offer_callback), held
    raise Fallback  # closed, or waited too long: a callback (flow._give_up)


async def _ring(
    driver: Any,
    ctx: Context,
    call: VoiceCall,
    settings: TelephonySettingsChanged,
    read: Read,
    ring: Ring,
    agents: list[Agent],
) -> tuple[list[VoiceStep], Held | None] | None:
    """Offer the call to `ring`'s operator if their line is free under its lock (None: it is not). The offer is
    dated from the moment the line is asked for, after the reads (flow._ring)."""
    at = max(ctx.now, ctx.clock())
    new = call.revision == 0
    offer = VoiceCallOffer(
        call_id=call.id, tenant_id=call.tenant_id, operator_id=ring.operator_id, role=ring.role, offered_at=at
    )
    rung = replace_call(call, state="ringing", revision=call.revision + 1, updated_at=at)
    envelope, outbox_row = _published(ctx, rung, [offer for _id, offer in read.offers] + [offer])
    line = line_lock_key(ring.operator_id)
    if new:
        params: tuple[Any, ...] = (ring.operator_id, ring.role, at, *_new_call(rung))
        row = await driver.fetchrow(ring_sql.RING_NEW, *params, *outbox_row, *line)
    else:
        params = (ring.operator_id, call.id, call.tenant_id, ring.role, at, rung.revision)
        row = await driver.fetchrow(ring_sql.RING_QUEUED, *params, *outbox_row, *line)
    if row["offer_id"] is None and row["line_free"]:
        # The call changed since the read (a retry of `inbound` wrote it, another webhook of it moved it on):
        # flow.py decides under its lock.
        raise Fallback
    if row["offer_id"] is None:
        return None  # held by another request, or taken since the reads: busy for this decision
    phone = next(a.phone for a in agents if a.operator_id == ring.operator_id)
    steps: list[VoiceStep] = ring_steps(ctx.base, rung, settings, ring, int(row["offer_id"]), phone)
    return steps, Held(int(row["outbox_id"]), MessageType.TELEPHONY_CALL_UPDATED.value, envelope)


async def _queue_new(driver: Any, ctx: Context, call: VoiceCall) -> Held:
    queued = replace_call(call, revision=1)
    envelope, outbox_row = _published(ctx, queued, [])
    row = await driver.fetchrow(ring_sql.QUEUE_NEW, *_new_call(queued), *outbox_row)
    if row["outbox_id"] is None:
        raise Fallback  # Twilio's retry of this webhook wrote the call meanwhile
    return Held(int(row["outbox_id"]), MessageType.TELEPHONY_CALL_UPDATED.value, envelope)


def replace_call(call: VoiceCall, **changes: Any) -> VoiceCall:
    """A copy of a call that is not in any session (the snapshot and the TwiML read it, nothing writes it)."""
    return VoiceCall(**{**{name: getattr(call, name) for name in ring_sql.CALL_COLUMNS}, **changes})


def _new_call(call: VoiceCall) -> tuple[Any, ...]:
    return (
        call.id,
        call.tenant_id,
        call.line_number,
        call.customer_number,
        call.customer_id,
        call.owner_id,
        call.provider_call_sid,
        call.offered_at,
        call.updated_at,
    )


def _published(ctx: Context, call: VoiceCall, offers: list[VoiceCallOffer]) -> tuple[str, tuple[Any, ...]]:
    """The call's `telephony_call.updated` as published, and its outbox row's parameters (facts.py's message)."""
    outbox, now = ctx.outbox, ctx.outbox.clock()
    message_type = MessageType.TELEPHONY_CALL_UPDATED.value
    update = CallUpdated(**dict(call_snapshot(call, offers)))
    envelope = new_envelope(message_type, call.tenant_id, update, now=now)
    published = outbox.serialize(envelope.model_dump(mode="json"))
    return published, (str(envelope.message_id), message_type, call.tenant_id, published, now)


def _parsed(rows: Iterable[Sequence[Any]], call: VoiceCall) -> Read:
    """READ's rows: (kind, call id, t1, t2, i1, i2, i3, i4, flag, s1, s2), meaning by kind (ring_sql.py)."""
    read = Read([], [], [], None)
    found: dict[str, tuple[datetime, bool, int | None, int | None]] = {}  # FIFO time, known, owner, cover
    declined: dict[str, set[int]] = {}
    for kind, call_id, t1, t2, i1, i2, i3, i4, flag, s1, s2 in rows:
        if kind == ring_sql.WAITING:
            found.setdefault(call_id, (t1, i1 is not None, i2, i3))
            refused = declined.setdefault(call_id, set())
            if i4 is not None:
                refused.add(i4)
        elif kind == ring_sql.AGENT:
            read.agents.append(Agent(i1, True, bool(flag), t1, s2 if s1 == "phone" else None))
        elif kind == ring_sql.OFFER:
            offer = VoiceCallOffer(
                id=i2,
                call_id=call.id,
                tenant_id=call.tenant_id,
                operator_id=i1,
                role=s1,
                offered_at=t1,
                ended_at=t2,
                result=s2,
            )
            read.offers.append((i2, offer))
        else:
            read.customer = (i1, i2, i3)
    read.offers.sort(key=lambda pair: (pair[1].offered_at, pair[0]))
    read.waiting = [
        Caller(call_id, entered, known, owner, cover if owner is not None else None, frozenset(declined[call_id]))
        for call_id, (entered, known, owner, cover) in found.items()
    ]
    return read


async def _settings(runtime: Runtime[NotifySettings], driver: Any, tenant_id: str) -> TelephonySettingsChanged | None:
    """tenant_settings.py's copy, kept under the runtime's sync engine (the same database)."""
    kept = tenant_settings.kept(runtime.engine, tenant_id)
    if kept is not None:
        return kept
    raw = await driver.fetchval(_SETTINGS, tenant_id)
    if raw is None:
        return None
    # SQLAlchemy's asyncpg dialect decodes JSON on its pooled connections; a bare connection would not.
    settings = (
        TelephonySettingsChanged.model_validate_json(raw)
        if isinstance(raw, str)
        else TelephonySettingsChanged.model_validate(raw)
    )
    return tenant_settings.keep(runtime.engine, tenant_id, settings)
