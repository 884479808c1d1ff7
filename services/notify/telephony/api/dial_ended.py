"""`<Dial action>` of every call (`/twilio/voice/calls/{call_id}/dial-ended`): how the dialled party's side
ended, dispatched on the call's direction (outbound: `telephony/outbound/legs.py`; inbound:
`telephony/inbound/callbacks.py` — the conversation is over, or the operator did not take it and it is routed
again)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.db import transaction
from services.notify.api.twilio_signature import TwilioForm
from services.notify.telephony.api.inbound_voice import CALL, TWIML, CallId, context, form_body, twiml
from services.notify.telephony.inbound import callbacks, flow
from services.notify.telephony.outbound import connect, legs
from services.notify.telephony.outbound.urls import CALL_PREFIX
from services.notify.telephony.providers import VOICE
from services.notify.telephony.voice import Hangup, VoiceStep

router = APIRouter(tags=["twilio webhooks"], dependencies=[Depends(require_capability(VOICE))])


@router.post(
    CALL_PREFIX + "/dial-ended",
    response_class=Response,
    summary="<Dial action>: the dialled party's side ended (DialCallStatus); inbound: over, or ring the next",
    responses=TWIML,
    openapi_extra=form_body({**CALL, "DialCallStatus": "no-answer", "DialCallSid": "CA…"}),
)
def dial_ended(request: Request, call_id: CallId, form: TwilioForm) -> Response:
    runtime, ctx = runtime_of(request), context(request)
    dial_status = form.get("DialCallStatus", "")
    duration = form.get("DialCallDuration", "")
    steps: list[VoiceStep] = [Hangup()]
    tenant: str | None = None  # the line the <Dial> held is free (or the call is over): others may be rung
    with transaction(runtime.engine) as session:
        inbound = flow.inbound_call(session, call_id)
        outbound = connect.outbound_call(session, call_id, for_update=True) if inbound is None else None
        tenant = inbound.tenant_id if inbound is not None else outbound.tenant_id if outbound is not None else None
        if inbound is not None:
            seconds = int(duration) if duration.isdigit() else None
            steps = callbacks.dial_ended(session, ctx, inbound, dial_status, seconds)
        elif outbound is not None:
            base = runtime.settings.public_base_url
            steps = legs.dial_ended(session, runtime.outbox, outbound, dial_status, now=ctx.now, base=base)
    return twiml(request, steps, wake=tenant, skip=call_id)
