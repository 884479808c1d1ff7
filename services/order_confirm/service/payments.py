"""What integrations reports about payments and couriers, as the customer's owner needs to see it.

A paid link moves the order to `paid`, puts it in the owner's queue and tells the ERP (`PaymentReceived`);
an expired or failed link, or a courier that could not deliver, becomes a task for the owner to call.
Reports may arrive twice or out of order: a link's status here never moves backwards.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from contracts.delivery import CourierEventReceived
from contracts.http.same_day import PaymentLinkView
from contracts.payments import PaymentLinkStatus, PaymentReceived, PaymentStatusChanged
from contracts.routing import MessageType
from services.common.messaging.outbox import Outbox
from services.order_confirm.domain.vocabulary import OrderStatus, TaskKind, TaskStatus
from services.order_confirm.models import Customer, Order, PaymentLink, Task, Tenant
from services.order_confirm.service import audit, timeline
from services.order_confirm.service.same_day import move_order, upsert_projection

ACTOR = "system:payments"
URGENT_PRIORITY = 20  # above every confirmation task: the courier slot closes today


def on_payment_status(
    session: Session, outbox: Outbox, tenant_slug: str, report: PaymentStatusChanged, *, now: datetime
) -> None:
    order = _order(session, tenant_slug, report.order_id)
    if order is None:
        return
    current = session.exec(select(PaymentLink).where(PaymentLink.link_id == report.link_id)).first()
    if current is not None and not report.status.may_follow(current.status) and current.sms_status == report.sms_status:
        return
    # The console's live stream watches each order's version: a new link fact is worth a refresh. An
    # order awaiting payment is not editable, so this cannot turn an operator's edit into a stale one.
    _touch(session, order, now)
    if current is not None and not report.status.may_follow(current.status):
        current.sms_status = report.sms_status  # only the SMS delivery news is new
        session.add(current)
        return
    upsert_projection(session, order, _view(report), now=now)
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    if report.status == PaymentLinkStatus.PAID:
        _paid(session, outbox, tenant_slug, order, customer, report, now=now)
    elif report.status in (PaymentLinkStatus.EXPIRED, PaymentLinkStatus.FAILED):
        word = "expired" if report.status == PaymentLinkStatus.EXPIRED else "failed"
        fact = {"event": word, "link_id": report.link_id}
        timeline.add_event(session, customer, now=now, kind="payment_link", params=fact, order_id=order.id)
        if order.status == OrderStatus.AWAITING_PAYMENT:
            _owner_task(
                session, order, customer, TaskKind.PAYMENT_FOLLOW_UP, f"Payment link {word}: call the customer", now=now
            )


def on_courier_event(session: Session, tenant_slug: str, event: CourierEventReceived, *, now: datetime) -> None:
    order = _order(session, tenant_slug, event.order_id)
    if order is None:
        return
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    fact = {
        "courier": event.courier,
        "shipment_ref": event.shipment_ref,
        "status": event.status,
        "reason": event.reason,
    }
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="courier",
        params=fact,
        order_id=order.id,
        details={"courier_status": event.courier_status, "slot_id": event.slot_id},
    )
    if event.needs_rearrangement:
        _owner_task(
            session,
            order,
            customer,
            TaskKind.REARRANGE_DELIVERY,
            f"Rearrange delivery: {event.reason or event.status}",
            now=now,
        )


def _paid(
    session: Session,
    outbox: Outbox,
    tenant_slug: str,
    order: Order,
    customer: Customer,
    report: PaymentStatusChanged,
    *,
    now: datetime,
) -> None:
    before = order.status
    if move_order(order, OrderStatus.PAID):
        order.payment_status = "paid"
        session.add(order)
    audit.record(
        session,
        now=now,
        actor=ACTOR,
        action="order.paid",
        entity="order",
        entity_id=report.order_id,
        tenant_id=order.tenant_id,
        before={"status": before},
        after={"status": order.status, "link_id": report.link_id, "amount": str(report.amount)},
    )
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="payment",
        params={"amount": str(report.amount), "currency": report.currency, "link_id": report.link_id},
        order_id=order.id,
    )
    _owner_task(
        session, order, customer, TaskKind.PAYMENT_FOLLOW_UP, "Paid: confirm the order, the courier is booked", now=now
    )
    _payment_received(session, outbox, tenant_slug, order, report, now=now)


def _payment_received(
    session: Session, outbox: Outbox, tenant_slug: str, order: Order, report: PaymentStatusChanged, *, now: datetime
) -> None:
    """Tell the shop's system of record (ERP or webhook, via integrations) that the order is paid."""
    assert order.id is not None
    outbox.add(
        session,
        MessageType.PAYMENT_RECEIVED,
        tenant_slug,
        PaymentReceived(
            order_id=order.id,
            external_id=order.external_id,
            source=order.source,
            status=order.status,
            link_id=report.link_id,
            provider=report.provider,
            provider_payment_id=report.provider_payment_id or report.link_id,
            amount=report.amount,
            currency=report.currency,
            paid_at=report.paid_at or now,
        ),
    )


def _owner_task(
    session: Session, order: Order, customer: Customer, kind: TaskKind, note: str, *, now: datetime
) -> Task:
    assert customer.id is not None
    task = Task(
        tenant_id=order.tenant_id,
        order_id=order.id,
        customer_id=customer.id,
        kind=kind.value,
        status=TaskStatus.OPEN.value,
        priority=URGENT_PRIORITY,
        due_at=now,
        assignee_id=customer.owner_id,
        note=note[:500],
        created_at=now,
    )
    session.add(task)
    session.flush()
    return task


def _touch(session: Session, order: Order, now: datetime) -> None:
    order.version += 1
    order.updated_at = now
    session.add(order)


def _order(session: Session, tenant_slug: str, order_id: int) -> Order | None:
    tenant = session.exec(select(Tenant).where(Tenant.slug == tenant_slug)).first()
    order = session.get(Order, order_id)
    if tenant is None or order is None or order.tenant_id != tenant.id:
        return None  # never act on another tenant's order, whatever a message says
    return order


def _view(report: PaymentStatusChanged) -> PaymentLinkView:
    return PaymentLinkView(
        link_id=report.link_id,
        order_id=report.order_id,
        status=report.status,
        provider=report.provider,
        url=report.url,
        amount=report.amount,
        currency=report.currency,
        expires_at=report.expires_at,
        sms_status=report.sms_status,
        created_at=report.changed_at,
        paid_at=report.paid_at,
        failure_reason=report.failure_reason,
    )
