"""Twilio's voice webhooks of a survey call: the TwiML steps and the status callback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, ValidationError

from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.problems import Unprocessable, validation_errors
from services.common.request_sessions import async_session
from services.notify.api.twilio_signature import TwilioForm
from services.notify.surveys import voice as survey_voice
from services.notify.surveys.domain.flow import MAX_TRIES, Question, Step
from services.notify.surveys.urls import VOICE_PREFIX
from services.notify.surveys.voice import VoiceContext, VoiceWebhook
from services.notify.telephony import VOICE, webhook_telephony

router = APIRouter(prefix=VOICE_PREFIX, tags=["twilio webhooks"], dependencies=[Depends(require_capability(VOICE))])
TWIML = "application/xml"
SurveyId = Annotated[int, Path(ge=1)]


class VoiceForm(BaseModel):
    """The fields Twilio posts to voice webhooks that the survey reads (Twilio sends many more)."""

    model_config = ConfigDict(extra="ignore")

    CallSid: str
    CallStatus: str = ""
    AnsweredBy: str | None = None
    Digits: str | None = None


def _hook(form: dict[str, str]) -> VoiceWebhook:
    try:
        parsed = VoiceForm.model_validate(form)
    except ValidationError as error:
        raise Unprocessable("Not a Twilio voice webhook.", errors=validation_errors(error.errors())) from None
    return VoiceWebhook(parsed.CallSid, parsed.CallStatus, parsed.AnsweredBy, parsed.Digits)


def _context(request: Request) -> tuple[Any, VoiceContext]:
    runtime = runtime_of(request)
    markup = webhook_telephony(runtime).markup  # the signature check has just built it
    return runtime, VoiceContext(runtime.outbox, runtime.settings.public_base_url, runtime.clock(), markup)


@router.post("/{survey_id}/start", response_class=Response)
async def survey_start(request: Request, survey_id: SurveyId, form: TwilioForm) -> Response:
    runtime, ctx = _context(request)
    hook = _hook(form)
    async with async_session(runtime) as session:
        twiml = await survey_voice.start(session, ctx, survey_id, hook)
    return Response(twiml, media_type=TWIML)


@router.post("/{survey_id}/answer/{question}", response_class=Response)
async def survey_answer(
    request: Request,
    survey_id: SurveyId,
    question: Question,
    form: TwilioForm,
    attempt: Annotated[int, Query(alias="try", ge=1, le=MAX_TRIES)] = 1,
) -> Response:
    runtime, ctx = _context(request)
    hook = _hook(form)
    async with async_session(runtime) as session:
        twiml = await survey_voice.answer(session, ctx, survey_id, Step(question, attempt), hook)
    return Response(twiml, media_type=TWIML)


@router.post("/{survey_id}/status", status_code=204, response_class=Response)
async def survey_status(request: Request, survey_id: SurveyId, form: TwilioForm) -> Response:
    runtime, ctx = _context(request)
    hook = _hook(form)
    async with async_session(runtime) as session:
        await survey_voice.status_changed(session, ctx, survey_id, hook)
    return Response(status_code=204)
