"""Payment links: one active link per order, created with the tenant's provider and texted to the customer.

`request_link` owns its transactions: the provider call must never run inside one (a slow provider would
hold locks, and a rollback cannot undo a payment). It holds the slot and writes a `pending` link first;
a retry after a crash reuses that link's idempotency key, so the provider never makes a second payment.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from contracts.http.same_day import PaymentLinkRequest, PaymentLinkView, SameDayOrder, SameDaySlot
from contracts.payments import PaymentLinkStatus, SmsRequested
from contracts.routing import MessageType
from services.common.db import transaction
from services.common.money import from_minor, to_minor
from services.common.problems import Conflict, DomainError, NotFound
from services.integrations.adapters.payments.base import NewPayment, PaymentProviderError, PaymentRejected
from services.integrations.adapters.payments.providers import provider_for
from services.integrations.models import PaymentLink
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.link_status import change_status, emit_status
from services.integrations.service.provider_setup import payment_setup
from services.integrations.service.same_day import SlotUnavailable, hold_slot, quote

USABLE = (PaymentLinkStatus.CREATED, PaymentLinkStatus.SENT, PaymentLinkStatus.OPENED)
PENDING = "pending"


class PaymentProviderUnavailable(DomainError):
    status, code, title = 502, "payment_provider_unavailable", "The payment provider did not answer"


class PaymentProviderRefused(DomainError):
    status, code, title = 502, "payment_provider_refused", "The payment provider refused the payment"


class LinkInProgress(Conflict):
    code, title = "link_in_progress", "A payment link for this order is being created"


class OrderAlreadyPaid(Conflict):
    code, title = "order_already_paid", "This order is already paid"


def request_link(
    runtime: IntegrationsRuntime, tenant: str, request: PaymentLinkRequest
) -> tuple[PaymentLinkView, bool]:
    """The order's active link (created=False) or a new one (created=True), texted to the customer."""
    slot = _chosen_slot(runtime, tenant, request)
    with transaction(runtime.engine) as session:
        link, reused = _reserve_link(runtime, session, tenant, request, slot)
        if reused and link.status != PENDING:
            if request.resend_sms and link.status in USABLE:
                _queue_sms(runtime, session, link)
            return view(link), False
        config, _ = payment_setup(session, tenant, runtime.capabilities)
        new_payment = NewPayment(
            link_id=link.id,
            idempotence_key=link.idempotence_key,
            amount_minor=link.amount_minor,
            currency=link.currency,
            description=f"Order {link.external_id}",
            order=request.order,
            expires_at=link.expires_at,
        )
    provider = provider_for(config)
    try:
        payment = provider.create_payment(new_payment)
    except PaymentRejected as error:
        with transaction(runtime.engine) as session:
            failed = _reload(session, link.id)
            change_status(runtime, session, failed, PaymentLinkStatus.FAILED, reason=str(error))
        raise PaymentProviderRefused(str(error)) from None
    except PaymentProviderError as error:
        # The link stays pending (slot held) until it expires; asking again retries with the same key.
        raise PaymentProviderUnavailable(f"{error} Try again: the same payment will be reused.") from None
    with transaction(runtime.engine) as session:
        link = _reload(session, link.id)
        if link.status == PENDING:  # a concurrent retry may have finished it already
            link.provider_payment_id = payment.payment_id
            link.url = payment.url
            change_status(runtime, session, link, PaymentLinkStatus.CREATED)
            _queue_sms(runtime, session, link)
    return view(link), True


def active_link(session: Session, tenant: str, order_id: int) -> PaymentLink:
    """The order's current link, or its latest one once none is active (so the operator sees how it ended)."""
    link = session.exec(
        select(PaymentLink)
        .where(PaymentLink.tenant == tenant, PaymentLink.order_id == order_id)
        .order_by(PaymentLink.created_at.desc())  # type: ignore[attr-defined]
    ).first()
    if link is None:
        raise NotFound(f"Order {order_id} has no payment link.")
    return link


