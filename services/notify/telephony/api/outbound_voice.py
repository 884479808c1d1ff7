"""Twilio's signed webhooks of outbound calls (docs/telephony.md "Outbound: click-to-call").

Every request proves it comes from Twilio (`TwilioForm`: 403 `twilio_signature_invalid`, nothing changed).
Voice documents answer TwiML; status callbacks answer 204. The logic is in `telephony/outbound/`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlmodel import Session
from starlette.background import BackgroundTask

from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.db import transaction
from services.notify.api.twilio_signature import SIGNED, TwilioForm
from services.notify.runtime import NotifyRuntime
from services.notify.telephony.outbound import connect, legs
from services.notify.telephony.outbound.progress import leg_event
from services.notify.telephony.outbound.urls import CALL_PREFIX, OUTBOUND_PATH
from services.notify.telephony.outbound.wake import wake_for_operator
from services.notify.telephony.providers import VOICE, webhook_telephony
from services.notify.telephony.voice import Hangup, VoiceStep

router = APIRouter(tags=["twilio webhooks"], dependencies=[Depends(require_capability(VOICE))])
CallId = Annotated[str, Path(min_length=1, max_length=64)]
_TWIML: dict[int | str, dict[str, Any]] = {
    200: {"description": "TwiML", "content": {"application/xml": {"example": "<Response><Hangup/></Response>"}}},
    **SIGNED,
}


def _twiml(request: Request, steps: Sequence[VoiceStep]) -> Response:
    markup = webhook_telephony(runtime_of(request)).markup  # the signature check has just built it
    return Response(markup.render(steps), media_type=markup.media_type)


def _document(request: Request, build: Callable[[Session], Sequence[VoiceStep]]) -> Response:
    with transaction(runtime_of(request).engine) as session:
        steps = build(session)
    return _twiml(request, steps)


@router.post(
    OUTBOUND_PATH, response_class=Response, summary="TwiML App voice URL: a softphone connects a call", responses=_TWIML
)
def outbound(request: Request, form: TwilioForm) -> Response:
    runtime = runtime_of(request)
    base, now = runtime.settings.public_base_url, runtime.clock()
    return _document(
        request,
        lambda session: connect.connect_browser(
            session,
            runtime.outbox,
            form.get("call_id", ""),
            form.get("CallSid", ""),
            form.get("From", ""),
            now=now,
            base=base,
        ),
    )


@router.post(
    CALL_PREFIX + "/bridge", response_class=Response, summary="The operator answered their own phone", responses=_TWIML
)
def bridge(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    runtime = runtime_of(request)
    base, now = runtime.settings.public_base_url, runtime.clock()
    return _document(
        request,
        lambda session: connect.bridge_phone(
            session, runtime.outbox, call_id, form.get("CallSid", ""), form.get("AnsweredBy"), now=now, base=base
        ),
    )


@router.post(
    CALL_PREFIX + "/announcement",
    response_class=Response,
    summary="To the customer: the call is recorded",
    responses=_TWIML,
)
def announcement(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    return _document(request, lambda session: connect.announcement(session, call_id))


@router.post(
    CALL_PREFIX + "/hold", response_class=Response, summary="The customer's leg waits on hold", responses=_TWIML
)
def customer_on_hold(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    base = runtime_of(request).settings.public_base_url
    return _document(request, lambda session: connect.customer_on_hold(session, call_id, base))


@router.post(
    CALL_PREFIX + "/hold-music", response_class=Response, summary="What a held customer hears", responses=_TWIML
)
def hold_music(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    return _document(request, lambda session: connect.hold_music(session, call_id))


@router.post(
    CALL_PREFIX + "/hold-left",
    response_class=Response,
    summary="The customer's leg left the hold queue",
    responses=_TWIML,
)
def hold_left(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    # Taken back, the customer's leg runs this after the resumed conversation ends; hung up, it is over anyway.
    return _twiml(request, [Hangup()])


@router.post(
    CALL_PREFIX + "/held",
    response_class=Response,
    summary="The operator's leg while the customer is held",
    responses=_TWIML,
)
def held(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    base = runtime_of(request).settings.public_base_url
    return _document(request, lambda session: connect.held(session, call_id, base))


@router.post(
    CALL_PREFIX + "/resume", response_class=Response, summary="The operator takes the customer back", responses=_TWIML
)
def resume(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    base = runtime_of(request).settings.public_base_url
    return _document(request, lambda session: connect.resume(session, call_id, base))


@router.post(
    CALL_PREFIX + "/leg-status",
    status_code=204,
    response_class=Response,
    summary="Status callback of the customer's leg",
    responses=SIGNED,
)
def customer_leg_status(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    return _leg_status(request, call_id, form, operator_leg=False)


@router.post(
    CALL_PREFIX + "/operator-status",
    status_code=204,
    response_class=Response,
    summary="Status callback of the operator's own phone (call my phone first)",
    responses=SIGNED,
)
def operator_leg_status(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    return _leg_status(request, call_id, form, operator_leg=True)


def _leg_status(request: Request, call_id: str, form: TwilioForm, *, operator_leg: bool) -> Response:
    """One leg's status callback applied under the call's lock; an operator leg only if it is the call's own
    (a stale operator call's callback changes nothing)."""
    runtime = runtime_of(request)
    leg = legs.leg_status(form, runtime.clock())
    operator_id: int | None = None
    with transaction(runtime.engine) as session:
        call = connect.outbound_call(session, call_id, for_update=True)
        if call is not None and not operator_leg:
            legs.customer_leg(session, runtime.outbox, call, leg)
            operator_id = call.operator_id
        elif call is not None and call.operator_call_sid in (None, leg.call_sid):
            legs.operator_leg(session, runtime.outbox, call, leg)
            operator_id = call.operator_id
    return _ended_leg(runtime, leg, operator_id)


def _ended_leg(runtime: NotifyRuntime, leg: legs.LegStatus, operator_id: int | None) -> Response:
    """204; when the leg ended, the operator's callers waiting are woken once the change is committed."""
    if operator_id is None or leg_event(leg.status) != "ended":
        return Response(status_code=204)
    return Response(status_code=204, background=BackgroundTask(wake_for_operator, runtime, operator_id))
