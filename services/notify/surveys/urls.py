"""The public URLs Twilio fetches for a survey call (signed by Twilio against exactly these URLs)."""

from __future__ import annotations

from services.notify.surveys.domain.flow import Step

VOICE_PREFIX = "/twilio/surveys"


def start_url(base: str, survey_id: int) -> str:
    return f"{base.rstrip('/')}{VOICE_PREFIX}/{survey_id}/start"


def answer_url(base: str, survey_id: int, step: Step) -> str:
    return f"{base.rstrip('/')}{VOICE_PREFIX}/{survey_id}/answer/{step.question.value}?try={step.attempt}"


def status_url(base: str, survey_id: int) -> str:
    return f"{base.rstrip('/')}{VOICE_PREFIX}/{survey_id}/status"
