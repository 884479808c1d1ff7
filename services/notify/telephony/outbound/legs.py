"""Status callbacks of an outbound call's legs and the end of its `<Dial>`, applied in any order, once each.

The customer's leg (`<Number statusCallback>` → `…/leg-status`) makes the call ring, talk and end; the
operator's leg (the softphone's call from the TwiML App → `/twilio/voice/status`, or their own phone →
`…/operator-status`) ends the call when the operator goes away — a browser that dies mid-call included.
A state only moves forward; each (CallSid, event) is applied once (`callback_events`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from services.common.messaging.outbox import Outbox
from services.notify.telephony.callback_events import callback_time, first_time
from services.notify.telephony.facts import publish_call_updated
from services.notify.telephony.models import VoiceCall
from services.notify.telephony.outbound.calls import end_call
from services.notify.telephony.outbound.connect import hold_notice
from services.notify.telephony.outbound.progress import (
    advances,
    customer_outcome,
    leg_event,
    operator_left_outcome,
)
from services.notify.telephony.voice import Hangup, VoiceStep


@dataclass(frozen=True)
class LegStatus:
    """One status callback: which leg, what it says, and when it happened."""

    call_sid: str
    status: str  # Twilio CallStatus
    at: datetime
    duration_seconds: int | None = None  # CallDuration, on the final callback
    received_at: datetime | None = None  # when notify got it (the idempotency row's time)


def leg_status(form: dict[str, str], now: datetime) -> LegStatus:
    """Read a status callback's form; its time is Twilio's `Timestamp` (RFC 2822), else arrival."""
    at = callback_time(form, now)
    duration = form.get("CallDuration", "")
    seconds = int(duration) if duration.isdigit() else None
    return LegStatus(form.get("CallSid", ""), form.get("CallStatus", ""), at, seconds, received_at=now)


def customer_leg(session: Session, outbox: Outbox, call: VoiceCall, leg: LegStatus) -> None:
    """The customer's phone rang, answered or hung up."""
    event = leg_event(leg.status)
    if (
        event is None
        or not leg.call_sid
        or not first_time(session, leg.call_sid, f"leg:{leg.status}", now=leg.received_at or leg.at)
    ):
        return
    if call.provider_call_sid is None:
        call.provider_call_sid = leg.call_sid
    elif call.provider_call_sid != leg.call_sid:
        return  # not this call's customer leg
    if event == "ended":
        answered = call.answered_at is not None or leg.status == "completed"
        if leg.status == "completed" and call.answered_at is None and leg.duration_seconds is not None:
            # "completed" arrived before "in-progress": the talk began CallDuration before it ended.
            call.answered_at = leg.at - timedelta(seconds=leg.duration_seconds)
        if call.state == "ended":
            session.add(call)
        else:
            end_call(session, outbox, call, customer_outcome(leg.status, answered), now=leg.at)
        return
    if event == "ringing":
        changed = call.ringing_at is None
        call.ringing_at = call.ringing_at or leg.at
        target = "ringing"
    else:
        changed = call.answered_at is None
        call.answered_at = call.answered_at or leg.at
        target = "in_progress"
    if advances(call.state, target):  # type: ignore[arg-type]  # target is a CallState
        call.state = target
        changed = True
    if changed:
        publish_call_updated(session, outbox, call, now=leg.at)
    else:
        session.add(call)


def operator_leg(session: Session, outbox: Outbox, call: VoiceCall, leg: LegStatus) -> None:
    """The operator's leg ended: the call ends with it (whatever the customer's leg still reports)."""
    if leg_event(leg.status) != "ended" or not first_time(
        session, leg.call_sid, f"operator:{leg.status}", now=leg.received_at or leg.at
    ):
        return
    if call.state == "ended":
        return
    # Their own phone did not answer ("call my phone first"): say why the call never reached the customer.
    error = f"operator_{leg.status}" if call.state == "dialing" and leg.status != "completed" else None
    end_call(session, outbox, call, operator_left_outcome(call.state), now=leg.at, error_code=error)


def dial_ended(
    session: Session, outbox: Outbox, call: VoiceCall, dial_status: str, *, now: datetime, base: str
) -> list[VoiceStep]:
    """`<Dial action>` of an outbound call: how the customer's side ended (`DialCallStatus`).

    A hold moves the customer out of the bridge, which ends the `<Dial>` too: then the operator stays on the
    line and hears that the customer is on hold. Otherwise the call is over (a retry finds it so).
    """
    if call.on_hold and call.state != "ended":
        return hold_notice(session, call, base)
    if call.state != "ended":
        end_call(session, outbox, call, customer_outcome(dial_status, call.answered_at is not None), now=now)
    return [Hangup()]


def operator_leg_by_sid(session: Session, outbox: Outbox, leg: LegStatus) -> VoiceCall | None:
    """`/twilio/voice/status` (the TwiML App's status callback): the softphone's leg of an outbound call.

    Returns the call; None when `leg` is no outbound operator leg (an inbound caller's leg: inbound handles it).
    """
    call = session.exec(
        select(VoiceCall)
        .where(col(VoiceCall.operator_call_sid) == leg.call_sid, col(VoiceCall.direction) == "outbound")
        .with_for_update()
    ).first()
    if call is None:
        return None
    operator_leg(session, outbox, call, leg)
    return call
