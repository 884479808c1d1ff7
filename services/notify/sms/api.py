"""Twilio's SMS status callback (signature checked) and the sandbox outbox page of `okno run`."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from services.common.app import runtime_of
from services.common.db import transaction
from services.notify.api.twilio_signature import TwilioForm
from services.notify.sms import service as sms

router = APIRouter(tags=["sms"])


@router.post(
    sms.STATUS_CALLBACK_PATH,
    status_code=204,
    summary="Twilio Messaging status callback",
    responses={403: {"description": "X-Twilio-Signature missing or wrong (nothing changed)"}},
)
def sms_status(request: Request, form: TwilioForm) -> Response:
    runtime = runtime_of(request)
    with transaction(runtime.engine) as session:
        sms.record_status(
            runtime, session, form.get("MessageSid", ""), form.get("MessageStatus", ""), form.get("ErrorCode")
        )
    return Response(status_code=204)


@router.get("/sandbox/sms", response_class=HTMLResponse, summary="Texts the sandbox would have sent")
def sandbox_outbox(request: Request) -> HTMLResponse:
    with Session(runtime_of(request).engine) as session:
        rows = sms.sandbox_outbox(session)
    items = "".join(
        f"<li><time>{row.created_at:%Y-%m-%d %H:%M:%S} UTC</time> <b>{escape(row.to)}</b> "
        f"<span class=status>{escape(row.status)}</span><p>{_linkify(row.body)}</p></li>"
        for row in rows
    )
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>Okno · SMS outbox (sandbox)</title>"
        "<style>body{font:15px system-ui;margin:2rem}li{margin:1rem 0;list-style:none}"
        "p{margin:.3rem 0;padding:.6rem;background:#eef;border-radius:8px}</style>"
        "<h1>SMS outbox</h1><p>No Twilio credentials are set, so texts land here instead of phones.</p>"
        f"<ul>{items or '<li>No texts yet.</li>'}</ul>"
    )


def _linkify(body: str) -> str:
    words = [
        f'<a href="{escape(w)}">{escape(w)}</a>' if w.startswith(("http://", "https://")) else escape(w)
        for w in body.split(" ")
    ]
    return " ".join(words)
