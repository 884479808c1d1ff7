"""Twilio's voice webhooks of a survey call: the TwiML steps and the status callback.

Each keypress of a survey is one of these requests (issue 13: a step's budget is 0.7 ms of CPU), so the routes
are declared as usual, for OpenAPI, and served by hand (`services/common/hand_served.py`): the signature and
capability first, as the declared dependencies did (`signed_form`), then the path and query parameters, then
the step.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.hand_served import Params, Serve, served_by
from services.common.problems import Unprocessable, validation_errors
from services.notify.api.twilio_signature import SIGNED, TwilioForm
from services.notify.api.twilio_webhook import signed_form
from services.notify.surveys import voice as survey_voice
from services.notify.surveys.domain.flow import MAX_TRIES, Question, Step
from services.notify.surveys.step_store import open_steps
from services.notify.surveys.urls import VOICE_PREFIX
from services.notify.surveys.voice import VoiceContext, VoiceWebhook
from services.notify.telephony import VOICE, webhook_telephony

router = APIRouter(prefix=VOICE_PREFIX, tags=["twilio webhooks"], dependencies=[Depends(require_capability(VOICE))])
TWIML = "application/xml"
SurveyId = Annotated[int, Path(ge=1)]
Attempt = Annotated[int, Query(alias="try", ge=1, le=MAX_TRIES)]
_SURVEY_ID = TypeAdapter(Annotated[int, Field(ge=1)])
_QUESTION = TypeAdapter(Question)
_ATTEMPT = TypeAdapter(Annotated[int, Field(ge=1, le=MAX_TRIES)])


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
    return runtime, VoiceContext(runtime.settings.public_base_url, runtime.clock(), markup)


# The declarations: never called (each is served by the `serve_…` below), they give OpenAPI the parameters.
async def survey_start(survey_id: SurveyId, form: TwilioForm) -> Response:
    raise NotImplementedError


async def survey_answer(survey_id: SurveyId, question: Question, form: TwilioForm, attempt: Attempt = 1) -> Response:
    raise NotImplementedError


async def survey_status(survey_id: SurveyId, form: TwilioForm) -> Response:
    raise NotImplementedError


async def serve_start(request: Request) -> Response:
    form = await signed_form(request, VOICE)
    params = Params(request)
    survey_id = params.path("survey_id", _SURVEY_ID)
    params.check()
    runtime, ctx = _context(request)
    hook = _hook(form)
    async with open_steps(runtime) as steps:
        twiml = await survey_voice.start(steps, ctx, survey_id, hook)
    return Response(twiml, media_type=TWIML)


async def serve_answer(request: Request) -> Response:
    form = await signed_form(request, VOICE)
    params = Params(request)
    survey_id = params.path("survey_id", _SURVEY_ID)
    question = params.path("question", _QUESTION)
    attempt = params.query("try", _ATTEMPT, 1)
    params.check()
    runtime, ctx = _context(request)
    hook = _hook(form)
    async with open_steps(runtime) as steps:
        twiml = await survey_voice.answer(steps, ctx, survey_id, Step(question, attempt), hook)
    return Response(twiml, media_type=TWIML)


async def serve_status(request: Request) -> Response:
    form = await signed_form(request, VOICE)
    params = Params(request)
    survey_id = params.path("survey_id", _SURVEY_ID)
    params.check()
    runtime, ctx = _context(request)
    hook = _hook(form)
    async with open_steps(runtime) as steps:
        await survey_voice.status_changed(steps, ctx, survey_id, hook)
    return Response(status_code=204)


_SAY = '<Say language="ru-RU" voice="Polly.Tatyana">'
QUESTION_EXAMPLE = (
    f'<?xml version="1.0" encoding="UTF-8"?><Response>{_SAY}Здравствуйте! Вы недавно говорили с нашим оператором о'
    " вашем заказе. Ответьте, пожалуйста, на два коротких вопроса.</Say>"
    '<Gather action="…/twilio/surveys/{survey_id}/answer/csat" finishOnKey="#" input="dtmf" method="POST"'
    f' numDigits="1" timeout="6">{_SAY}Оцените разговор с оператором от одного до пяти, где пять — отлично.'
    ' Нажмите одну цифру.</Say></Gather><Redirect method="POST">…/twilio/surveys/{survey_id}/answer/csat'
    "</Redirect></Response>"
)
GOODBYE_EXAMPLE = (
    f'<?xml version="1.0" encoding="UTF-8"?><Response>{_SAY}Спасибо за ваши ответы! До свидания.</Say>'
    "<Hangup /></Response>"
)
TWIML_STEP: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "TwiML: the next question, or thanks and hang up (also for an answering machine)",
        "content": {
            TWIML: {"examples": {"question": {"value": QUESTION_EXAMPLE}, "goodbye": {"value": GOODBYE_EXAMPLE}}}
        },
    },
    **SIGNED,
}


def _declare(path: str, declared: Any, serve: Serve, **options: Any) -> None:
    router.add_api_route(
        path, declared, methods=["POST"], response_class=Response, route_class_override=served_by(serve), **options
    )


_declare("/{survey_id}/start", survey_start, serve_start, responses=TWIML_STEP)
_declare("/{survey_id}/answer/{question}", survey_answer, serve_answer, responses=TWIML_STEP)
_declare("/{survey_id}/status", survey_status, serve_status, status_code=204, responses=SIGNED)