def _chosen_slot(runtime: IntegrationsRuntime, tenant: str, request: PaymentLinkRequest) -> SameDaySlot | None:
    """Re-check the slot the operator picked against a fresh quote (it may have filled up since)."""
    if request.slot_id is None:
        return None
    with Session(runtime.engine) as session:
        answer = quote(session, tenant, request.order, now=runtime.clock())
    slot = next((s for s in answer.slots if s.slot_id == request.slot_id), None)
    if slot is None:
        reason = answer.reason or "slot_unknown"
        raise SlotUnavailable(answer.detail or f"Slot {request.slot_id} is not offered now.", reason=reason)
    return slot


def _reserve_link(
    runtime: IntegrationsRuntime,
    session: Session,
    tenant: str,
    request: PaymentLinkRequest,
    slot: SameDaySlot | None,
) -> tuple[PaymentLink, bool]:
    now = runtime.clock()
    order = request.order
    existing = session.exec(
        select(PaymentLink).where(PaymentLink.tenant == tenant, PaymentLink.active_order_id == order.order_id)
    ).first()
    if existing is not None:
        if existing.status == PaymentLinkStatus.PAID:
            raise OrderAlreadyPaid(f"Order {order.order_id} was paid at {existing.paid_at:%Y-%m-%d %H:%M} UTC.")
        if existing.expires_at > now:
            return existing, True
        change_status(runtime, session, existing, PaymentLinkStatus.EXPIRED, reason="expired")
        session.flush()
    config, ttl_minutes = payment_setup(session, tenant, runtime.capabilities)
    amount = order.total + (slot.price if slot else 0)
    link_id = f"pl_{uuid.uuid4().hex}"
    link = PaymentLink(
        id=link_id,
        tenant=tenant,
        order_id=order.order_id,
        external_id=order.external_id,
        active_order_id=order.order_id,
        status=PENDING,
        provider=config.provider,
        idempotence_key=link_id,
        amount_minor=to_minor(amount, order.currency),
        currency=order.currency,
        expires_at=now + timedelta(minutes=ttl_minutes),
        slot_id=slot.slot_id if slot else None,
        slot=slot.model_dump(mode="json") if slot else None,
        language=request.language,
        order=order.model_dump(mode="json"),
        created_at=now,
        updated_at=now,
    )
    if slot is not None:
        link.slot_held = hold_slot(session, tenant, slot)
    session.add(link)
    try:
        session.flush()
    except IntegrityError:
        # Another request created the order's link between our read and our insert.
        raise LinkInProgress("A payment link for this order is being created; ask again.") from None
    return link, False


def _queue_sms(runtime: IntegrationsRuntime, session: Session, link: PaymentLink) -> None:
    order = SameDayOrder.model_validate(link.order)
    link.sms_count += 1
    link.sms_ref = f"{link.id}.{link.sms_count}"
    link.sms_status = "queued"
    link.updated_at = runtime.clock()
    session.add(link)
    expires_local = link.expires_at.astimezone(ZoneInfo(order.timezone))
    runtime.outbox.add(
        session,
        MessageType.SMS_REQUESTED,
        link.tenant,
        SmsRequested(
            sms_ref=link.sms_ref,
            to=order.customer_phone,
            template="payment_link",
            language=link.language,
            params={
                "order": link.external_id,
                "amount": f"{from_minor(link.amount_minor, link.currency)} {link.currency}",
                "url": link.url or "",
                "expires": f"{expires_local:%H:%M}",
                "customer": order.customer_name,
            },
        ),
    )
    emit_status(runtime, session, link)


def _reload(session: Session, link_id: str) -> PaymentLink:
    link = session.get(PaymentLink, link_id)
    assert link is not None
    return link


def view(link: PaymentLink) -> PaymentLinkView:
    return PaymentLinkView(
        link_id=link.id,
        order_id=link.order_id,
        status=PaymentLinkStatus.CREATED if link.status == PENDING else PaymentLinkStatus(link.status),
        provider=link.provider,
        url=link.url,
        amount=from_minor(link.amount_minor, link.currency),
        currency=link.currency,
        expires_at=link.expires_at,
        slot=SameDaySlot.model_validate(link.slot) if link.slot else None,
        sms_status=link.sms_status,
        created_at=link.created_at,
        paid_at=link.paid_at,
        failure_reason=link.failure_reason,
    )
