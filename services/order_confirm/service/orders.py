"""Reading one order with what the operator needs on screen: items, attempts, open task, what may come next."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from services.order_confirm.domain import state_machine
from services.order_confirm.domain.vocabulary import OrderStatus
from services.order_confirm.models import Attempt, Customer, Order, OrderItem, Task
from services.order_confirm.service import outcomes, queue
from services.order_confirm.service.scope import Scope, get_order


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    customer: Customer
    items: list[OrderItem]
    attempts: list[Attempt]
    open_task: Task | None
    next_statuses: list[str]


def order_detail(session: Session, scope: Scope, order_id: int) -> OrderDetail:
    order = get_order(session, scope, order_id)
    return detail_of(session, order)


def detail_after_write(session: Session, order_id: int) -> OrderDetail:
    """The order the caller has just written, read back without the scope filter: the write may have taken it
    out of the caller's scope, and they still see what they did."""
    order = session.get(Order, order_id)
    assert order is not None
    return detail_of(session, order)


def detail_of(session: Session, order: Order) -> OrderDetail:
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    attempts = session.exec(
        select(Attempt).where(col(Attempt.order_id) == order.id).order_by(col(Attempt.started_at), col(Attempt.id))
    ).all()
    return OrderDetail(
        order=order,
        customer=customer,
        items=outcomes.items_of(session, order),
        attempts=list(attempts),
        open_task=queue.open_task_of(session, order),
        next_statuses=sorted(s.value for s in state_machine.allowed_from(OrderStatus(order.status))),
    )
