"""The voice documents of an outbound call's legs: what Twilio runs when it fetches notify's URLs.

The customer's number always comes from the call row, never from the request: a softphone token can start
only the calls order_confirm asked for, for the operator it was minted for, before `connect_before`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlmodel import Session, col, select

from contracts.telephony import TelephonySettingsChanged
from services.common.messaging.outbox import Outbox
from services.notify.telephony.lines import client_identity
from services.notify.telephony.models import VoiceCall
from services.notify.telephony.outbound.calls import end_call, tenant_settings
from services.notify.telephony.outbound.progress import CUSTOMER_RING_SECONDS, machine_answered
from services.notify.telephony.outbound.script import Lines, lines_for, say
from services.notify.telephony.outbound.urls import call_url
from services.notify.telephony.voice import (
    Bridge,
    Hangup,
    JoinHoldQueue,
    Pause,
    Play,
    Record,
    Redirect,
    RingNumber,
    VoiceStep,
    WaitInHoldQueue,
)

log = structlog.get_logger(__name__)
# Twilio's own hold music (public, what `<Enqueue>` plays by default); a tenant may name its own.
DEFAULT_HOLD_MUSIC = "http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"
HELD_LOOP_SECONDS = 15  # the operator's side of a hold re-checks this often whether it is over


def outbound_call(session: Session, call_id: str, *, for_update: bool = False) -> VoiceCall | None:
    try:
        uuid.UUID(call_id)
    except ValueError:
        return None
    statement = select(VoiceCall).where(col(VoiceCall.id) == call_id, col(VoiceCall.direction) == "outbound")
    return session.exec(statement.with_for_update() if for_update else statement).first()


def _settings(session: Session, call: VoiceCall | None) -> TelephonySettingsChanged | None:
    return None if call is None else tenant_settings(session, call.tenant_id)


def _lines(settings: TelephonySettingsChanged | None) -> Lines:
    return lines_for(settings.language if settings else None)


def refuse(lines: Lines, call_id: str, reason: str) -> list[VoiceStep]:
    log.info("outbound.connect_refused", call_id=call_id, reason=reason)
    return [say(lines, lines.refused), Hangup()]


def customer_bridge(call: VoiceCall, settings: TelephonySettingsChanged | None, base: str) -> Bridge:
    """`<Dial callerId answerOnBridge timeout action [record…]><Number url statusCallback…>` to the customer."""
    recording = settings is not None and settings.recording
    announce = recording and settings is not None and settings.announcement
    assert call.customer_number is not None
    return Bridge(
        target=RingNumber(
            call.customer_number,
            status_callback=call_url(base, call.id, "leg-status"),
            announcement_url=call_url(base, call.id, "announcement") if announce else None,
        ),
        action=call_url(base, call.id, "dial-ended"),
        timeout=CUSTOMER_RING_SECONDS,
        caller_id=call.line_number,
        record=Record(call_url(base, call.id, "recording")) if recording else None,
    )


def connect_browser(
    session: Session, outbox: Outbox, call_id: str, call_sid: str, caller: str, *, now: datetime, base: str
) -> list[VoiceStep]:
    """The TwiML App's voice URL: the softphone of `caller` (`client:operator_7`) connects `call_id`."""
    call = outbound_call(session, call_id, for_update=True)
    settings = _settings(session, call)
    lines = _lines(settings)
    if call is None or call.operator_id is None or call.operator_line != "browser":
        return refuse(lines, call_id, "no_such_browser_call")
    if caller != f"client:{client_identity(call.operator_id)}":
        # Another operator's token: the call is not theirs, and stays as it is.
        return refuse(lines, call_id, "not_this_operator")
    if call.operator_call_sid == call_sid and call.state != "ended":
        return [customer_bridge(call, settings, base)]  # Twilio asked again for the same leg
    if call.state != "dialing" or call.operator_call_sid is not None:
        return refuse(lines, call_id, "over_or_connected")  # over, or already connected by another leg
    if call.connect_before is None or now > call.connect_before:
        end_call(session, outbox, call, "canceled", now=now, error_code="connect_expired")
        return refuse(lines, call_id, "connect_expired")
    call.operator_call_sid = call_sid
    session.add(call)
    return [customer_bridge(call, settings, base)]


def bridge_phone(
    session: Session,
    outbox: Outbox,
    call_id: str,
    call_sid: str,
    answered_by: str | None,
    *,
    now: datetime,
    base: str,
) -> list[VoiceStep]:
    """ "Call my phone first": the operator answered their phone; now ring the customer and connect them."""
    call = outbound_call(session, call_id, for_update=True)
    settings = _settings(session, call)
    lines = _lines(settings)
    if call is None or call.operator_line != "phone" or call.operator_call_sid not in (None, call_sid):
        return refuse(lines, call_id, "not_this_phone_leg")
    if call.state != "dialing":
        return [Hangup()]  # hung up from the console meanwhile
    if machine_answered(answered_by):
        # The operator's voicemail must not dial the customer.
        end_call(session, outbox, call, "failed", now=now, error_code="operator_voicemail")
        return [Hangup()]
    call.operator_call_sid = call_sid
    session.add(call)
    return [say(lines, lines.connecting), customer_bridge(call, settings, base)]


def announcement(session: Session, call_id: str) -> list[VoiceStep]:
    """Played to the customer as they answer, before they are connected: the call is recorded."""
    call = outbound_call(session, call_id)
    settings = _settings(session, call)
    lines = _lines(settings)
    text = (settings.announcement_text if settings else None) or lines.recorded
    return [say(lines, text)]


def held(session: Session, call_id: str, base: str) -> list[VoiceStep]:
    """The operator's leg while the customer is on hold: a notice, then silence until the hold ends."""
    call = outbound_call(session, call_id)
    if call is None or call.state == "ended":
        return [Hangup()]
    if not call.on_hold:
        return resume(session, call_id, base)
    return [Pause(HELD_LOOP_SECONDS), Redirect(call_url(base, call.id, "held"))]


def hold_notice(session: Session, call: VoiceCall, base: str) -> list[VoiceStep]:
    lines = _lines(_settings(session, call))
    return [say(lines, lines.on_hold), Redirect(call_url(base, call.id, "held"))]


def customer_on_hold(session: Session, call_id: str, base: str) -> list[VoiceStep]:
    """The customer's leg, moved out of the bridge: wait in the call's own queue, hearing music."""
    call = outbound_call(session, call_id)
    if call is None or call.state == "ended":
        return [Hangup()]
    return [
        WaitInHoldQueue(
            queue=call.id, wait_url=call_url(base, call.id, "hold-music"), action=call_url(base, call.id, "hold-left")
        )
    ]


def hold_music(session: Session, call_id: str) -> list[VoiceStep]:
    call = outbound_call(session, call_id)
    settings = _settings(session, call)
    music = str(settings.hold_music_url) if settings and settings.hold_music_url else DEFAULT_HOLD_MUSIC
    return [Play(music, loop=0)]  # loop 0: until the operator takes the customer back


def resume(session: Session, call_id: str, base: str) -> list[VoiceStep]:
    """The operator's leg takes the customer back from the hold queue (recording again where it records)."""
    call = outbound_call(session, call_id)
    if call is None or call.state == "ended":
        return [Hangup()]
    settings = _settings(session, call)
    record = Record(call_url(base, call.id, "recording")) if settings and settings.recording else None
    return [JoinHoldQueue(queue=call.id, action=call_url(base, call.id, "dial-ended"), record=record)]
