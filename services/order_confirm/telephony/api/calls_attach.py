"""`POST /api/v1/calls/{call_id}/attach`: an unknown caller's inbound call joins an order (and its customer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.order_confirm.api.deps import CurrentScope, NowDep, SessionDep
from services.order_confirm.telephony import inbound

router = APIRouter(prefix="/api/v1", tags=["telephony"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "`inbound_call_not_found`: no such inbound call among those you may attach (the operator "
        "who answered it, or a supervisor/admin of its tenant); `not_found`: no such order among yours",
        "content": {"application/problem+json": {"example": {
            "type": "https://okno.dev/problems/inbound_call_not_found", "title": "No such inbound call",
            "status": 404, "code": "inbound_call_not_found", "detail": "No call 6f1c1c8e-3d5e-4a6b-9a57-3c2f0f3a9b10.",
        }}},
    },
    409: {
        "description": "`call_already_attached`: the call belongs to another order or customer; "
        "`call_not_answered`: nobody answered it, so there was no conversation to attach",
        "content": {"application/problem+json": {"example": {
            "type": "https://okno.dev/problems/call_already_attached", "status": 409,
            "title": "The call already belongs to a customer", "code": "call_already_attached",
            "detail": "Call 6f1c1c8e-3d5e-4a6b-9a57-3c2f0f3a9b10 already belongs to another customer or order.",
        }}},
    },
}  # fmt: skip


class AttachCall(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"order_id": 1042}]})
    order_id: int = Field(description="The order the conversation was about")


class AttachedCall(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "call_id": "6f1c1c8e-3d5e-4a6b-9a57-3c2f0f3a9b10", "customer_id": 42, "order_id": 1042,
                    "operator_id": 9, "answered_at": "2026-11-23T09:00:19Z", "attached_by_id": 9,
                    "attached_at": "2026-11-23T09:04:10Z",
                }
            ]
        }
    )  # fmt: skip
    call_id: str
    customer_id: int | None
    order_id: int | None
    operator_id: int | None
    answered_at: datetime | None
    attached_by_id: int | None
    attached_at: datetime | None


@router.post("/calls/{call_id}/attach", response_model=AttachedCall, responses=ERRORS)
def attach_call(call_id: str, body: AttachCall, session: SessionDep, scope: CurrentScope, now: NowDep) -> AttachedCall:
    """Attach an answered inbound call from a caller Okno did not know to the order it was about: the call
    joins the order's customer (timeline line, audit entry). Again with the same order: the same answer."""
    call = inbound.attach_call(session, scope, call_id, body.order_id, now=now)
    return AttachedCall.model_validate(call, from_attributes=True)
