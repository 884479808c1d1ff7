"""The survey's TwiML written as text is exactly what Twilio's `VoiceResponse` writes for the same steps."""

from __future__ import annotations

import pytest

from services.notify.surveys import twiml as survey_twiml
from services.notify.surveys.domain.flow import Question, Step
from services.notify.surveys.domain.script import ENGLISH, RUSSIAN
from services.notify.telephony.twilio.twiml import TwimlMarkup, library_document
from services.notify.telephony.twilio.twiml_text import plain_document
from services.notify.telephony.voice import (
    AskDigits,
    Bridge,
    Hangup,
    Pause,
    Play,
    Redirect,
    RingNumber,
    Say,
    VoiceStep,
)

NASTY = 'Tom & "Jerry" <b>\'s</b>\r\n\tдалее ёлка — 10 > 9'
ACTION = 'https://notify.example.com/twilio/surveys/7/answer/nps?try=1&x=<y>"z"\n'

DOCUMENTS: list[list[VoiceStep]] = [
    [],
    [Hangup()],
    [Say(NASTY, "ru-RU", "Polly.Tatyana"), Hangup()],
    [Say("", "en-US", "Polly.Joanna"), Play(ACTION, loop=0), Play("", loop=3), Pause(2), Redirect(ACTION)],
    [AskDigits(ACTION, (Say(NASTY, "en-US", 'Polly."J"'), Pause(1), Play(ACTION)), 6, num_digits=2)],
    [AskDigits(ACTION, (), 5, num_digits=None, finish_on_key=""), Redirect("")],
    [AskDigits(ACTION, (Say("x", "ru-RU", "v"),), 0, num_digits=0, finish_on_key="*")],
]
for script in (RUSSIAN, ENGLISH):
    for question in Question:
        for retry in (False, True):
            step = Step(question, 2 if retry else 1)
            DOCUMENTS.append(survey_twiml.question(script, step, ACTION, greeting=not retry, retry=retry))
    DOCUMENTS.append(survey_twiml.goodbye(script))


@pytest.mark.parametrize("steps", DOCUMENTS)
def test_the_text_is_what_voice_response_writes(steps: list[VoiceStep]) -> None:
    assert plain_document(steps) == library_document(steps)
    assert TwimlMarkup().render(steps) == library_document(steps)


def test_other_steps_are_left_to_voice_response() -> None:
    bridge = Bridge(RingNumber("+79160000000", "https://n.example.com/s"), "https://n.example.com/a", 20)
    steps: list[VoiceStep] = [Say("Connecting", "en-US", "Polly.Joanna"), bridge]
    assert plain_document(steps) is None
    assert "<Dial" in TwimlMarkup().render(steps)
