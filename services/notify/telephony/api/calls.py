"""Outbound calls for order_confirm (service token): start, read, hold, hang up (docs/telephony.md).

notify trusts the service token for who the operator is, and checks that the call belongs to `{tenant}`:
another tenant's call id answers 404 `call_not_found`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Path, Request, Response

from contracts.http.telephony import PREFIX, HoldRequest, OutboundCallRequest, OutboundCallView
from contracts.telephony import CallSnapshot
from services.common.admin import require_service_token
from services.common.app import runtime_of
from services.common.capabilities import CapabilityNotConfigured, require_capability
from services.common.db import transaction
from services.notify.telephony.api.problems_doc import problem_responses
from services.notify.telephony.outbound import actions
from services.notify.telephony.outbound.calls import load_call, snapshot_of
from services.notify.telephony.outbound.wake import wake_for_operator
from services.notify.telephony.problems import (
    CallEnded,
    CallNotAnswered,
    CallNotFound,
    LineBusy,
    NumberRejected,
    TelephonyDisabled,
    TelephonyUnavailableProblem,
)
from services.notify.telephony.providers import VOICE

TenantSlug = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
CallId = Annotated[str, Path(min_length=1, max_length=64)]

router = APIRouter(
    prefix=PREFIX,
    tags=["internal: telephony"],
    dependencies=[Depends(require_service_token(runtime_of)), Depends(require_capability(VOICE))],
)

_SNAPSHOT: dict[str, Any] = {
    "call_id": "6f1c1c8e-3d5e-4a6b-9a57-3c2f0f3a9b10",
    "revision": 1,
    "direction": "outbound",
    "state": "dialing",
    "line_number": "+74951234567",
    "customer_number": "+79161234567",
    "customer_id": 42,
    "order_id": 100,
    "attempt_id": 12,
    "operator_id": 7,
    "operator_line": "browser",
    "offered_at": "2026-11-23T09:00:00Z",
    "talk_seconds": 0,
    "hold_seconds": 0,
    "on_hold": False,
    "offers": [],
}
_VIEW = {
    "call": _SNAPSHOT,
    "connect_params": {"call_id": _SNAPSHOT["call_id"]},
    "connect_before": "2026-11-23T09:01:00Z",
}
_START_EXAMPLES = {
    "browser": {
        "summary": "Click-to-call from the softphone",
        "value": {"operator_id": 7, "attempt_id": 12, "order_id": 100, "customer_id": 42, "to": "+79161234567"},
    },
    "phone": {
        "summary": "Call my phone first",
        "value": {
            "operator_id": 7,
            "attempt_id": 12,
            "order_id": 100,
            "customer_id": 42,
            "to": "+79161234567",
            "leg": "phone",
            "operator_phone": "+79035550101",
        },
    },
}
_HOLD_EXAMPLES = {
    "hold": {"summary": "The customer hears hold music", "value": {"on_hold": True}},
    "resume": {"summary": "Take the customer back", "value": {"on_hold": False}},
}
StartBody = Annotated[OutboundCallRequest, Body(openapi_examples=_START_EXAMPLES)]
HoldBody = Annotated[HoldRequest, Body(openapi_examples=_HOLD_EXAMPLES)]
_UNAVAILABLE = (TelephonyUnavailableProblem, "The telephony provider could not be reached; try again.")
_NOT_CONFIGURED = (CapabilityNotConfigured, "voice is not available on this service (not configured).")
_NOT_FOUND = (CallNotFound, "No call 6f1c1c8e-3d5e-4a6b-9a57-3c2f0f3a9b10.")
_AUTH: dict[int | str, dict[str, Any]] = {401: {"description": "Service token missing or wrong"}}


def _snapshot_response(description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {"application/json": {"example": _SNAPSHOT}}}}


@router.post(
    "/calls",
    status_code=201,
    response_model=OutboundCallView,
    summary="Start an operator's call to a customer (idempotent by attempt_id)",
    responses={
        201: {"description": "A new call", "content": {"application/json": {"example": _VIEW}}},
        200: {"description": "The attempt's call was already under way (a retry)", "model": OutboundCallView},
        **_AUTH,
        **problem_responses(
            (TelephonyDisabled, "This tenant has no telephony number, or telephony is switched off."),
            (LineBusy, "The operator is already on a call (or one is ringing for them)."),
            (NumberRejected, "The provider refused the number for good."),
            _NOT_CONFIGURED,
            _UNAVAILABLE,
        ),
    },
)
def start_call(request: Request, response: Response, tenant: TenantSlug, body: StartBody) -> OutboundCallView:
    view, created = actions.start(runtime_of(request), tenant, body)
    response.status_code = 201 if created else 200
    return view


@router.get(
    "/calls/{call_id}",
    response_model=CallSnapshot,
    summary="A call as the last telephony_call.updated told it",
    responses={**_snapshot_response("The call"), **_AUTH, **problem_responses(_NOT_FOUND, _NOT_CONFIGURED)},
)
def get_call(request: Request, tenant: TenantSlug, call_id: CallId) -> CallSnapshot:
    with transaction(runtime_of(request).engine) as session:
        return snapshot_of(session, load_call(session, tenant, call_id))


@router.put(
    "/calls/{call_id}/hold",
    response_model=CallSnapshot,
    summary="Put the customer on hold (music) or take them back",
    responses={
        **_snapshot_response("The call with its hold state"),
        **_AUTH,
        **problem_responses(
            _NOT_FOUND,
            (CallEnded, "The call is over."),
            (CallNotAnswered, "The customer has not answered yet."),
            _NOT_CONFIGURED,
            _UNAVAILABLE,
        ),
    },
)
def hold_call(request: Request, tenant: TenantSlug, call_id: CallId, body: HoldBody) -> CallSnapshot:
    return actions.hold(runtime_of(request), tenant, call_id, body.on_hold)


@router.post(
    "/calls/{call_id}/hangup",
    response_model=CallSnapshot,
    summary="End every leg of the call (again: the same ended call)",
    responses={
        **_snapshot_response("The ended call"),
        **_AUTH,
        **problem_responses(_NOT_FOUND, _NOT_CONFIGURED, _UNAVAILABLE),
    },
)
def hang_up_call(request: Request, wake: BackgroundTasks, tenant: TenantSlug, call_id: CallId) -> CallSnapshot:
    runtime = runtime_of(request)
    snapshot = actions.hang_up(runtime, tenant, call_id)
    # The operator's line is free: callers waiting for them are woken after this answer.
    wake.add_task(wake_for_operator, runtime, snapshot.operator_id)
    return snapshot
