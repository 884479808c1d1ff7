"""Start, hold and hang up outbound calls (the internal endpoints' service side; the caller commits).

A call is created `dialing` with the operator's line reserved; the provider is asked only after that commit
(`POST …/calls` for the phone leg, hold, hang-up), so no database lock is held while Twilio answers, and a
provider failure is recorded in a transaction of its own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from contracts.http.telephony import OutboundCallRequest
from contracts.telephony import CallOutcome, CallSnapshot, TelephonySettingsChanged
from services.common.messaging.outbox import Outbox
from services.notify.telephony.facts import call_offers, call_snapshot, publish_call_updated
from services.notify.telephony.lines import line_busy, lock_line
from services.notify.telephony.models import VoiceCall, VoicePresence, VoiceTenant
from services.notify.telephony.outbound.progress import CONNECT_WINDOW_SECONDS
from services.notify.telephony.problems import CallEnded, CallNotAnswered, CallNotFound, LineBusy, TelephonyDisabled


@dataclass(frozen=True)
class Started:
    call: VoiceCall
    snapshot: CallSnapshot
    created: bool  # False: the attempt's call was already under way (the request was a retry)


def tenant_settings(session: Session, tenant: str) -> TelephonySettingsChanged | None:
    row = session.get(VoiceTenant, tenant)
    return None if row is None else TelephonySettingsChanged.model_validate(row.settings)


def snapshot_of(session: Session, call: VoiceCall) -> CallSnapshot:
    return call_snapshot(call, call_offers(session, call.id))


def load_call(session: Session, tenant: str, call_id: str, *, for_update: bool = False) -> VoiceCall:
    """The tenant's call (404 `call_not_found` for another tenant's, or an id that is no UUID)."""
    try:
        uuid.UUID(call_id)
    except ValueError:
        raise CallNotFound(f"No call {call_id}.") from None
    statement = select(VoiceCall).where(col(VoiceCall.id) == call_id, col(VoiceCall.tenant_id) == tenant)
    call = session.exec(statement.with_for_update() if for_update else statement).first()
    if call is None:
        raise CallNotFound(f"No call {call_id}.")
    return call


def start_call(
    session: Session, outbox: Outbox, tenant: str, request: OutboundCallRequest, *, now: datetime
) -> Started:
    """The attempt's call: a new one (`dialing`, line reserved), or the one already under way (a retry)."""
    settings = tenant_settings(session, tenant)
    if settings is None or not settings.enabled or not settings.numbers:
        raise TelephonyDisabled("This tenant has no telephony number, or telephony is switched off.")
    lock_line(session, request.operator_id)
    _expire_unconnected(session, outbox, request.operator_id, now=now)
    existing = session.exec(
        select(VoiceCall).where(
            col(VoiceCall.tenant_id) == tenant,
            col(VoiceCall.attempt_id) == request.attempt_id,
            col(VoiceCall.direction) == "outbound",
            col(VoiceCall.state) != "ended",
        )
    ).first()
    if existing is not None:
        return Started(existing, snapshot_of(session, existing), created=False)
    if line_busy(session, request.operator_id):
        raise LineBusy("The operator is already on a call (or one is ringing for them).")
    call = VoiceCall(
        id=str(uuid.uuid4()),
        tenant_id=tenant,
        direction="outbound",
        state="dialing",
        line_number=settings.numbers[0],  # the shop's first number is its caller ID
        customer_number=request.to,
        customer_id=request.customer_id,
        order_id=request.order_id,
        attempt_id=request.attempt_id,
        operator_id=request.operator_id,
        operator_line=request.leg,
        operator_phone=request.operator_phone if request.leg == "phone" else None,
        offered_at=now,
        connect_before=now + timedelta(seconds=CONNECT_WINDOW_SECONDS) if request.leg == "browser" else None,
        updated_at=now,
    )
    session.add(call)
    return Started(call, publish_call_updated(session, outbox, call, now=now), created=True)


