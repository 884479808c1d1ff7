"""`POST /twilio/voice/status`: call status callbacks of the calls that started at Twilio (the shop's number,
the TwiML App), dispatched by whose leg it is. Outbound: the operator's softphone leg — its end (hung up, the
browser died) ends the call. Inbound: the caller's leg — hanging up before an operator answered is an abandoned
call, counted once."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session
from starlette.background import BackgroundTask

from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.hand_served import served_by
from services.notify.api.twilio_signature import SIGNED, TwilioForm
from services.notify.api.twilio_webhook import signed_form
from services.notify.telephony import on_loop
from services.notify.telephony.api.inbound_voice import CALL, context, form_body
from services.notify.telephony.inbound import callbacks, flow
from services.notify.telephony.inbound.flow import Context
from services.notify.telephony.inbound.wakeup import wake_waiting
from services.notify.telephony.outbound import legs
from services.notify.telephony.outbound.progress import leg_event
from services.notify.telephony.outbound.urls import VOICE_PREFIX
from services.notify.telephony.outbound.wake import wake_for_operator
from services.notify.telephony.providers import VOICE

router = APIRouter(tags=["twilio webhooks"], dependencies=[Depends(require_capability(VOICE))])


def call_status(request: Request, form: TwilioForm) -> Response:
    # The declaration, for OpenAPI (no docstring: it would become the description): never called,
    # `serve_call_status` serves the route (hand_served.py).
    raise NotImplementedError


async def serve_call_status(request: Request) -> Response:
    """On the event loop (telephony/on_loop.py), checked as declared: capability, then signature."""
    form = await signed_form(request, VOICE)
    runtime, ctx = runtime_of(request), context(request)
    freed = await on_loop.in_transaction(runtime, _call_status, ctx, form)
    if isinstance(freed, int):  # the softphone's leg ended (so did the call): its operator is free for the callers
        return Response(status_code=204, background=BackgroundTask(wake_for_operator, runtime, freed))
    if freed is not None:  # a caller who hung up while an operator's phone rang frees that operator
        tenant, call_id = freed
        return Response(status_code=204, background=BackgroundTask(wake_waiting, runtime, tenant, skip_call=call_id))
    return Response(status_code=204)


def _call_status(session: Session, ctx: Context, form: dict[str, str]) -> int | tuple[str, str] | None:
    """The leg's status applied; whose line may be free now: an outbound call's operator, an inbound call's
    tenant (and the call, whose own requests decide for it), or nobody (None)."""
    leg = legs.leg_status(form, ctx.now)
    outbound = legs.operator_leg_by_sid(session, ctx.outbox, leg)
    if outbound is not None:
        return outbound.operator_id if leg_event(leg.status) == "ended" else None
    hook = callbacks.status_callback(form, ctx.now)
    call = flow.call_by_sid(session, hook.call_sid) if hook.call_sid else None
    if call is None or call.direction != "inbound":
        return None
    callbacks.caller_status(session, ctx, call, hook)
    return (call.tenant_id, call.id) if hook.status in callbacks.FINAL_STATUSES else None


router.add_api_route(
    VOICE_PREFIX + "/status",
    call_status,
    methods=["POST"],
    status_code=204,
    response_class=Response,
    route_class_override=served_by(serve_call_status),
    summary="Call status callback (the shop's numbers and the TwiML App)",
    responses=SIGNED,
    openapi_extra=form_body({**CALL, "CallStatus": "completed", "Timestamp": "Mon, 23 Nov 2026 09:00:04 +0000"}),
)
