"""What order_confirm asks of an outbound call, end to end: each step's transaction, and the provider between.

The provider (Twilio's REST API) is asked only outside a transaction, so no row or line lock waits on the
network; what it answered is then recorded in a transaction of its own. Provider failures become the
problems the console branches on (`telephony.problems`).
"""

from __future__ import annotations

import structlog

from contracts.http.telephony import OutboundCallRequest, OutboundCallView
from contracts.telephony import CallOutcome, CallSnapshot
from services.common.db import transaction
from services.common.logs import mask_phone
from services.common.runtime import Runtime
from services.notify.settings import NotifySettings
from services.notify.telephony.base import CallRejected, OutboundCall, TelephonyUnavailable
from services.notify.telephony.outbound import calls
from services.notify.telephony.outbound.progress import OPERATOR_RING_SECONDS
from services.notify.telephony.outbound.urls import call_url
from services.notify.telephony.problems import provider_problems
from services.notify.telephony.providers import Telephony, telephony_for

log = structlog.get_logger(__name__)
NotifyRuntime = Runtime[NotifySettings]


def start(runtime: NotifyRuntime, tenant: str, request: OutboundCallRequest) -> tuple[OutboundCallView, bool]:
    """Start the attempt's call (or find it under way); True when it is new."""
    telephony = telephony_for(runtime)
    with transaction(runtime.engine) as session:
        started = calls.start_call(session, runtime.outbox, tenant, request, now=runtime.clock())
        call_id, line_number = started.call.id, started.call.line_number
        connect_before = started.call.connect_before
    snapshot = started.snapshot
    log.info("outbound.call_started", call_id=call_id, tenant=tenant, leg=request.leg, created=started.created)
    if request.leg == "phone" and started.created:
        assert request.operator_phone is not None
        snapshot = _ring_operator(runtime, telephony, tenant, call_id, request.operator_phone, line_number)
    view = OutboundCallView(
        call=snapshot,
        connect_params={"call_id": call_id} if request.leg == "browser" else {},
        connect_before=connect_before,
    )
    return view, started.created


def _ring_operator(
    runtime: NotifyRuntime, telephony: Telephony, tenant: str, call_id: str, phone: str, line_number: str | None
) -> CallSnapshot:
    """ "Call my phone first": Twilio rings the operator's own phone; `…/bridge` connects the customer."""
    base = runtime.settings.public_base_url
    placement = OutboundCall(
        to=phone,
        url=call_url(base, call_id, "bridge"),
        status_callback=call_url(base, call_id, "operator-status"),
        ring_timeout_seconds=OPERATOR_RING_SECONDS,
        caller_id=line_number,
        detect_machine=True,  # the operator's voicemail must not be connected to the customer
    )
    try:
        call_sid = telephony.calls.place_call(placement)
    except (TelephonyUnavailable, CallRejected) as error:
        code = error.code if isinstance(error, CallRejected) else None
        log.warning("outbound.operator_leg_failed", call_id=call_id, phone=mask_phone(phone), provider_code=code)
        with transaction(runtime.engine) as session:
            calls.mark_unavailable(session, runtime.outbox, tenant, call_id, now=runtime.clock(), error_code=code)
        with provider_problems():
            raise error
    with transaction(runtime.engine) as session:
        calls.record_operator_leg(session, tenant, call_id, call_sid)
        return calls.snapshot_of(session, calls.load_call(session, tenant, call_id))


def hold(runtime: NotifyRuntime, tenant: str, call_id: str, on_hold: bool) -> CallSnapshot:
    """Hold: the customer's leg goes to the call's hold queue (music). Resume: the operator's leg takes it back."""
    telephony = telephony_for(runtime)
    base = runtime.settings.public_base_url
    if on_hold:
        with transaction(runtime.engine) as session:
            held = calls.begin_hold(session, runtime.outbox, tenant, call_id, now=runtime.clock())
            customer_sid = held.provider_call_sid if held else None
        if customer_sid is not None:
            try:
                with provider_problems():
                    telephony.control.redirect(customer_sid, call_url(base, call_id, "hold"))
            except Exception:
                with transaction(runtime.engine) as session:
                    calls.undo_hold(session, runtime.outbox, tenant, call_id, now=runtime.clock())
                raise
    else:
        with transaction(runtime.engine) as session:
            call = calls.load_call(session, tenant, call_id)
            operator_sid = call.operator_call_sid if call.on_hold and call.state != "ended" else None
        if operator_sid is not None:
            with provider_problems():
                telephony.control.redirect(operator_sid, call_url(base, call_id, "resume"))
    with transaction(runtime.engine) as session:
        if on_hold:
            return calls.snapshot_of(session, calls.load_call(session, tenant, call_id))
        return calls.end_hold(session, runtime.outbox, tenant, call_id, now=runtime.clock())


def hang_up(runtime: NotifyRuntime, tenant: str, call_id: str) -> CallSnapshot:
    """End every leg at the provider, then the call (again: the same ended call)."""
    with transaction(runtime.engine) as session:
        call = calls.load_call(session, tenant, call_id)
        if call.state == "ended":
            return calls.snapshot_of(session, call)
        legs = [sid for sid in (call.operator_call_sid, call.provider_call_sid) if sid]
    if legs:
        telephony = telephony_for(runtime)
        with provider_problems():
            for sid in legs:
                telephony.control.hang_up(sid)
    with transaction(runtime.engine) as session:
        call = calls.load_call(session, tenant, call_id, for_update=True)
        outcome: CallOutcome = "answered" if call.answered_at is not None else "canceled"
        return calls.end_call(session, runtime.outbox, call, outcome, now=runtime.clock())
