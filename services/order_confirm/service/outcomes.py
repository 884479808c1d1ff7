"""Outcome messages (contracts) written to the outbox in the caller's transaction: the ERP sync, the courier
and the survey learn about a decision only if it commits."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from contracts.calls import CallCompleted, SurveyAnswered, SurveyCompleted
from contracts.orders import (
    DeliverySnapshot,
    ItemChange,
    OrderCancelled,
    OrderChanged,
    OrderConfirmed,
    OrderItemSnapshot,
    OrderUnreachable,
)
from contracts.routing import MessageType
from services.common.messaging.outbox import Outbox
from services.common.money import from_minor
from services.order_confirm.domain.vocabulary import Disposition
from services.order_confirm.models import Attempt, Customer, Operator, Order, OrderItem, Tenant


def tenant_slug(session: Session, tenant_id: int) -> str:
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    return tenant.slug


def items_of(session: Session, order: Order) -> list[OrderItem]:
    query = select(OrderItem).where(OrderItem.order_id == order.id).order_by(col(OrderItem.position))
    return list(session.exec(query).all())


def _common(order: Order, operator: Operator | None, comment: str | None) -> dict[str, object]:
    assert order.id is not None
    return {
        "order_id": order.id,
        "external_id": order.external_id,
        "source": order.source,
        "status": order.status,
        "operator_login": operator.login if operator else None,
        "comment": comment,
    }


def order_confirmed(
    session: Session, outbox: Outbox, order: Order, operator: Operator, *, now: datetime, with_changes: bool
) -> None:
    message = OrderConfirmed(
        **_common(order, operator, order.close_comment),
        confirmed_at=now,
        with_changes=with_changes,
    )
    outbox.add(session, MessageType.ORDER_CONFIRMED, tenant_slug(session, order.tenant_id), message)


def order_changed(
    session: Session,
    outbox: Outbox,
    order: Order,
    operator: Operator,
    *,
    changed_fields: list[str],
    item_changes: list[ItemChange],
) -> None:
    items = items_of(session, order)
    message = OrderChanged(
        **_common(order, operator, order.comment),
        delivery=DeliverySnapshot(
            method=order.delivery_method,
            address=order.delivery_address,
            city=order.delivery_city,
            postcode=order.delivery_postcode,
            requested_date=order.delivery_date,
            slot=order.delivery_slot,
        ),
        items=[
            OrderItemSnapshot(
                sku=item.sku,
                name=item.name,
                quantity=item.quantity,
                unit_price=from_minor(item.unit_price_minor, order.currency),
            )
            for item in items
            if item.quantity > 0
        ],
        item_changes=item_changes,
        changed_fields=changed_fields,
        total=from_minor(order.total_minor, order.currency),
        currency=order.currency,
    )
    outbox.add(session, MessageType.ORDER_CHANGED, tenant_slug(session, order.tenant_id), message)


def order_cancelled(
    session: Session, outbox: Outbox, order: Order, operator: Operator, *, now: datetime, reason_code: str
) -> None:
    message = OrderCancelled(
        **_common(order, operator, order.close_comment),
        reason_code=reason_code,
        cancelled_at=now,
    )
    outbox.add(session, MessageType.ORDER_CANCELLED, tenant_slug(session, order.tenant_id), message)


def order_unreachable(session: Session, outbox: Outbox, order: Order, operator: Operator, *, now: datetime) -> None:
    message = OrderUnreachable(
        **_common(order, operator, order.close_comment),
        attempts=order.attempts_count,
        last_attempt_at=now,
    )
    outbox.add(session, MessageType.ORDER_UNREACHABLE, tenant_slug(session, order.tenant_id), message)


def call_completed(
    session: Session, outbox: Outbox, attempt: Attempt, customer: Customer, operator: Operator, *, language: str
) -> None:
    """Only a call that reached the customer may lead to a survey; notify decides whether and when."""
    disposition = Disposition(attempt.disposition or "")
    if not disposition.reached_customer or customer.phone_e164 is None:
        return
    assert attempt.id is not None and customer.id is not None and operator.id is not None
    message = CallCompleted(
        attempt_id=attempt.id,
        order_id=attempt.order_id,
        customer_id=customer.id,
        customer_phone=customer.phone_e164,
        customer_timezone=customer.timezone,
        language=language,
        operator_id=operator.id,
        disposition=disposition.value,
        reached_customer=True,
        survey_opt_out=customer.survey_opt_out,
        ended_at=attempt.ended_at or attempt.started_at,
    )
    outbox.add(session, MessageType.CALL_COMPLETED, tenant_slug(session, customer.tenant_id), message)


def survey_completed(session: Session, outbox: Outbox, order: Order, result: SurveyAnswered) -> None:
    """Ratings flow back like any outcome; only surveys the customer answered at least in part."""
    if result.csat is None and result.nps is None:
        return
    message = SurveyCompleted(
        **_common(order, None, None),
        attempt_id=result.attempt_id,
        survey_status=result.status,
        csat=result.csat,
        nps=result.nps,
        callback_requested=result.callback_requested,
        finished_at=result.finished_at,
    )
    outbox.add(session, MessageType.SURVEY_COMPLETED, tenant_slug(session, order.tenant_id), message)
