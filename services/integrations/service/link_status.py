"""How a payment link's status moves, whatever reports it (provider webhook, SMS callback, expiry sweep).

Reports arrive duplicated and out of order, so a status only moves forward: created < sent < opened,
then one final status. `paid` wins over everything (the money was taken, even after the link expired);
`expired`/`failed` never replace `paid`. Each real change is one `PaymentStatusChanged` message.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from contracts.delivery import ShipmentRequested
from contracts.payments import PaymentLinkStatus, PaymentStatusChanged, SmsStatusChanged
from contracts.routing import MessageType
from services.common.money import from_minor
from services.integrations.models import PaymentLink
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.same_day import release_slot


def change_status(
    runtime: IntegrationsRuntime,
    session: Session,
    link: PaymentLink,
    new: PaymentLinkStatus,
    *,
    reason: str | None = None,
    paid_at: datetime | None = None,
) -> bool:
    """Move the link to `new` if that is forward; True when it moved (and the change was announced)."""
    if not new.may_follow(link.status):
        return False
    now = runtime.clock()
    was_active = link.active_order_id is not None
    link.status = new.value
    link.updated_at = now
    if new in (PaymentLinkStatus.EXPIRED, PaymentLinkStatus.FAILED):
        link.failure_reason = reason
        link.active_order_id = None
        if link.slot_held and link.slot_id:
            release_slot(session, link.tenant, link.slot_id)
            link.slot_held = False
    if new == PaymentLinkStatus.PAID:
        link.paid_at = paid_at or now
        if not was_active:
            # Paid after it expired: its slot was released, so the courier gets the order without one and
            # the owner is told to rearrange. It becomes the order's link again unless a newer one is active.
            link.slot_id = None
            link.slot = None
            newer = session.exec(
                select(PaymentLink.id).where(
                    PaymentLink.tenant == link.tenant, PaymentLink.active_order_id == link.order_id
                )
            ).first()
            link.active_order_id = None if newer else link.order_id
        runtime.outbox.add(
            session,
            MessageType.SHIPMENT_REQUESTED,
            link.tenant,
            ShipmentRequested(link_id=link.id, order_id=link.order_id, external_id=link.external_id),
        )
    session.add(link)
    emit_status(runtime, session, link)
    return True


def emit_status(runtime: IntegrationsRuntime, session: Session, link: PaymentLink) -> None:
    if link.status == "pending":
        return
    runtime.outbox.add(
        session,
        MessageType.PAYMENT_STATUS_CHANGED,
        link.tenant,
        PaymentStatusChanged(
            link_id=link.id,
            order_id=link.order_id,
            external_id=link.external_id,
            status=PaymentLinkStatus(link.status),
            provider=link.provider,
            provider_payment_id=link.provider_payment_id,
            amount=from_minor(link.amount_minor, link.currency),
            currency=link.currency,
            url=link.url,
            expires_at=link.expires_at,
            slot_id=link.slot_id,
            sms_status=link.sms_status,
            paid_at=link.paid_at,
            failure_reason=link.failure_reason,
            changed_at=runtime.clock(),
        ),
    )


def record_sms_status(runtime: IntegrationsRuntime, session: Session, report: SmsStatusChanged) -> None:
    """notify's delivery report of the link's SMS: `sent` once Twilio hands it on; a failure is shown too."""
    link = session.exec(select(PaymentLink).where(PaymentLink.sms_ref == report.sms_ref)).first()
    if link is None or link.sms_status == report.status:
        return  # a report of an older SMS of this link (resent since), or a repeat
    if link.sms_status in _SMS_FINAL and report.status not in _SMS_FINAL:
        return  # Twilio's callbacks can overtake each other; "sent" after "delivered" changes nothing
    link.sms_status = report.status
    link.updated_at = runtime.clock()
    session.add(link)
    if report.status in ("sent", "delivered") and change_status(runtime, session, link, PaymentLinkStatus.SENT):
        return
    emit_status(runtime, session, link)  # the operator still sees the SMS status change (e.g. undelivered)


_SMS_FINAL = ("delivered", "undelivered", "failed")
