"""The voice steps of an inbound call: the queue loop (position, hold music, callback key) and a ringing offer."""

from __future__ import annotations

from contracts.telephony import TelephonySettingsChanged
from services.notify.telephony.inbound.script import script_for
from services.notify.telephony.inbound.urls import dial_ended_url, inbound_url, offer_status_url, recording_url
from services.notify.telephony.lines import client_identity
from services.notify.telephony.models import VoiceCall
from services.notify.telephony.routing import Ring
from services.notify.telephony.voice import AskDigits, Bridge, Play, Record, Redirect, RingClient, RingNumber, VoiceStep

# Twilio's own classical hold music (what <Enqueue> plays by default), used when the tenant names none.
DEFAULT_HOLD_MUSIC = "https://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"
KEY_TIMEOUT_SECONDS = 1  # after the music: a key pressed during it still counts; then the loop decides again
NUMBER_TIMEOUT_SECONDS = 10


def queue_steps(
    base: str, call_id: str, settings: TelephonySettingsChanged, position: int, offer_callback: bool
) -> list[VoiceStep]:
    script = script_for(settings.language)
    music = Play(str(settings.hold_music_url) if settings.hold_music_url else DEFAULT_HOLD_MUSIC)
    told = script.say(script.position.format(position=position))
    wait = Redirect(inbound_url(base, call_id, "wait"))
    if not offer_callback:
        return [told, music, wait]
    prompts = (told, script.say(script.callback_offer), music)
    gather = AskDigits(inbound_url(base, call_id, "gather"), prompts, timeout=KEY_TIMEOUT_SECONDS, num_digits=1)
    return [gather, wait]


def type_number_steps(base: str, call_id: str, language: str, give_up: str | None = None) -> list[VoiceStep]:
    """Ask a caller with a withheld number for one to call back. Pressed 1 in the queue: no keys go back to the
    queue. `give_up` (closed, queue_timeout): the call cannot go on, so no keys post to the same URL empty."""
    script = script_for(language)
    action = inbound_url(base, call_id, "callback-number")
    if give_up is not None:
        action += f"?reason={give_up}"
    ask = AskDigits(action, (script.say(script.type_number),), timeout=NUMBER_TIMEOUT_SECONDS, finish_on_key="#")
    return [ask, Redirect(action if give_up is not None else inbound_url(base, call_id, "wait"))]


def ring_steps(
    base: str, call: VoiceCall, settings: TelephonySettingsChanged, ring: Ring, offer_id: int, phone: str | None
) -> list[VoiceStep]:
    """`<Dial action answerOnBridge timeout [record]><Client>operator_N<Parameter …/></Client></Dial>`; an
    operator whose line is their own phone is rung on that number instead."""
    status = offer_status_url(base, call.id, offer_id)
    parameters = {
        "call_id": call.id,
        "tenant": call.tenant_id,
        "customer_id": str(call.customer_id) if call.customer_id is not None else "",
        "role": ring.role,
        "caller": call.customer_number or "",
    }
    target = RingNumber(phone, status) if phone else RingClient(client_identity(ring.operator_id), status, parameters)
    record = Record(recording_url(base, call.id)) if settings.recording else None
    # A softphone shows the caller's own number; an operator's phone shows the shop's (Twilio's rule for <Number>).
    caller_id = call.line_number if phone else None
    return [Bridge(target, dial_ended_url(base, call.id), ring.timeout_seconds, caller_id=caller_id, record=record)]
