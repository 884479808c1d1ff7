"""`/api/v1/telephony/token` (the softphone's access token) and `/api/v1/calls/{call_id}/hold|hangup`.

Each route commits its reads before calling notify (services/order_confirm/telephony/calls.py says why) and
audits after notify answered. Starting a call is `POST /api/v1/orders/{id}/call` (api/orders.py).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from contracts.http.telephony import AccessTokenView
from contracts.telephony import CallSnapshot
from services.order_confirm.api.deps import NowDep, RuntimeDep, SessionDep, WorkerScope
from services.order_confirm.clients.notify_telephony import NotifyTelephony
from services.order_confirm.telephony import calls

router = APIRouter(prefix="/api/v1", tags=["telephony"])
CallId = Annotated[uuid.UUID, Path(description="notify's id of the call (from the call start or the ringing call)")]


def _problem(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"application/problem+json": {"example": {"code": code, "detail": detail, **extra}}}


UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "`capability_not_configured`: no Twilio and no sandbox (telephony is not set up); "
        "`telephony_unavailable` (with `Retry-After`): Twilio or notify did not answer, try again later",
        "content": _problem("telephony_unavailable", "notify did not answer: ConnectError", retry_after=5),
    },
}
CALL_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "`call_not_found`: no such call, another tenant's, or not yours to control",
        "content": _problem("call_not_found", "No call 6f1c1c8e-3d5e-4a6b-9a57-3c2f0f3a9b10 among yours."),
    },
    409: {
        "description": "`call_ended`: the call is over",
        "content": _problem("call_ended", "The call has ended."),
    },
    **UNAVAILABLE,
}
CALL_EXAMPLE = {
    "call_id": "6f1c1c8e-3d5e-4a6b-9a57-3c2f0f3a9b10",
    "revision": 4,
    "direction": "outbound",
    "state": "in_progress",
    "line_number": "+74951234567",
    "customer_number": "+79161234567",
    "customer_id": 42,
    "order_id": 311,
    "attempt_id": 1042,
    "operator_id": 7,
    "operator_line": "browser",
    "offered_at": "2026-11-23T09:00:00Z",
    "ringing_at": "2026-11-23T09:00:02Z",
    "answered_at": "2026-11-23T09:00:09Z",
    "on_hold": True,
    "talk_seconds": 0,
    "hold_seconds": 0,
}


class HoldChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"on_hold": True}]})
    on_hold: bool = Field(description="true: the customer hears hold music; false: back to the conversation")


@router.get(
    "/telephony/token",
    response_model=AccessTokenView,
    summary="The softphone's short-lived access token (the driver to load is `provider`)",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "token": "eyJhbGciOiJIUzI1NiIsImN0eSI6InR3aWxpby1mcGE7dj0xIn0…",
                        "identity": "operator_7",
                        "expires_at": "2026-11-23T10:00:00Z",
                        "provider": "twilio",
                        "softphone_url": None,
                    }
                }
            }
        },
        404: {"description": "You work for no shop", "content": _problem("not_found", "You work for no shop.")},
        409: {
            "description": "`telephony_disabled`: none of your shops calls through Okno (off, or no number)",
            "content": _problem("telephony_disabled", "No shop of yours calls through Okno."),
        },
        **UNAVAILABLE,
    },
)
def softphone_token(session: SessionDep, scope: WorkerScope, runtime: RuntimeDep) -> AccessTokenView:
    """For the signed-in operator (the identity is theirs whatever the shop); ask again on `tokenWillExpire`."""
    tenants = calls.tenants_of(session, scope)
    calls.require_telephony(session, tenants)
    session.commit()  # no connection held while notify answers
    return calls.token(NotifyTelephony(runtime.settings), scope, tenants)


@router.put(
    "/calls/{call_id}/hold",
    response_model=CallSnapshot,
    summary="Put your call on hold or take it back",
    responses={200: {"content": {"application/json": {"example": CALL_EXAMPLE}}}, **CALL_ERRORS},
)
def hold(
    call_id: CallId, body: HoldChange, session: SessionDep, scope: WorkerScope, runtime: RuntimeDep, now: NowDep
) -> CallSnapshot:
    """Only the call's operator. Audited (`call.held` / `call.resumed`); asking again changes nothing."""
    tenants = calls.tenants_of(session, scope)
    session.commit()
    client = NotifyTelephony(runtime.settings)
    tenant, before = calls.find_call(client, scope, tenants, call_id)
    after = client.hold(tenant.slug, call_id, body.on_hold)
    calls.record_control(session, scope, tenant, before, after, now, on_hold=body.on_hold)
    return after


@router.post(
    "/calls/{call_id}/hangup",
    response_model=CallSnapshot,
    summary="End a call at Twilio (every leg): your own, or as the tenant's supervisor any stuck call",
    responses={
        200: {"content": {"application/json": {"example": {**CALL_EXAMPLE, "state": "ended", "on_hold": False}}}},
        **CALL_ERRORS,
    },
)
def hangup(call_id: CallId, session: SessionDep, scope: WorkerScope, runtime: RuntimeDep, now: NowDep) -> CallSnapshot:
    """Audited (`call.hung_up`); a call already over answers its last state."""
    tenants = calls.tenants_of(session, scope)
    session.commit()
    client = NotifyTelephony(runtime.settings)
    tenant, before = calls.find_call(client, scope, tenants, call_id, hangup=True)
    after = client.hangup(tenant.slug, call_id)
    calls.record_control(session, scope, tenant, before, after, now, on_hold=None)
    return after
