"""The voice document of each survey step, as provider-neutral steps (rendered by the provider's markup)."""

from __future__ import annotations

from services.notify.surveys.domain.flow import Question, Step
from services.notify.surveys.domain.script import Script
from services.notify.telephony.voice import AskDigits, Hangup, Redirect, Say, VoiceStep

GATHER_TIMEOUT_SECONDS = 6


def question(
    script: Script, step: Step, action: str, *, greeting: bool = False, retry: bool = False
) -> list[VoiceStep]:
    """Ask one question; with no input the caller falls through to the redirect (the same action, no Digits)."""
    steps: list[VoiceStep] = [_say(script, script.greeting)] if greeting else []
    text = script.prompts[step.question]
    prompt = _say(script, f"{script.not_understood} {text}" if retry else text)
    if step.question is Question.NPS:
        # "10" needs two keys; `#` ends the entry, and the timeout submits what was typed without it.
        steps.append(AskDigits(action, (prompt,), GATHER_TIMEOUT_SECONDS, num_digits=2, finish_on_key="#"))
    else:
        steps.append(AskDigits(action, (prompt,), GATHER_TIMEOUT_SECONDS, num_digits=1))
    steps.append(Redirect(action))
    return steps


def goodbye(script: Script) -> list[VoiceStep]:
    return [_say(script, script.thanks), Hangup()]


def hang_up() -> list[VoiceStep]:
    """For answering machines and calls that are already over: say nothing, leave no message."""
    return [Hangup()]


def _say(script: Script, text: str) -> Say:
    return Say(text, script.language, script.voice)
