"""Response bodies of the workflow API (orders, tasks, attempts), built from the service layer's rows."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, TypeAdapter

from services.common.money import from_minor
from services.order_confirm.models import Attempt, Customer, Order, OrderItem, Task
from services.order_confirm.service.orders import OrderDetail
from services.order_confirm.service.queue import QueueEntry
from services.order_confirm.service.queue_claim import Answer


class CustomerBrief(BaseModel):
    id: int
    name: str
    phone: str | None
    timezone: str
    owner_id: int | None
    bad_phone: bool


class ItemView(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


class AttemptView(BaseModel):
    id: int
    order_id: int
    operator_id: int
    started_at: datetime
    ended_at: datetime | None
    disposition: str | None
    reason_code: str | None
    comment: str | None
    callback_at: datetime | None
    next_attempt_at: datetime | None


class TaskView(BaseModel):
    id: int
    kind: str
    status: str
    priority: int
    due_at: datetime
    assignee_id: int | None
    is_cover: bool
    lease_operator_id: int | None
    lease_expires_at: datetime | None
    lease_key: str | None = None
    note: str | None


class OrderBrief(BaseModel):
    id: int
    external_id: str
    status: str
    version: int
    urgent: bool
    total: Decimal
    currency: str
    delivery_date: dt.date | None
    delivery_slot: str | None
    attempts_count: int  # the queue shows it: how many calls this order has already had


class OrderView(OrderBrief):
    customer: CustomerBrief
    delivery_method: str
    delivery_address: str
    delivery_city: str | None
    delivery_postcode: str | None
    payment_method: str
    payment_status: str
    comment: str | None
    items: list[ItemView]
    attempts: list[AttemptView]
    open_task: TaskView | None
    next_statuses: list[str]
    close_reason: str | None
    closed_at: datetime | None


class QueueItem(BaseModel):
    task: TaskView
    order: OrderBrief | None
    customer: CustomerBrief
    is_due: bool


def customer_brief(customer: Customer) -> CustomerBrief:
    return CustomerBrief(
        id=customer.id or 0,
        name=customer.name,
        phone=customer.phone_e164 or customer.phone_raw,
        timezone=customer.timezone,
        owner_id=customer.owner_id,
        bad_phone=customer.bad_phone,
    )


def order_brief(order: Order) -> OrderBrief:
    return OrderBrief(
        id=order.id or 0,
        external_id=order.external_id,
        status=order.status,
        version=order.version,
        urgent=order.urgent,
        total=from_minor(order.total_minor, order.currency),
        currency=order.currency,
        delivery_date=order.delivery_date,
        delivery_slot=order.delivery_slot,
        attempts_count=order.attempts_count,
    )


def task_view(task: Task, *, with_lease_key: bool = False) -> TaskView:
    """The lease key goes back only to the claim that made it (it is that claim's idempotency key)."""
    view = TaskView.model_validate(task, from_attributes=True)
    return view if with_lease_key else view.model_copy(update={"lease_key": None})


def attempt_view(attempt: Attempt) -> AttemptView:
    return AttemptView.model_validate(attempt, from_attributes=True)


def item_view(item: OrderItem, currency: str) -> ItemView:
    return ItemView(
        sku=item.sku, name=item.name, quantity=item.quantity, unit_price=from_minor(item.unit_price_minor, currency)
    )


def order_view(detail: OrderDetail) -> OrderView:
    order = detail.order
    return OrderView(
        **order_brief(order).model_dump(),
        customer=customer_brief(detail.customer),
        delivery_method=order.delivery_method,
        delivery_address=order.delivery_address,
        delivery_city=order.delivery_city,
        delivery_postcode=order.delivery_postcode,
        payment_method=order.payment_method,
        payment_status=order.payment_status,
        comment=order.comment,
        items=[item_view(item, order.currency) for item in detail.items if item.quantity > 0],
        attempts=[attempt_view(attempt) for attempt in detail.attempts],
        open_task=task_view(detail.open_task) if detail.open_task else None,
        next_statuses=detail.next_statuses,
        close_reason=order.close_reason,
        closed_at=order.closed_at,
    )


_QUEUE_ITEM = TypeAdapter(QueueItem)


def claimed_item_json(answer: Answer, now: datetime) -> bytes:
    """The claim's answer (a `QueueItem` with the lease key) from its row, as JSON: validated and serialized
    by pydantic-core, without ORM objects in between."""
    order = None
    if answer["o_id"] is not None:
        order = {name: answer[f"o_{name}"] for name in OrderBrief.model_fields if name != "total"}
        order["total"] = from_minor(answer["o_total_minor"], answer["o_currency"])
    customer = {name: answer[f"c_{name}"] for name in CustomerBrief.model_fields if name != "phone"}
    customer["phone"] = answer["c_phone_e164"] or answer["c_phone_raw"]
    item = {
        "task": {name: answer[f"t_{name}"] for name in TaskView.model_fields},
        "order": order,
        "customer": customer,
        "is_due": answer["t_due_at"] <= now,
    }
    return _QUEUE_ITEM.dump_json(_QUEUE_ITEM.validate_python(item))


def queue_item(entry: QueueEntry, now: datetime, *, with_lease_key: bool = False) -> QueueItem:
    return QueueItem(
        task=task_view(entry.task, with_lease_key=with_lease_key),
        order=order_brief(entry.order) if entry.order else None,
        customer=customer_brief(entry.customer),
        is_due=entry.task.due_at <= now,
    )
