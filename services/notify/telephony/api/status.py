"""`POST /twilio/voice/status`: call status callbacks of the calls that started at Twilio (the shop's number,
the TwiML App), dispatched by whose leg it is. Outbound: the operator's softphone leg — its end (hung up, the
browser died) ends the call. Inbound: the caller's leg — hanging up before an operator answered is an abandoned
call, counted once."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from starlette.background import BackgroundTask

from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.db import transaction
from services.notify.api.twilio_signature import SIGNED, TwilioForm
from services.notify.telephony.api.inbound_voice import CALL, context, form_body
from services.notify.telephony.inbound import callbacks, flow
from services.notify.telephony.inbound.wakeup import wake_waiting
from services.notify.telephony.outbound import legs
from services.notify.telephony.outbound.progress import leg_event
from services.notify.telephony.outbound.urls import VOICE_PREFIX
from services.notify.telephony.outbound.wake import wake_for_operator
from services.notify.telephony.providers import VOICE

router = APIRouter(tags=["twilio webhooks"], dependencies=[Depends(require_capability(VOICE))])


@router.post(
    VOICE_PREFIX + "/status",
    status_code=204,
    response_class=Response,
    summary="Call status callback (the shop's numbers and the TwiML App)",
    responses=SIGNED,
    openapi_extra=form_body({**CALL, "CallStatus": "completed", "Timestamp": "Mon, 23 Nov 2026 09:00:04 +0000"}),
)
def call_status(request: Request, form: TwilioForm) -> Response:
    runtime, ctx = runtime_of(request), context(request)
    leg = legs.leg_status(form, ctx.now)
    with transaction(runtime.engine) as session:
        outbound = legs.operator_leg_by_sid(session, runtime.outbox, leg)
        if outbound is not None:
            operator_id = outbound.operator_id
            if leg_event(leg.status) != "ended":
                return Response(status_code=204)
            # The softphone's leg ended (so did the call): its operator is free for the callers waiting.
            return Response(status_code=204, background=BackgroundTask(wake_for_operator, runtime, operator_id))
        hook = callbacks.status_callback(form, ctx.now)
        call = flow.call_by_sid(session, hook.call_sid) if hook.call_sid else None
        if call is None or call.direction != "inbound":
            return Response(status_code=204)
        callbacks.caller_status(session, ctx, call, hook)
        tenant, call_id = call.tenant_id, call.id
    if hook.status not in callbacks.FINAL_STATUSES:
        return Response(status_code=204)
    # A caller who hung up while an operator's phone rang frees that operator for the others waiting.
    return Response(status_code=204, background=BackgroundTask(wake_waiting, runtime, tenant, skip_call=call_id))
