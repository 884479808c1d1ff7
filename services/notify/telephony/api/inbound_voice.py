"""Twilio's signed webhooks of inbound calls (docs/telephony.md "Inbound: one window by phone").

Every request proves it comes from Twilio (`TwilioForm`: 403 `twilio_signature_invalid`, nothing changed).
Voice documents answer TwiML; status callbacks answer 204. The logic is in `telephony/inbound/`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import Field, TypeAdapter
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.db import is_sqlite, transaction
from services.common.hand_served import Params, served_by
from services.notify.api.twilio_signature import SIGNED, TwilioForm
from services.notify.api.twilio_webhook import signed_form
from services.notify.telephony import on_loop
from services.notify.telephony.inbound import callbacks, flow, hot
from services.notify.telephony.inbound.urls import CALL_PREFIX, INBOUND_CALL_PREFIX, INBOUND_PATH
from services.notify.telephony.inbound.wakeup import redirect_arrived, wake_waiting
from services.notify.telephony.providers import VOICE, webhook_telephony
from services.notify.telephony.voice import Hangup, VoiceStep

router = APIRouter(tags=["twilio webhooks"], dependencies=[Depends(require_capability(VOICE))])
CallId = Annotated[str, Path(min_length=1, max_length=64)]
CALL_ID = TypeAdapter(Annotated[str, Field(min_length=1, max_length=64)])
OfferId = Annotated[int, Path(ge=1)]
_OFFER_ID = TypeAdapter(Annotated[int, Field(ge=1)])
# Why the caller is asked for a number: pressed 1 in the queue, or the call cannot go on (closed, too long).
GiveUpReason = Annotated[
    Literal["pressed_key", "closed", "queue_timeout"], Query(description="contracts.telephony CallbackRequested.reason")
]
QUEUE_EXAMPLE = (
    '<Response><Gather action="…/twilio/voice/inbound/{call_id}/gather" input="dtmf" numDigits="1" timeout="1">'
    '<Say language="ru-RU" voice="Polly.Tatyana">Все операторы заняты. Ваш номер в очереди: 1.</Say>'
    "<Play>…</Play></Gather><Redirect>…/twilio/voice/inbound/{call_id}/wait</Redirect></Response>"
)
RING_EXAMPLE = (
    '<Response><Dial action="…/twilio/voice/calls/{call_id}/dial-ended" answerOnBridge="true" timeout="15">'
    '<Client statusCallback="…/twilio/voice/calls/{call_id}/offers/1/status">'
    '<Identity>operator_7</Identity><Parameter name="call_id" value="…"/><Parameter name="role" value="owner"/>'
    "</Client></Dial></Response>"
)
TWIML: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "TwiML: ring an operator, or the queue loop",
        "content": {
            "application/xml": {"examples": {"ring": {"value": RING_EXAMPLE}, "queue": {"value": QUEUE_EXAMPLE}}}
        },
    },
    **SIGNED,
}


def form_body(example: dict[str, str]) -> dict[str, Any]:
    """The form Twilio posts (documented: the route reads it itself, after checking its signature)."""
    schema = {"type": "object", "additionalProperties": {"type": "string"}}
    content = {"application/x-www-form-urlencoded": {"schema": schema, "example": example}}
    return {"requestBody": {"required": True, "content": content}}


CALL = {"CallSid": "CA0123456789abcdef0123456789abcdef", "AccountSid": "AC…", "CallStatus": "in-progress"}


def twiml(
    request: Request, steps: Sequence[VoiceStep], *, wake: str | None = None, skip: str | None = None
) -> Response:
    """The voice document; `wake`: a tenant whose waiting callers may have a free operator now (redirected
    after the response, so Twilio's request for this call never waits on REST calls about others)."""
    runtime = runtime_of(request)
    markup = webhook_telephony(runtime).markup  # the signature check has just built it
    background = BackgroundTask(wake_waiting, runtime, wake, skip_call=skip) if wake is not None else None
    return Response(markup.render(steps), media_type=markup.media_type, background=background)


def context(request: Request) -> flow.Context:
    runtime = runtime_of(request)
    return flow.Context(runtime.outbox, runtime.settings.public_base_url, runtime.clock(), runtime.clock)


def on_inbound_call(
    request: Request, call_id: str, apply: Callable[[Session, flow.Context, Any], list[VoiceStep]]
) -> Response:
    ctx = context(request)
    with transaction(runtime_of(request).engine) as session:
        call = flow.inbound_call(session, call_id)
        steps = apply(session, ctx, call) if call is not None else [Hangup()]
    return twiml(request, steps)


# `inbound` and `wait` decide whom to ring (issue 14: the decision's p99): declared as usual, for OpenAPI, and
# served by hand (services/common/hand_served.py) on the event loop through inbound/hot.py on PostgreSQL. The
# declared bodies are flow.py's path: SQLite (one writer, BEGIN IMMEDIATE) and what hot.py leaves to it.
def inbound(request: Request, form: TwilioForm) -> Response:
    ctx = context(request)
    arrival = _arrival(form)
    with transaction(runtime_of(request).engine) as session:
        steps = flow.arrive(session, ctx, arrival)
    return twiml(request, steps)


def wait(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    return on_inbound_call(request, call_id, flow.route)


def _arrival(form: dict[str, str]) -> flow.Arrival:
    return flow.Arrival(form.get("CallSid", ""), form.get("From", ""), form.get("To", ""))


async def serve_inbound(request: Request) -> Response:
    form = await signed_form(request, VOICE)
    runtime = runtime_of(request)
    if not is_sqlite(runtime.engine):
        try:
            return twiml(request, await hot.arrive(runtime, context(request), _arrival(form)))
        except hot.Fallback:
            pass
    return await run_in_threadpool(inbound, request, form)


async def serve_wait(request: Request) -> Response:
    form = await signed_form(request, VOICE)
    params = Params(request)
    call_id = params.path("call_id", CALL_ID)
    params.check()
    redirect_arrived(call_id)
    runtime = runtime_of(request)
    if not is_sqlite(runtime.engine):
        try:
            return twiml(request, await hot.wait(runtime, context(request), call_id))
        except hot.Fallback:
            pass
    return await run_in_threadpool(wait, request, call_id, form)


router.add_api_route(
    INBOUND_PATH,
    inbound,
    methods=["POST"],
    route_class_override=served_by(serve_inbound),
    response_class=Response,
    summary="A call to the shop's number comes in: ring the customer's owner, cover, anyone, or queue",
    responses=TWIML,
    openapi_extra=form_body({**CALL, "CallStatus": "ringing", "From": "+79161234567", "To": "+74951234567"}),
)
router.add_api_route(
    INBOUND_CALL_PREFIX + "/wait",
    wait,
    methods=["POST"],
    route_class_override=served_by(serve_wait),
    response_class=Response,
    summary="The queue loop: decide again (FIFO), ring someone or repeat the position and hold music",
    responses=TWIML,
    openapi_extra=form_body(CALL),
)


@router.post(
    INBOUND_CALL_PREFIX + "/gather",
    response_class=Response,
    summary="A key pressed in the queue: 1 = call me back (callback.requested)",
    responses=TWIML,
    openapi_extra=form_body({**CALL, "Digits": "1"}),
)
def gather(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    digits = form.get("Digits", "")
    return on_inbound_call(request, call_id, lambda s, ctx, call: callbacks.keys_pressed(s, ctx, call, digits))


@router.post(
    INBOUND_CALL_PREFIX + "/callback-number",
    response_class=Response,
    summary="A caller with a withheld number typed the number to call back",
    responses=TWIML,
    openapi_extra=form_body({**CALL, "Digits": "89161234567"}),
)
def callback_number(
    request: Request, call_id: CallId, form: TwilioForm, reason: GiveUpReason = "pressed_key"
) -> Response:
    digits = form.get("Digits", "")
    return on_inbound_call(request, call_id, lambda s, ctx, call: callbacks.number_typed(s, ctx, call, digits, reason))


def offer_status(request: Request, call_id: CallId, offer_id: OfferId, form: TwilioForm) -> Response:
    # The declaration, for OpenAPI (no docstring: it would become the description): never called,
    # `serve_offer_status` serves the route (hand_served.py).
    raise NotImplementedError


async def serve_offer_status(request: Request) -> Response:
    """On the event loop (telephony/on_loop.py), checked as declared: capability, signature, then parameters."""
    form = await signed_form(request, VOICE)
    params = Params(request)
    call_id = params.path("call_id", CALL_ID)
    offer_id = params.path("offer_id", _OFFER_ID)
    params.check()
    ctx = context(request)
    hook = callbacks.status_callback(form, ctx.now)
    await on_loop.in_transaction(runtime_of(request), _offer_status, ctx, call_id, offer_id, hook)
    return Response(status_code=204)


def _offer_status(
    session: Session, ctx: flow.Context, call_id: str, offer_id: int, hook: callbacks.StatusCallback
) -> None:
    call = flow.inbound_call(session, call_id)
    if call is not None:
        callbacks.offer_status(session, ctx, call, offer_id, hook)


router.add_api_route(
    CALL_PREFIX + "/offers/{offer_id}/status",
    offer_status,
    methods=["POST"],
    status_code=204,
    response_class=Response,
    route_class_override=served_by(serve_offer_status),
    summary="Status callback of an operator's leg of an inbound call (answered = the call is theirs)",
    responses=SIGNED,
    openapi_extra=form_body({**CALL, "CallSid": "CAoperatorleg…", "Timestamp": "Mon, 23 Nov 2026 09:00:19 +0000"}),
)
