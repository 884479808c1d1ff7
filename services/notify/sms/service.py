"""Texting customers: render the tenant's template, send through Twilio Messaging, follow its status.

The text goes through the telephony boundary: Twilio Messaging, or in the sandbox (`okno run`) nowhere — it
lands in the SMS outbox page (`/notify/sandbox/sms/`) and counts as delivered, so the rest of the flow behaves
as in production. Without Twilio and without the sandbox the text fails as `not_configured`.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlmodel import Session, col, select

from contracts.payments import SmsRequested, SmsStatusChanged
from contracts.routing import MessageType
from services.common.capabilities import CapabilityNotConfigured
from services.notify.runtime import NotifyRuntime
from services.notify.sms.models import SmsMessage, SmsTemplate
from services.notify.sms.text import default_text, render
from services.notify.telephony import SMS, CallRejected, OutgoingSms, TelephonyUnavailable, telephony_for

log = structlog.get_logger(__name__)
STATUS_CALLBACK_PATH = "/twilio/sms-status"
# Twilio's MessageStatus values in the order a text goes through them; callbacks may arrive out of order.
_PROGRESS = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "undelivered": 4, "failed": 4}


class SmsUnavailable(Exception):
    """Twilio could not take the text now; the consumer is retried with backoff."""


def send_sms(runtime: NotifyRuntime, session: Session, tenant: str, request: SmsRequested) -> SmsMessage:
    """Send one text, once per `sms_ref` (a redelivered request finds its row and sends nothing)."""
    existing = session.exec(select(SmsMessage).where(SmsMessage.sms_ref == request.sms_ref)).first()
    if existing is not None:
        return existing
    now = runtime.clock()
    sms = SmsMessage(
        tenant=tenant,
        sms_ref=request.sms_ref,
        to=request.to,
        template=request.template,
        language=request.language,
        body=render(template_text(session, tenant, request.template, request.language), request.params),
        status="queued",
        created_at=now,
        updated_at=now,
    )
    _send(runtime, sms)
    session.add(sms)
    session.flush()
    _report(runtime, session, sms)
    return sms


def record_status(
    runtime: NotifyRuntime, session: Session, message_sid: str, status: str, error_code: str | None
) -> bool:
    """Twilio's status callback for one text; True when it moved the status forward."""
    sms = session.exec(select(SmsMessage).where(SmsMessage.message_sid == message_sid)).first()
    if sms is None or _PROGRESS.get(status, -1) <= _PROGRESS.get(sms.status, -1):
        return False
    sms.status = status
    sms.error_code = error_code or sms.error_code
    sms.updated_at = runtime.clock()
    session.add(sms)
    _report(runtime, session, sms)
    return True


def template_text(session: Session, tenant: str, template: str, language: str) -> str:
    own = session.exec(
        select(SmsTemplate.body).where(
            SmsTemplate.tenant == tenant, SmsTemplate.template == template, SmsTemplate.language == language
        )
    ).first()
    return own or default_text(template, language)


def set_template(session: Session, tenant: str, template: str, language: str, body: str, *, now: datetime) -> None:
    row = session.exec(
        select(SmsTemplate).where(
            SmsTemplate.tenant == tenant, SmsTemplate.template == template, SmsTemplate.language == language
        )
    ).first()
    row = row or SmsTemplate(tenant=tenant, template=template, language=language, body=body, updated_at=now)
    row.body, row.updated_at = body, now
    session.add(row)


def sandbox_outbox(session: Session, tenant: str, *, limit: int = 100) -> list[SmsMessage]:
    query = (
        select(SmsMessage)
        .where(col(SmsMessage.tenant) == tenant, col(SmsMessage.sandbox))
        .order_by(col(SmsMessage.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def _send(runtime: NotifyRuntime, sms: SmsMessage) -> None:
    try:
        runtime.capabilities.require(SMS)
        telephony = telephony_for(runtime)
    except CapabilityNotConfigured:
        # Production without Twilio never pretends: the text fails, and integrations shows why.
        sms.status, sms.error_code = "failed", "not_configured"
        log.error("sms.not_configured", sms_ref=sms.sms_ref, hint="set the OKNO_NOTIFY_TWILIO_* settings")
        return
    sms.sandbox = telephony.provider == "sandbox"
    status_callback = runtime.settings.public_base_url.rstrip("/") + STATUS_CALLBACK_PATH
    try:
        sent = telephony.sms.send(OutgoingSms(sms.to, sms.body, status_callback))
    except CallRejected as error:
        # Refused for good (invalid number 21211, unsubscribed 21610, no sender...): retrying cannot help.
        sms.status, sms.error_code = "failed", error.code or "rejected"
        return
    except TelephonyUnavailable as error:
        raise SmsUnavailable(str(error)) from error
    sms.message_sid, sms.status = sent.message_sid, sent.status


def _report(runtime: NotifyRuntime, session: Session, sms: SmsMessage) -> None:
    runtime.outbox.add(
        session,
        MessageType.SMS_STATUS_CHANGED,
        sms.tenant,
        SmsStatusChanged(
            sms_ref=sms.sms_ref,
            status=sms.status,
            message_sid=sms.message_sid,
            error_code=sms.error_code,
            changed_at=runtime.clock(),
        ),
    )