def _expire_unconnected(session: Session, outbox: Outbox, operator_id: int, *, now: datetime) -> None:
    """Browser calls the softphone never connected in time keep no line reserved (the console asks again)."""
    stale = session.exec(
        select(VoiceCall).where(
            col(VoiceCall.operator_id) == operator_id,
            col(VoiceCall.state) == "dialing",
            col(VoiceCall.operator_call_sid).is_(None),
            col(VoiceCall.connect_before) < now,
        )
    ).all()
    for call in stale:
        end_call(session, outbox, call, "canceled", now=now, error_code="connect_expired")


def end_call(
    session: Session,
    outbox: Outbox,
    call: VoiceCall,
    outcome: CallOutcome,
    *,
    now: datetime,
    error_code: str | None = None,
) -> CallSnapshot:
    """The call is over (a no-op on a call that already is: the first end wins)."""
    if call.state == "ended":
        return snapshot_of(session, call)
    call.state = "ended"
    call.ended_at = now
    call.outcome = outcome
    call.error_code = call.error_code or error_code
    if call.operator_id is not None:
        # Inbound routing offers calls to whoever has been idle longest: this operator's line is free from now.
        session.execute(
            update(VoicePresence)
            .where(col(VoicePresence.operator_id) == call.operator_id)
            .values(last_call_ended_at=now)
        )
    if call.on_hold and call.hold_started_at is not None:
        call.hold_seconds += max(0, int((now - call.hold_started_at).total_seconds()))
        call.on_hold, call.hold_started_at = False, None
    return publish_call_updated(session, outbox, call, now=now)


def record_operator_leg(session: Session, tenant: str, call_id: str, call_sid: str) -> None:
    """The provider placed the operator's phone leg ("call my phone first")."""
    call = load_call(session, tenant, call_id, for_update=True)
    if call.operator_call_sid is None:
        call.operator_call_sid = call_sid
        session.add(call)


def mark_unavailable(
    session: Session, outbox: Outbox, tenant: str, call_id: str, *, now: datetime, error_code: str | None
) -> None:
    """The provider could not place the operator's leg: the call ends `unavailable` (or `failed`, refused)."""
    call = load_call(session, tenant, call_id, for_update=True)
    outcome: CallOutcome = "failed" if error_code else "unavailable"
    end_call(session, outbox, call, outcome, now=now, error_code=error_code)


def begin_hold(session: Session, outbox: Outbox, tenant: str, call_id: str, *, now: datetime) -> VoiceCall | None:
    """Mark the call on hold before the customer's leg is moved (the operator's `<Dial>` then ends, and its
    action must already know it is a hold, not a hang-up). None when it already is on hold."""
    call = _answered(session, tenant, call_id)
    if call.on_hold:
        return None
    call.on_hold, call.hold_started_at = True, now
    publish_call_updated(session, outbox, call, now=now)
    return call


def undo_hold(session: Session, outbox: Outbox, tenant: str, call_id: str, *, now: datetime) -> None:
    """The provider could not move the customer's leg: the call is not on hold after all."""
    call = load_call(session, tenant, call_id, for_update=True)
    if call.on_hold and call.state != "ended":
        call.on_hold, call.hold_started_at = False, None
        publish_call_updated(session, outbox, call, now=now)


def end_hold(session: Session, outbox: Outbox, tenant: str, call_id: str, *, now: datetime) -> CallSnapshot:
    """The customer is back with the operator: the hold's seconds are counted."""
    call = _answered(session, tenant, call_id)
    if not call.on_hold:
        return snapshot_of(session, call)
    started = call.hold_started_at or now
    call.hold_seconds += max(0, int((now - started).total_seconds()))
    call.on_hold, call.hold_started_at = False, None
    return publish_call_updated(session, outbox, call, now=now)


def _answered(session: Session, tenant: str, call_id: str) -> VoiceCall:
    call = load_call(session, tenant, call_id, for_update=True)
    if call.state == "ended":
        raise CallEnded("The call is over.")
    if call.state != "in_progress" or call.provider_call_sid is None:
        raise CallNotAnswered("The customer has not answered yet.")
    return call
