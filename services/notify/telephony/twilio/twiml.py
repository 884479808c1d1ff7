"""The voice steps as TwiML: the common steps written as escaped text (twiml_text.py, the survey's hot path),
the rest built with Twilio's `VoiceResponse`.

The sandbox simulator plays Twilio, so it runs this same markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from twilio.twiml import TwiML
from twilio.twiml.voice_response import Client, Dial, Gather, VoiceResponse

from services.notify.telephony.twilio.twiml_text import plain_document
from services.notify.telephony.voice import (
    AskDigits,
    Bridge,
    Hangup,
    JoinHoldQueue,
    Pause,
    Play,
    Record,
    Redirect,
    RingClient,
    Say,
    VoiceStep,
    WaitInHoldQueue,
)

LEG_EVENTS = "initiated ringing answered completed"


class TwimlMarkup:
    media_type = "application/xml"

    def render(self, steps: Sequence[VoiceStep]) -> str:
        plain = plain_document(steps)
        if plain is not None:
            return plain
        return library_document(steps)


def library_document(steps: Sequence[VoiceStep]) -> str:
    """`steps` through Twilio's `VoiceResponse`."""
    response = VoiceResponse()
    for step in steps:
        _append(response, step)
    return str(response)


def _append(parent: TwiML, step: VoiceStep) -> None:
    if isinstance(step, Say):
        parent.say(step.text, voice=step.voice, language=step.language)
    elif isinstance(step, Play):
        parent.play(step.url, loop=step.loop)
    elif isinstance(step, Pause):
        parent.pause(length=step.seconds)
    elif isinstance(step, AskDigits):
        parent.append(_gather(step))
    elif isinstance(step, Redirect):
        parent.redirect(step.url, method="POST")
    elif isinstance(step, Hangup):
        parent.hangup()
    elif isinstance(step, Bridge):
        parent.append(_bridge(step))
    elif isinstance(step, WaitInHoldQueue):
        parent.enqueue(step.queue, action=step.action, method="POST", wait_url=step.wait_url, wait_url_method="POST")
    elif isinstance(step, JoinHoldQueue):
        dial = Dial(action=step.action, method="POST", **_recording(step.record))
        dial.queue(step.queue)
        parent.append(dial)


def _gather(step: AskDigits) -> Gather:
    keys = {"num_digits": step.num_digits} if step.num_digits else {}
    gather = Gather(
        input="dtmf", action=step.action, method="POST", timeout=step.timeout, finish_on_key=step.finish_on_key, **keys
    )
    for prompt in step.prompts:
        _append(gather, prompt)
    return gather


def _bridge(step: Bridge) -> Dial:
    dial = Dial(
        action=step.action,
        method="POST",
        timeout=step.timeout,
        caller_id=step.caller_id,
        answer_on_bridge=True,
        **_recording(step.record),
    )
    target = step.target
    if isinstance(target, RingClient):
        client = Client(
            status_callback=target.status_callback, status_callback_event=LEG_EVENTS, status_callback_method="POST"
        )
        client.identity(target.identity)
        for name, value in target.parameters.items():
            client.parameter(name=name, value=value)
        dial.append(client)
    else:
        dial.number(
            target.number,
            url=target.announcement_url,
            method="POST" if target.announcement_url else None,
            status_callback=target.status_callback,
            status_callback_event=LEG_EVENTS,
            status_callback_method="POST",
        )
    return dial


def _recording(record: Record | None) -> dict[str, str]:
    if record is None:
        return {}
    # Dual channel keeps the operator and the customer apart (quality scoring listens to each).
    return {
        "record": "record-from-answer-dual",
        "recording_status_callback": record.status_callback,
        "recording_status_callback_event": "completed absent",
        "recording_status_callback_method": "POST",
    }
