"""Twilio's callbacks during an inbound call: keys in the queue, an offer answered or not, the caller's leg ending.

Status callbacks are applied once per (CallSid, event) (`callback_events`) and in any order: an ended call is
never reopened, an answer never undone, and the caller hanging up before anyone answered is counted abandoned
exactly once. Times come from Twilio's `Timestamp` where it sends one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from services.notify.telephony.callback_events import callback_time, first_time
from services.notify.telephony.facts import publish_call_updated
from services.notify.telephony.inbound import lookup
from services.notify.telephony.inbound.flow import (
    CallbackReason,
    Context,
    end,
    open_offers,
    request_callback,
    route,
)
from services.notify.telephony.inbound.prompts import type_number_steps
from services.notify.telephony.inbound.script import CALLBACK_KEY, script_for
from services.notify.telephony.models import VoiceCall, VoiceCallOffer, VoicePresence
from services.notify.telephony.voice import Hangup, VoiceStep

FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
ANSWERED_STATUSES = {"in-progress", "answered"}
# How a <Dial> that did not connect ends the offer (DialCallStatus -> contracts.telephony.OfferResult).
OFFER_RESULTS = {"no-answer": "no_answer", "busy": "rejected", "failed": "failed", "canceled": "canceled"}


@dataclass(frozen=True)
class StatusCallback:
    call_sid: str
    status: str  # Twilio CallStatus
    at: datetime


def status_callback(form: dict[str, str], now: datetime) -> StatusCallback:
    return StatusCallback(form.get("CallSid", ""), form.get("CallStatus", ""), callback_time(form, now))


def keys_pressed(session: Session, ctx: Context, call: VoiceCall, digits: str) -> list[VoiceStep]:
    """`…/gather`: the callback key ends the wait with a callback request; anything else keeps the caller queued."""
    settings = lookup.tenant_settings(session, call.tenant_id)
    if call.state != "queued" or settings is None or not settings.callback_offer or digits != CALLBACK_KEY:
        return route(session, ctx, call)
    if call.customer_number is None:
        return type_number_steps(ctx.base, call.id, settings.language)
    request_callback(session, ctx, call, "pressed_key", call.customer_number)
    script = script_for(settings.language)
    return [script.say(script.callback_confirmed), Hangup()]


def number_typed(
    session: Session, ctx: Context, call: VoiceCall, digits: str, reason: CallbackReason = "pressed_key"
) -> list[VoiceStep]:
    """`…/callback-number`: a caller with a withheld number typed one to be called back on. Asked because the
    shop is closed or the wait was too long (`reason`), no keys at all end the call `unavailable`."""
    settings = lookup.tenant_settings(session, call.tenant_id)
    if call.state != "queued" or settings is None:
        return route(session, ctx, call)
    script = script_for(settings.language)
    if reason != "pressed_key" and not digits:
        end(session, ctx.outbox, call, "unavailable", at=ctx.now)
        return [script.say(script.closed_no_number), Hangup()]
    number = lookup.normalized(digits, settings.default_country)
    if number is None:  # routed again: the queue, or (closed, too long) the same question
        return [script.say(script.number_not_understood), *route(session, ctx, call)]
    request_callback(session, ctx, call, reason, number)
    return [script.say(script.callback_confirmed), Hangup()]


def dial_ended(
    session: Session, ctx: Context, call: VoiceCall, dial_status: str, duration: int | None
) -> list[VoiceStep]:
    """`<Dial action>`: the conversation is over, or the operator did not take the call and it is routed again."""
    if call.state == "ended":
        return [Hangup()]
    if call.answered_at is not None or dial_status in ("completed", "answered"):
        if call.answered_at is None:  # the answer's own callback is late or lost: the bridge lasted `duration`
            _answered(session, ctx, call, _latest_offer(session, call), ctx.now - timedelta(seconds=duration or 0))
        end(session, ctx.outbox, call, "answered", at=ctx.now)
        return [Hangup()]
    for offer in open_offers(session, call.id):
        offer.ended_at, offer.result = ctx.now, OFFER_RESULTS.get(dial_status, "no_answer")
        session.add(offer)
    call.state = "queued"
    return route(session, ctx, call, changed=True)


def offer_status(session: Session, ctx: Context, call: VoiceCall, offer_id: int, hook: StatusCallback) -> None:
    """The operator's leg of one offer: answering it makes the call theirs."""
    offer = session.get(VoiceCallOffer, offer_id)
    if offer is None or offer.call_id != call.id or not hook.call_sid:
        return
    if not first_time(session, hook.call_sid, f"offer:{hook.status}", now=hook.at):
        return
    offer.provider_call_sid = offer.provider_call_sid or hook.call_sid
    session.add(offer)
    if hook.status in ANSWERED_STATUSES and call.state != "ended" and call.answered_at is None:
        _answered(session, ctx, call, offer, hook.at)
        publish_call_updated(session, ctx.outbox, call, now=hook.at)


def caller_status(session: Session, ctx: Context, call: VoiceCall, hook: StatusCallback) -> None:
    """The caller's leg ended: after an answer the call is over; before one, the caller abandoned it."""
    if hook.status not in FINAL_STATUSES or not first_time(
        session, hook.call_sid, f"status:{hook.status}", now=hook.at
    ):
        return
    if call.state == "ended":
        return  # the <Dial action> or a callback request ended it first: that stands
    if call.answered_at is not None:
        end(session, ctx.outbox, call, "answered", at=hook.at)
        return
    settings = lookup.tenant_settings(session, call.tenant_id)
    threshold = settings.short_abandon_seconds if settings is not None else 5
    call.abandoned = True
    call.short_abandon = (hook.at - call.offered_at).total_seconds() < threshold
    end(session, ctx.outbox, call, "abandoned", at=hook.at)


def _answered(session: Session, ctx: Context, call: VoiceCall, offer: VoiceCallOffer | None, at: datetime) -> None:
    call.state, call.answered_at = "in_progress", at
    if offer is None:
        return
    offer.ended_at, offer.result = at, "answered"
    session.add(offer)
    presence = session.get(VoicePresence, (call.tenant_id, offer.operator_id))
    call.operator_id, call.answered_role = offer.operator_id, offer.role
    call.operator_line = presence.line if presence is not None else "browser"
    call.operator_phone = presence.phone_number if presence is not None and presence.line == "phone" else None
    call.operator_call_sid = offer.provider_call_sid


def _latest_offer(session: Session, call: VoiceCall) -> VoiceCallOffer | None:
    offers = open_offers(session, call.id)
    return max(offers, key=lambda o: (o.offered_at, o.id or 0)) if offers else None
