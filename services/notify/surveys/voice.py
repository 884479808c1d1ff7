"""What happens on each Twilio webhook of a survey call: answer the step, record the facts.

Every webhook is applied once per (CallSid, step): the first one stores its TwiML reply in `survey_steps`,
a retry gets that same reply back and changes nothing. Steps of one call are serialized by locking the
survey row, so a retry racing the original cannot double-count either. The step runs on the async engine
in two statements (`step_store`), plus the report's outbox row when the step closes the survey.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.messaging.outbox import Outbox
from services.common.problems import NotFound
from services.notify.surveys import step_store
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
from services.notify.surveys.models import SurveyCall
from services.notify.surveys.reports import close, report
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
    outbox: Outbox
    public_base_url: str
    now: datetime
    markup: VoiceMarkup


async def start(session: AsyncSession, ctx: VoiceContext, survey_id: int, hook: VoiceWebhook) -> str:
    """The call was answered: greet a person and ask the first question; hang up on a machine."""

    def apply(survey: SurveyCall) -> list[VoiceStep]:
        survey.answered_by = hook.answered_by or "unknown"
        if answered_by_machine(hook.answered_by):
            close(survey, SurveyCallStatus.VOICEMAIL, now=ctx.now)
            return survey_twiml.hang_up()
        step = first_step()
        return survey_twiml.question(script_for(survey.language), step, _action(ctx, survey, step), greeting=True)

    return await _once(session, ctx, survey_id, hook, "start", apply=apply)


async def answer(session: AsyncSession, ctx: VoiceContext, survey_id: int, step: Step, hook: VoiceWebhook) -> str:
    """Keys pressed (or none, via `<Redirect>`) for one question: record a valid answer, then move on."""

    def apply(survey: SurveyCall) -> list[VoiceStep]:
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

    return await _once(session, ctx, survey_id, hook, step.key, apply=apply)


async def status_changed(session: AsyncSession, ctx: VoiceContext, survey_id: int, hook: VoiceWebhook) -> None:
    """Twilio's status callback: the end of the call closes the survey with whatever was answered."""

    def apply(survey: SurveyCall) -> list[VoiceStep]:
        survey.call_status = hook.call_status
        if hook.answered_by:
            survey.answered_by = hook.answered_by
        if hook.call_status in TWILIO_UNANSWERED:
            close(survey, TWILIO_UNANSWERED[hook.call_status], now=ctx.now)
        elif hook.call_status in TWILIO_FINAL_CALL_STATUSES:
            status = outcome_of_answered_call(survey.csat, survey.nps, survey.answered_by)
            close(survey, status, now=ctx.now)
        return []

    await _once(session, ctx, survey_id, hook, f"status:{hook.call_status}", apply=apply)


async def _once(
    session: AsyncSession,
    ctx: VoiceContext,
    survey_id: int,
    hook: VoiceWebhook,
    step_key: str,
    *,
    apply: Callable[[SurveyCall], list[VoiceStep]],
) -> str:
    connection = await session.connection()
    found = await step_store.locked(connection, survey_id, hook.call_sid, step_key)
    survey = _placed_survey(found[0] if found else None, survey_id, hook.call_sid)
    if found and found[1] is not None:
        return found[1]
    reported = survey.reported_at is not None
    # A closed survey (hung up, voicemail): a late step must not change what was reported.
    late = reported and not step_key.startswith("status:")
    steps = survey_twiml.hang_up() if late else apply(survey)
    response = ctx.markup.render(steps) if steps else ""
    survey.updated_at = ctx.now
    step = {
        "survey_call_id": survey_id,
        "call_sid": hook.call_sid,
        "step": step_key,
        "digits": (hook.digits or None) and hook.digits[:20],
        "response": response,
        "received_at": ctx.now,
    }
    replay = await step_store.store(connection, survey, step)
    if replay is not None:
        return replay  # a retry that raced the original: the original's reply, nothing written
    if not reported and survey.reported_at is not None:
        await session.run_sync(lambda sync: report(cast(Session, sync), ctx.outbox, survey))
    return response


def _placed_survey(survey: SurveyCall | None, survey_id: int, call_sid: str) -> SurveyCall:
    if survey is None or (survey.call_sid is not None and survey.call_sid != call_sid):
        raise SurveyCallNotFound(f"No survey call {survey_id} for this CallSid.")
    if survey.call_sid is None:
        if survey.status not in (SurveyCallStatus.DIALING.value, SurveyCallStatus.CALLING.value):
            raise SurveyCallNotFound(f"Survey call {survey_id} has not been placed.")
        # Twilio's first callback can arrive before the worker has stored the CallSid from the REST reply.
        survey.call_sid = call_sid
    return survey


def _record(survey: SurveyCall, question: Question, value: int) -> None:
    if question is Question.CSAT:
        survey.csat = value
    elif question is Question.NPS:
        survey.nps = value
    elif value == CALLBACK_YES:
        survey.callback_requested = True
    elif value == OPT_OUT:
        survey.opted_out = True


def _action(ctx: VoiceContext, survey: SurveyCall, step: Step) -> str:
    assert survey.id is not None
    return answer_url(ctx.public_base_url, survey.id, step)
