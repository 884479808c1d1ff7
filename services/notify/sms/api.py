"""Twilio's SMS status callback (signature checked) and the sandbox SMS outbox (page + JSON, ticket only)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlmodel import Session

from services.common.app import runtime_of
from services.common.capabilities import require_capability
from services.common.db import transaction
from services.notify.api.sandbox_access import Viewer, sandbox_only
from services.notify.api.twilio_signature import TwilioForm
from services.notify.sms import service as sms
from services.notify.telephony import SMS

router = APIRouter(tags=["sms"])
OUTBOX_PAGE = Path(__file__).resolve().parent / "outbox.html"


class OutboxText(BaseModel):
    to: str
    body: str
    status: str
    created_at: datetime


@router.post(
    sms.STATUS_CALLBACK_PATH,
    status_code=204,
    summary="Twilio Messaging status callback",
    responses={403: {"description": "X-Twilio-Signature missing or wrong (nothing changed)"}},
    dependencies=[Depends(require_capability(SMS))],
)
def sms_status(request: Request, form: TwilioForm) -> Response:
    runtime = runtime_of(request)
    with transaction(runtime.engine) as session:
        sms.record_status(
            runtime, session, form.get("MessageSid", ""), form.get("MessageStatus", ""), form.get("ErrorCode")
        )
    return Response(status_code=204)


@router.get("/sandbox/sms/", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(sandbox_only)])
def sandbox_outbox_page() -> HTMLResponse:
    return HTMLResponse(OUTBOX_PAGE.read_text(encoding="utf-8"))


@router.get(
    "/sandbox/sms/messages",
    response_model=list[OutboxText],
    summary="Texts the sandbox would have sent (the ticket's tenant only)",
    tags=["sandbox"],
    responses={401: {"description": "No valid sandbox ticket"}, 404: {"description": "Not a sandbox"}},
)
def sandbox_outbox(request: Request, viewer: Viewer) -> list[OutboxText]:
    with Session(runtime_of(request).engine) as session:
        rows = sms.sandbox_outbox(session, viewer.tenant)
    return [OutboxText(to=row.to, body=row.body, status=row.status, created_at=row.created_at) for row in rows]
