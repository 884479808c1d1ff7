"""Same-day delivery from the order card: ask integrations for slots, create or resend the payment link.

Each use case is split around the HTTP call to integrations: `prepare_*` reads the order in the caller's
scope, the boundary commits (on SQLite a held write lock would block integrations, which shares the file
in `okno run`), the client calls integrations, and `record_link` writes what came back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from contracts.http.same_day import ItemLine, PaymentLinkView, SameDayOrder
from services.common.money import from_minor, to_minor
from services.common.problems import Conflict, NotFound
from services.order_confirm.domain import state_machine
from services.order_confirm.domain.vocabulary import OrderStatus
from services.order_confirm.models import Customer, Operator, Order, OrderItem, PaymentLink, Tenant
from services.order_confirm.service import audit, timeline
from services.order_confirm.service.scope import Scope, get_order

# A link may be made while the order is still being worked on; not once it is closed or paid.
PAYABLE = frozenset(
    {
        OrderStatus.AWAITING_CALL,
        OrderStatus.IN_CALL,
        OrderStatus.NO_ANSWER,
        OrderStatus.CALLBACK_SCHEDULED,
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.UNREACHABLE,
    }
)


class OrderNotPayable(Conflict):
    code, title = "order_not_payable", "A payment link cannot be made for an order in this status"


class NoMobilePhone(Conflict):
    code, title = "no_mobile_phone", "The customer has no phone an SMS can reach"


@dataclass(frozen=True)
class SameDayCall:
    tenant: str
    order: SameDayOrder
    language: str  # the shop's language: what its SMS texts are written in


def prepare(session: Session, scope: Scope, order_id: int, *, for_payment: bool = False) -> SameDayCall:
    """The order as integrations needs it; only what an operator of this order may see."""
    order = get_order(session, scope, order_id)
    if for_payment and OrderStatus(order.status) not in PAYABLE:
        raise OrderNotPayable(
            f"An order that is {order.status} cannot get a payment link.",
            current=order.status,
            allowed=sorted(s.value for s in PAYABLE),
        )
    customer = session.get(Customer, order.customer_id)
    tenant = session.get(Tenant, order.tenant_id)
    assert customer is not None and tenant is not None
    if customer.phone_e164 is None:
        raise NoMobilePhone("The customer's phone is not a valid number; no SMS can reach it.")
    items = session.exec(select(OrderItem).where(OrderItem.order_id == order.id).order_by(col(OrderItem.position)))
    lines = [
        ItemLine(sku=i.sku, name=i.name, quantity=i.quantity, unit_price=from_minor(i.unit_price_minor, order.currency))
        for i in items
        if i.quantity > 0
    ]
    assert order.id is not None
    return SameDayCall(
        tenant.slug,
        SameDayOrder(
            order_id=order.id,
            external_id=order.external_id,
            timezone=tenant.timezone,
            customer_name=customer.name,
            customer_phone=customer.phone_e164,
            customer_email=customer.email,
            address=order.delivery_address,
            city=order.delivery_city,
            postcode=order.delivery_postcode,
            items=lines,
            total=from_minor(order.total_minor, order.currency),
            currency=order.currency,
        ),
        tenant.language,
    )


def record_link(
    session: Session, scope: Scope, operator: Operator, view: PaymentLinkView, *, created: bool, now: datetime
) -> PaymentLink:
    """Keep the operator-facing copy of the link; a new link moves the order to awaiting payment."""
    order = get_order(session, scope, view.order_id, for_update=True)
    link = upsert_projection(session, order, view, now=now, created_by=operator)
    if not created:
        return link
    before = order.status
    if move_order(order, OrderStatus.AWAITING_PAYMENT):
        order.version += 1
        order.updated_at = now
        session.add(order)
    audit.record(
        session,
        now=now,
        actor=operator,
        action="payment_link.created",
        entity="order",
        entity_id=view.order_id,
        tenant_id=order.tenant_id,
        before={"status": before},
        after={
            "status": order.status,
            "link_id": view.link_id,
            "amount": str(view.amount),
            "slot": view.slot and view.slot.slot_id,
        },
    )
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    slot = (
        {"slot_start": view.slot.starts_at.isoformat(), "slot_end": view.slot.ends_at.isoformat()} if view.slot else {}
    )
    timeline.add_event(
        session,
        customer,
        now=now,
        kind="payment_link",
        params={"event": "sent", "amount": str(view.amount), "currency": view.currency, **slot},
        order_id=order.id,
        actor=operator,
        details={"link_id": view.link_id, "status": view.status.value},
    )
    return link


def upsert_projection(
    session: Session, order: Order, view: PaymentLinkView, *, now: datetime, created_by: Operator | None = None
) -> PaymentLink:
    link = session.exec(select(PaymentLink).where(PaymentLink.link_id == view.link_id)).first()
    if link is None:
        assert order.id is not None
        new = PaymentLink(
            tenant_id=order.tenant_id,
            order_id=order.id,
            link_id=view.link_id,
            status=view.status.value,
            provider=view.provider,
            amount_minor=to_minor(view.amount, view.currency),
            currency=view.currency,
            expires_at=view.expires_at,
            created_by_id=created_by.id if created_by else None,
            created_at=view.created_at,
            updated_at=now,
        )
        try:
            # The route and the status consumer may both see the link first; one insert wins.
            with session.begin_nested():
                session.add(new)
            link = new
        except IntegrityError:
            link = session.exec(select(PaymentLink).where(PaymentLink.link_id == view.link_id)).one()
    link.status = view.status.value
    link.url = view.url
    link.sms_status = view.sms_status
    link.paid_at = view.paid_at
    link.failure_reason = (view.failure_reason or "")[:500] or None
    if view.slot is not None:
        link.slot_id, link.slot_starts_at, link.slot_ends_at = view.slot.slot_id, view.slot.starts_at, view.slot.ends_at
    link.updated_at = now
    session.add(link)
    return link


def links_of(session: Session, scope: Scope, order_id: int) -> list[PaymentLink]:
    """Every payment link of the order, newest first (an expired link stays in the history)."""
    order = get_order(session, scope, order_id)
    query = select(PaymentLink).where(PaymentLink.order_id == order.id)
    return list(session.exec(query.order_by(col(PaymentLink.created_at).desc(), col(PaymentLink.id).desc())).all())


def latest_link(session: Session, scope: Scope, order_id: int) -> PaymentLink:
    links = links_of(session, scope, order_id)
    if not links:
        raise NotFound(f"Order {order_id} has no payment link.")
    return links[0]


def move_order(order: Order, target: OrderStatus) -> bool:
    """Move along the state machine (through `in_call` when the owner is on the phone but did not log it)."""
    current = OrderStatus(order.status)
    if current == target:
        return False
    if state_machine.can_move(current, target):
        order.status = target.value
        return True
    if state_machine.can_move(current, OrderStatus.IN_CALL) and state_machine.can_move(OrderStatus.IN_CALL, target):
        order.status = target.value
        return True
    return False
