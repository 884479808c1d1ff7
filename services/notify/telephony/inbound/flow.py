"""An inbound call from arrival to its end: each Twilio webhook re-decides whom to ring and answers steps.

Decisions run side by side, each over what is committed (every queued caller of the tenant, first come first
served, and the operators' lines). A decision to ring holds the chosen operator's line without waiting for it
(`lines.try_lock_line`) and checks it again under that lock: an operator whose line another request holds
(another caller's decision, an outbound call, another tenant) or who was rung since the reads is passed over
and the rules run again without them. So no operator is rung twice at a time, and a burst of callers never
queues behind one lock (bench.inbound: the tenant-wide lock this replaced made the burst's first wave wait in
line for it). Every change of the call goes out as `telephony_call.updated` (facts.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from contracts.routing import MessageType
from contracts.telephony import CallbackRequested, TelephonySettingsChanged
from services.common.messaging.outbox import Outbox
from services.notify.telephony.facts import publish_call_updated
from services.notify.telephony.inbound import lookup
from services.notify.telephony.inbound.prompts import queue_steps, ring_steps, type_number_steps
from services.notify.telephony.inbound.script import script_for
from services.notify.telephony.lines import line_busy, try_lock_line
from services.notify.telephony.models import VoiceCall, VoiceCallOffer, VoicePresence
from services.notify.telephony.routing import Closed, Decision, QueueTimeout, Ring, decide
from services.notify.telephony.voice import Hangup, VoiceStep

CallbackReason = Literal["pressed_key", "queue_timeout", "closed"]  # contracts.telephony.CallbackRequested


@dataclass(frozen=True)
class Context:
    outbox: Outbox
    base: str  # the public base URL Twilio reaches notify by
    now: datetime  # when the webhook came in
    clock: Callable[[], datetime]  # now, later: when an operator's line is held (`_ring`)


@dataclass(frozen=True)
class Arrival:
    call_sid: str
    caller: str  # `From` as the network gave it
    dialled: str  # `To`: the shop's number


def arrive(session: Session, ctx: Context, arrival: Arrival) -> list[VoiceStep]:
    """`/twilio/voice/inbound`: find the tenant and the customer, open the call and route it."""
    existing = call_by_sid(session, arrival.call_sid)
    if existing is not None:  # Twilio retried the webhook: the same call, decided again
        return route(session, ctx, existing)
    tenant = lookup.tenant_of_number(session, arrival.dialled)
    settings = lookup.tenant_settings(session, tenant) if tenant is not None else None
    if tenant is None or settings is None:
        script = script_for("en")
        return [script.say(script.not_in_service), Hangup()]
    number = lookup.normalized(arrival.caller, settings.default_country)
    customer = lookup.customer_by_phone(session, tenant, number)
    call = VoiceCall(
        id=str(uuid.uuid4()),
        tenant_id=tenant,
        direction="inbound",
        state="queued",
        line_number=arrival.dialled,
        customer_number=number,
        customer_id=customer.customer_id if customer else None,
        owner_id=customer.owner_id if customer else None,
        provider_call_sid=arrival.call_sid,
        offered_at=ctx.now,
        queue_entered_at=ctx.now,
        updated_at=ctx.now,
    )
    session.add(call)
    session.flush()
    script = script_for(settings.language)
    notice = [script.say(settings.announcement_text or script.announcement)]
    intro = notice if settings.recording and settings.announcement else []
    return intro + _route(session, ctx, call, settings, changed=True)


def route(session: Session, ctx: Context, call: VoiceCall, *, changed: bool = False) -> list[VoiceStep]:
    """The queue loop (`…/wait`): ring someone now, or tell the caller their position again."""
    if call.state in ("ended", "in_progress"):
        return [Hangup()]
    if call.state == "ringing":
        # Twilio asks for a voice document only once the caller has left the <Dial> (a retried webhook, a
        # wake-up redirect that crossed the ring): that offer is over, and the caller is queued again.
        for offer in open_offers(session, call.id):
            offer.ended_at, offer.result = ctx.now, "canceled"
            session.add(offer)
        call.state, changed = "queued", True
    settings = lookup.tenant_settings(session, call.tenant_id)
    if settings is None:
        return [Hangup()]
    return _route(session, ctx, call, settings, changed=changed)


def _route(
    session: Session, ctx: Context, call: VoiceCall, settings: TelephonySettingsChanged, *, changed: bool
) -> list[VoiceStep]:
    decision, phone = _decide(session, call, settings, ctx.now)
    script = script_for(settings.language)
    if isinstance(decision, Closed):
        return _give_up(session, ctx, call, "closed", [script.say(script.closed), Hangup()])
    if isinstance(decision, QueueTimeout):
        return _give_up(session, ctx, call, "queue_timeout", [script.say(script.queue_timeout), Hangup()])
    if isinstance(decision, Ring):
        return _ring(session, ctx, call, settings, decision, phone)
    if changed:
        publish_call_updated(session, ctx.outbox, call, now=ctx.now)
    return queue_steps(ctx.base, call.id, settings, decision.position, decision.offer_callback)


def _decide(
    session: Session, call: VoiceCall, settings: TelephonySettingsChanged, now: datetime
) -> tuple[Decision, str | None]:
    """The rules over the tenant's queue and operators; a Ring comes with its operator's line held for this
    transaction and free on what is committed now (module doc), and the phone number it rings on (None: their
    browser). Each pass skips one more operator, so it ends."""
    waiting = lookup.waiting_callers(session, call.tenant_id)
    caller = next((c for c in waiting if c.call_id == call.id), None)
    if caller is None:  # not queued (a retried webhook of a call that rings): decided as it stands
        [caller] = lookup.callers(session, call.tenant_id, [call])
    agents = lookup.agents(session, call.tenant_id)
    rules = lookup.rules_of(settings)
    while True:
        decision = decide(caller, waiting, agents, rules, now)
        if not isinstance(decision, Ring):
            return decision, None
        if try_lock_line(session, decision.operator_id) and not line_busy(session, decision.operator_id):
            return decision, next(a.phone for a in agents if a.operator_id == decision.operator_id)
        # Taken since the reads, or being taken right now: busy for this decision, whoever gets them.
        agents = [replace(a, busy=True) if a.operator_id == decision.operator_id else a for a in agents]


def _ring(
    session: Session, ctx: Context, call: VoiceCall, settings: TelephonySettingsChanged, ring: Ring, phone: str | None
) -> list[VoiceStep]:
    """Offer the call to the operator whose line `_decide` holds, from the moment it is held: the webhook may have
    come in before the line's last call ended (its request waited for a connection, the reads, the lock), and an
    offer dated then would overlap that call."""
    ctx = replace(ctx, now=max(ctx.now, ctx.clock()))
    offer = VoiceCallOffer(
        call_id=call.id, tenant_id=call.tenant_id, operator_id=ring.operator_id, role=ring.role, offered_at=ctx.now
    )
    session.add(offer)
    session.flush()
    assert offer.id is not None
    call.state = "ringing"
    publish_call_updated(session, ctx.outbox, call, now=ctx.now)
    return ring_steps(ctx.base, call, settings, ring, offer.id, phone)


def request_callback(session: Session, ctx: Context, call: VoiceCall, reason: CallbackReason, number: str) -> None:
    """The caller is let go with a promise: order_confirm opens a callback task (`callback.requested`)."""
    end(session, ctx.outbox, call, "callback_requested", at=ctx.now)
    request = CallbackRequested(
        call_id=uuid.UUID(call.id),
        customer_id=call.customer_id,
        owner_id=call.owner_id,
        requested_number=number,
        caller_number=call.customer_number,
        reason=reason,
        requested_at=ctx.now,
    )
    ctx.outbox.add(session, MessageType.CALLBACK_REQUESTED.value, call.tenant_id, request)


def _give_up(
    session: Session, ctx: Context, call: VoiceCall, reason: CallbackReason, promise: list[VoiceStep]
) -> list[VoiceStep]:
    """Closed, or waited too long: a callback to the caller's number. A withheld number is asked for one to call
    back, as after pressing 1 (`callbacks.number_typed` with this reason); the call stays queued meanwhile."""
    if call.customer_number is None:
        return type_number_steps(ctx.base, call.id, call_language(session, call), give_up=reason)
    request_callback(session, ctx, call, reason, call.customer_number)
    return promise


def call_language(session: Session, call: VoiceCall) -> str:
    settings = lookup.tenant_settings(session, call.tenant_id)
    return settings.language if settings is not None else "en"


def end(session: Session, outbox: Outbox, call: VoiceCall, outcome: str, *, at: datetime) -> None:
    """The call is over: its open offers stop ringing, its operator (if any) becomes idle from now."""
    for offer in open_offers(session, call.id):
        offer.ended_at, offer.result = at, "canceled"
        session.add(offer)
    call.state, call.ended_at, call.outcome = "ended", at, outcome
    if call.operator_id is not None and call.answered_at is not None:
        idle_since(session, call.operator_id, at)
    publish_call_updated(session, outbox, call, now=at)


def idle_since(session: Session, operator_id: int, at: datetime) -> None:
    """One person, one line: their last call's end counts in every tenant they work for."""
    rows = session.exec(select(VoicePresence).where(col(VoicePresence.operator_id) == operator_id)).all()
    for row in rows:
        row.last_call_ended_at = at
        session.add(row)


def open_offers(session: Session, call_id: str) -> list[VoiceCallOffer]:
    statement = select(VoiceCallOffer).where(
        col(VoiceCallOffer.call_id) == call_id, col(VoiceCallOffer.ended_at).is_(None)
    )
    return list(session.exec(statement).all())


def call_by_sid(session: Session, call_sid: str, *, lock: bool = True) -> VoiceCall | None:
    statement = select(VoiceCall).where(col(VoiceCall.provider_call_sid) == call_sid)
    return session.exec(statement.with_for_update() if lock else statement).first()


def inbound_call(session: Session, call_id: str) -> VoiceCall | None:
    """The inbound call `call_id`, locked for this transaction (None for an unknown id or an outbound call)."""
    try:
        uuid.UUID(call_id)
    except ValueError:
        return None
    statement = select(VoiceCall).where(col(VoiceCall.id) == call_id).with_for_update()
    call = session.exec(statement).first()
    return call if call is not None and call.direction == "inbound" else None
