"""`<Dial action>` of every call (`/twilio/voice/calls/{call_id}/dial-ended`): how the dialled party's side
ended, dispatched on the call's direction (outbound: `telephony/outbound/legs.py`; inbound:
`telephony/inbound/callbacks.py` — the conversation is over, or the operator did not take it and it is routed
again)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.hand_served import Params, served_by
from services.notify.api.twilio_signature import TwilioForm
from services.notify.api.twilio_webhook import signed_form
from services.notify.telephony import on_loop
from services.notify.telephony.api.inbound_voice import CALL, CALL_ID, TWIML, CallId, context, form_body, twiml
from services.notify.telephony.inbound import callbacks, flow
from services.notify.telephony.inbound.flow import Context
from services.notify.telephony.outbound import connect, legs
from services.notify.telephony.outbound.urls import CALL_PREFIX
from services.notify.telephony.providers import VOICE
from services.notify.telephony.voice import Hangup, VoiceStep

router = APIRouter(tags=["twilio webhooks"], dependencies=[Depends(require_capability(VOICE))])


def dial_ended(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    # The declaration, for OpenAPI (no docstring: it would become the description): never called,
    # `serve_dial_ended` serves the route (hand_served.py).
    raise NotImplementedError


async def serve_dial_ended(request: Request) -> Response:
    """On the event loop (telephony/on_loop.py), checked as declared: capability, signature, then parameters."""
    form = await signed_form(request, VOICE)
    params = Params(request)
    call_id = params.path("call_id", CALL_ID)
    params.check()
    ctx = context(request)
    dial = (form.get("DialCallStatus", ""), form.get("DialCallDuration", ""))
    steps, tenant = await on_loop.in_transaction(runtime_of(request), _dial_ended, ctx, call_id, dial)
    # The line the <Dial> held is free (or the call is over): others may be rung.
    return twiml(request, steps, wake=tenant, skip=call_id)


def _dial_ended(
    session: Session, ctx: Context, call_id: str, dial: tuple[str, str]
) -> tuple[list[VoiceStep], str | None]:
    """The call's steps, and its tenant (None: no such call)."""
    dial_status, duration = dial
    inbound = flow.inbound_call(session, call_id)
    if inbound is not None:
        seconds = int(duration) if duration.isdigit() else None
        return callbacks.dial_ended(session, ctx, inbound, dial_status, seconds), inbound.tenant_id
    outbound = connect.outbound_call(session, call_id, for_update=True)
    if outbound is None:
        return [Hangup()], None
    steps = legs.dial_ended(session, ctx.outbox, outbound, dial_status, now=ctx.now, base=ctx.base)
    return steps, outbound.tenant_id


router.add_api_route(
    CALL_PREFIX + "/dial-ended",
    dial_ended,
    methods=["POST"],
    response_class=Response,
    route_class_override=served_by(serve_dial_ended),
    summary="<Dial action>: the dialled party's side ended (DialCallStatus); inbound: over, or ring the next",
    responses=TWIML,
    openapi_extra=form_body({**CALL, "DialCallStatus": "no-answer", "DialCallSid": "CA…"}),
)
