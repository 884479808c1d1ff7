"""What happens on each Twilio webhook of a survey call: answer the step, record the facts.

Every webhook is applied once per (CallSid, step): the first one stores its TwiML reply in `survey_steps`,
a retry gets that same reply back and changes nothing. Steps of one call are serialized by locking the
survey row, so a retry racing the original cannot double-count either. The step runs on the event loop in
two statements (`step_store`), the report's outbox row included when the step closes the survey.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.common.problems import NotFound
from services.notify.surveys import twiml as survey_twiml
from services.notify.surveys.domain.flow import CALLBACK_YES, OPT_OUT, Question, Step, after_input, first_step
from services.notify.surveys.domain.script import script_for
from services.notify.surveys.domain.status import (
    TWILIO_FINAL_CALL_STATUSES,
    TWILIO_UNANSWERED,
    SurveyCallStatus,
    answered_by_machine,
    outcome_of_answered_call,
)
from services.notify.surveys.reports import close
from services.notify.surveys.step_store import StepRow, StepStore, SurveyState
from services.notify.surveys.urls import answer_url
from services.notify.telephony.base import VoiceMarkup
from services.notify.telephony.voice import VoiceStep


class SurveyCallNotFound(NotFound):
    code = "survey_call_not_found"


@dataclass(frozen=True)
class VoiceWebhook:
    """The fields of a (signature-checked) Twilio voice webhook that the survey uses."""

    call_sid: str
    call_status: str
    answered_by: str | None = None
    digits: str | None = None


@dataclass(frozen=True)
class VoiceContext:
    public_base_url: str
    now: datetime
    markup: VoiceMarkup


async def start(steps: StepStore, ctx: VoiceContext, survey_id: int, hook: VoiceWebhook) -> str:
    """The call was answered: greet a person and ask the first question; hang up on a machine."""

    def apply(survey: SurveyState) -> list[VoiceStep]:
        survey.answered_by = hook.answered_by or "unknown"
        if answered_by_machine(hook.answered_by):
            close(survey, SurveyCallStatus.VOICEMAIL, now=ctx.now)
            return survey_twiml.hang_up()
        step = first_step()
        return survey_twiml.question(script_for(survey.language), step, _action(ctx, survey, step), greeting=True)

    return await _once(steps, ctx, survey_id, hook, "start", apply=apply)


async def answer(steps: StepStore, ctx: VoiceContext, survey_id: int, step: Step, hook: VoiceWebhook) -> str:
    """Keys pressed (or none, via `<Redirect>`) for one question: record a valid answer, then move on."""

    def apply(survey: SurveyState) -> list[VoiceStep]:
        transition = after_input(step, hook.digits, survey.ask_callback)
        if transition.answer is not None:
            _record(survey, step.question, transition.answer)
        script = script_for(survey.language)
        following = transition.next_step
        if following is None:
            status = outcome_of_answered_call(survey.csat, survey.nps, survey.answered_by)
            close(survey, status, now=ctx.now)
            return survey_twiml.goodbye(script)
        retry = following.question is step.question
        return survey_twiml.question(script, following, _action(ctx, survey, following), retry=retry)

    return await _once(steps, ctx, survey_id, hook, step.key, apply=apply)


async def status_changed(steps: StepStore, ctx: VoiceContext, survey_id: int, hook: VoiceWebhook) -> None:
    """Twilio's status callback: the end of the call closes the survey with whatever was answered."""

    def apply(survey: SurveyState) -> list[VoiceStep]:
        survey.call_status = hook.call_status
        if hook.answered_by:
            survey.answered_by = hook.answered_by
        if hook.call_status in TWILIO_UNANSWERED:
            close(survey, TWILIO_UNANSWERED[hook.call_status], now=ctx.now)
        elif hook.call_status in TWILIO_FINAL_CALL_STATUSES:
            status = outcome_of_answered_call(survey.csat, survey.nps, survey.answered_by)
            close(survey, status, now=ctx.now)
        return []

    await _once(steps, ctx, survey_id, hook, f"status:{hook.call_status}", apply=apply)


async def _once(
    store: StepStore,
    ctx: VoiceContext,
    survey_id: int,
    hook: VoiceWebhook,
    step_key: str,
    *,
    apply: Callable[[SurveyState], list[VoiceStep]],
) -> str:
    while True:  # again only when the survey changed since the read (`STALE`); the store then locks it
        found = await store.locked(survey_id, hook.call_sid, step_key)
        survey = _placed_survey(found[0] if found else None, survey_id, hook.call_sid)
        if found and found[1] is not None:
            return found[1]
        reported = survey.reported_at is not None
        # A closed survey (hung up, voicemail): a late step must not change what was reported.
        late = reported and not step_key.startswith("status:")
        steps = survey_twiml.hang_up() if late else apply(survey)
        response = ctx.markup.render(steps) if steps else ""
        survey.updated_at = ctx.now
        digits = (hook.digits or None) and hook.digits[:20]
        step = StepRow(survey_id, hook.call_sid, step_key, digits, response, ctx.now)
        outcome = await store.store(survey, step, closed=not reported and survey.reported_at is not None)
        if outcome is None:
            return response
        if isinstance(outcome, str):
            return outcome  # a retry that raced the original gets the original's reply, nothing written


def _placed_survey(survey: SurveyState | None, survey_id: int, call_sid: str) -> SurveyState:
    if survey is None or (survey.call_sid is not None and survey.call_sid != call_sid):
        raise SurveyCallNotFound(f"No survey call {survey_id} for this CallSid.")
    if survey.call_sid is None:
        if survey.status not in (SurveyCallStatus.DIALING.value, SurveyCallStatus.CALLING.value):
            raise SurveyCallNotFound(f"Survey call {survey_id} has not been placed.")
        # Twilio's first callback can arrive before the worker has stored the CallSid from the REST reply.
        survey.call_sid = call_sid
    return survey


def _record(survey: SurveyState, question: Question, value: int) -> None:
    if question is Question.CSAT:
        survey.csat = value
    elif question is Question.NPS:
        survey.nps = value
    elif value == CALLBACK_YES:
        survey.callback_requested = True
    elif value == OPT_OUT:
        survey.opted_out = True


def _action(ctx: VoiceContext, survey: SurveyState, step: Step) -> str:
    return answer_url(ctx.public_base_url, survey.id, step)
