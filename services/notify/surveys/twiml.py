"""TwiML of each survey step, built with Twilio's `VoiceResponse` (never by string concatenation)."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from services.notify.surveys.domain.flow import Question, Step
from services.notify.surveys.domain.script import Script

GATHER_TIMEOUT_SECONDS = 6


def question(script: Script, step: Step, action: str, *, greeting: bool = False, retry: bool = False) -> str:
    """Ask one question; with no input Twilio falls through to `<Redirect>` (the same action, no Digits)."""
    response = VoiceResponse()
    if greeting:
        response.say(script.greeting, voice=script.voice, language=script.language)
    gather = Gather(
        input="dtmf",
        action=action,
        method="POST",
        timeout=GATHER_TIMEOUT_SECONDS,
        **_keys(step.question),
    )
    text = script.prompts[step.question]
    gather.say(f"{script.not_understood} {text}" if retry else text, voice=script.voice, language=script.language)
    response.append(gather)
    response.redirect(action, method="POST")
    return str(response)


def goodbye(script: Script) -> str:
    response = VoiceResponse()
    response.say(script.thanks, voice=script.voice, language=script.language)
    response.hangup()
    return str(response)


def hang_up() -> str:
    """For answering machines and calls that are already over: say nothing, leave no message."""
    response = VoiceResponse()
    response.hangup()
    return str(response)


def _keys(q: Question) -> dict[str, object]:
    if q is Question.NPS:
        # "10" needs two keys; `#` ends the entry, and the timeout submits what was typed without it.
        return {"finish_on_key": "#", "num_digits": 2}
    return {"num_digits": 1}
