"""Order intake: a shop's order snapshot becomes a customer with one owner, an order and a confirmation task.

Runs in the ORDER_SNAPSHOT_RECEIVED consumer's transaction. The customer's row is locked first, so all
orders of one customer are applied one at a time and always land with the same owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from contracts.orders import OrderEventType, OrderSnapshot
from services.order_confirm.domain import phones
from services.order_confirm.domain.vocabulary import OrderStatus, TaskKind, TaskStatus
from services.order_confirm.models import Customer, Order, Task, Tenant
from services.order_confirm.service import audit, timeline
from services.order_confirm.service.order_projection import apply_snapshot, new_order, summary, write_items
from services.order_confirm.service.ownership import FRESH_CUSTOMERS, assign_owner
from services.order_confirm.service.tenancy import get_tenant
from services.order_confirm.service.transaction_memo import memo
from services.order_confirm.streams import watch as streams_watch

URGENT_PRIORITY = 100  # same-day / express: called before everything else that is due
CONFIRMED = (OrderStatus.CONFIRMED.value, OrderStatus.CONFIRMED_WITH_CHANGES.value)
FINAL = (OrderStatus.CANCELLED.value, OrderStatus.CANCELLED_BY_SHOP.value, OrderStatus.UNREACHABLE.value)
ACTOR = "system:intake"


def receive_snapshot(session: Session, tenant_slug: str, snapshot: OrderSnapshot, *, now: datetime) -> Order | None:
    """Apply one order event; None when it is older than what the projection already holds."""
    tenant = tenant_of(session, tenant_slug)
    customer = lock_customer(session, tenant, snapshot, now=now)
    order = session.exec(
        select(Order).where(Order.tenant_id == tenant.id, Order.external_id == snapshot.external_id).with_for_update()
    ).first()
    if order is None:
        return _create(session, customer, snapshot, now=now)
    if _is_stale(order, snapshot):
        return None
    if snapshot.event is OrderEventType.CANCELLED:
        return _cancel(session, customer, order, snapshot, now=now)
    return _update(session, customer, order, snapshot, now=now)


def tenant_of(session: Session, slug: str) -> Tenant:
    """The shop, read once per transaction (a batch of snapshots shares one)."""
    tenants = memo(session, "okno_intake_tenants")
    found: Tenant = tenants.get(slug) or tenants.setdefault(slug, get_tenant(session, slug))
    return found


@dataclass(frozen=True)
class TenantRef:
    """What intake needs of a shop: its id, and where its customers' phones and clocks are unless they say."""

    id: int
    country: str
    timezone: str

    @classmethod
    def of(cls, tenant: Tenant) -> TenantRef:
        assert tenant.id is not None
        return cls(tenant.id, tenant.country, tenant.timezone)


def customer_values(tenant: TenantRef, snapshot: OrderSnapshot, *, now: datetime) -> dict[str, Any]:
    """The customer's row as their first order states it (identity: tenant + E.164 phone)."""
    identity = phones.identify(snapshot.customer.phone, tenant.country)
    return {
        "tenant_id": tenant.id,
        "phone_key": identity.key,
        "phone_e164": identity.e164,
        "phone_raw": snapshot.customer.phone[:64],
        "bad_phone": identity.bad,
        "name": snapshot.customer.name[:200],
        "email": snapshot.customer.email,
        "timezone": phones.customer_timezone(
            city=snapshot.delivery.city,
            address=snapshot.delivery.address,
            e164=identity.e164,
            tenant_timezone=tenant.timezone,
        ),
        "survey_opt_out": False,
        "created_at": now,
        "updated_at": now,
    }


def lock_customer(session: Session, tenant: Tenant, snapshot: OrderSnapshot, *, now: datetime) -> Customer:
    """Find or create the customer (tenant + E.164 phone) and hold their row lock until commit."""
    values = customer_values(TenantRef.of(tenant), snapshot, now=now)
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    insert = (postgresql if on_postgresql else sqlite).insert(Customer).values(**values)
    # One round trip: the conflict's no-op update locks an existing customer's row and returns it, like
    # SELECT ... FOR UPDATE would (it sets no column a trigger or a stream watches). A customer without orders
    # shows on no console; their first order (ORM, below) wakes the streams. PostgreSQL also says whether
    # the row is new (no earlier version: xmax = 0), which spares looking for their waiting tasks.
    inserted: ColumnElement[bool] = literal_column("xmax = 0") if on_postgresql else false()
    upsert = insert.on_conflict_do_update(
        index_elements=["tenant_id", "phone_key"], set_={"updated_at": col(Customer.updated_at)}
    ).returning(Customer, inserted)
    options = {streams_watch.NOTED: True, "populate_existing": True}
    customer: Customer
    customer, fresh = session.execute(upsert, execution_options=options).one()
    if fresh:
        memo(session, FRESH_CUSTOMERS).setdefault(customer.id, True)
    name, email = named_by(snapshot, customer.email)
    if (customer.name, customer.email) != (name, email):
        customer.name, customer.email, customer.updated_at = name, email, now
        session.add(customer)
    return customer


def named_by(snapshot: OrderSnapshot, known_email: str | None) -> tuple[str, str | None]:
    """The latest order names the customer; an order without an email keeps the one we know."""
    return snapshot.customer.name[:200], snapshot.customer.email or known_email


def _is_stale(order: Order, snapshot: OrderSnapshot) -> bool:
    """Webhook versions are numbered by integrations in acceptance order; the broker may deliver them out of it."""
    if order.source != "webhook" or snapshot.source != "webhook":
        return False
    if not (order.source_ref.isdigit() and snapshot.source_ref.isdigit()):
        return False
    return int(snapshot.source_ref) <= int(order.source_ref)


def _create(session: Session, customer: Customer, snapshot: OrderSnapshot, *, now: datetime) -> Order:
    assert customer.id is not None
    cancelled = snapshot.event is OrderEventType.CANCELLED
    status = OrderStatus.CANCELLED_BY_SHOP if cancelled else OrderStatus.NEW
    order = new_order(snapshot, tenant_id=customer.tenant_id, customer_id=customer.id, status=status, now=now)
    received = summary(order)
    if cancelled:
        order.closed_at, order.close_reason = now, OrderStatus.CANCELLED_BY_SHOP.value
    else:  # inserted awaiting its call (the audit tells new -> awaiting_call below), not updated right after
        order.status = OrderStatus.AWAITING_CALL.value
    session.add(order)
    session.flush()
    assert order.id is not None
    # Nothing below reads what it writes: the items, timeline events, audit entries, the task and the owner's
    # turn go out in one flush at commit, a multi-row INSERT per table instead of a statement per row.
    with session.no_autoflush:
        _record_new_order(session, customer, order, snapshot, received, now=now)
    return order


def _record_new_order(
    session: Session,
    customer: Customer,
    order: Order,
    snapshot: OrderSnapshot,
    received: dict[str, Any],
    *,
    now: datetime,
) -> None:
    assert order.id is not None
    write_items(session, order, snapshot, fresh=True)
    timeline.add_event(
        session,
        customer,
        at_commit=True,
        now=now,
        kind="order_received",
        order_id=order.id,
        params={"external_id": order.external_id, "bad_phone": customer.bad_phone},
        details={"event": snapshot.event.value, "bad_phone": customer.bad_phone},
    )
    audit.record(
        session,
        at_commit=True,
        now=now,
        actor=ACTOR,
        action="order.received",
        entity="order",
        entity_id=order.id,
        tenant_id=order.tenant_id,
        after=received,
    )
    if snapshot.event is not OrderEventType.CANCELLED:
        _open_confirmation_task(session, customer, order, now=now, note=None, before=received["status"])


def _open_confirmation_task(
    session: Session,
    customer: Customer,
    order: Order,
    *,
    now: datetime,
    note: str | None,
    before: str | None = None,
) -> Task:
    """Into the owner's queue, or the pool's if nobody can take the customer yet; the order now awaits a call.
    `before`: the status the order had, when the caller already set it awaiting (a fresh order)."""
    owner = assign_owner(session, customer, now=now) if customer.owner_id is None else None
    before = before or order.status
    order.status, order.updated_at = OrderStatus.AWAITING_CALL.value, now
    order.closed_at, order.close_reason = None, None
    task = Task(
        tenant_id=order.tenant_id,
        order_id=order.id,
        customer_id=order.customer_id,
        kind=TaskKind.CONFIRM.value,
        status=TaskStatus.OPEN.value,
        priority=URGENT_PRIORITY if order.urgent else 0,
        due_at=now,
        assignee_id=customer.owner_id if owner is None else owner.id,
        note=note,
        created_at=now,
    )
    session.add_all([order, task])
    audit.record(
        session,
        at_commit=True,
        now=now,
        actor=ACTOR,
        action="order.status_changed",
        entity="order",
        entity_id=order.id or 0,
        tenant_id=order.tenant_id,
        before={"status": before},
        after={"status": order.status},
    )
    return task


def _update(session: Session, customer: Customer, order: Order, snapshot: OrderSnapshot, *, now: datetime) -> Order:
    before = summary(order)
    changed = apply_snapshot(session, order, snapshot, now=now)
    if not changed:
        return order
    reopen = order.status in CONFIRMED
    timeline.add_event(
        session,
        customer,
        at_commit=True,
        now=now,
        kind="order_changed_by_shop",
        order_id=order.id,
        params={"external_id": order.external_id, "fields": changed, "after_confirmation": reopen},
        details={"changed_fields": changed},
    )
    if reopen:
        _open_confirmation_task(session, customer, order, now=now, note="Changed by shop after confirmation")
    elif order.status not in FINAL:
        _refresh_open_tasks(session, order)
    audit.record(
        session,
        at_commit=True,
        now=now,
        actor=ACTOR,
        action="order.changed_by_shop",
        entity="order",
        entity_id=order.id or 0,
        tenant_id=order.tenant_id,
        before=before,
        after={**summary(order), "changed_fields": changed},
    )
    return order


def _refresh_open_tasks(session: Session, order: Order) -> None:
    """A change to express delivery moves the waiting task up the queue (and back)."""
    for task in session.exec(_open_tasks(order)):
        task.priority = URGENT_PRIORITY if order.urgent else 0
        task.note = "Changed by shop"
        session.add(task)


def _cancel(session: Session, customer: Customer, order: Order, snapshot: OrderSnapshot, *, now: datetime) -> Order:
    if order.status in (OrderStatus.CANCELLED.value, OrderStatus.CANCELLED_BY_SHOP.value):
        return order
    before = summary(order)
    apply_snapshot(session, order, snapshot, now=now)
    order.status, order.closed_at, order.close_reason = OrderStatus.CANCELLED_BY_SHOP.value, now, "cancelled_by_shop"
    session.add(order)
    for task in session.exec(_open_tasks(order)):
        task.status, task.closed_at, task.note = TaskStatus.CANCELLED.value, now, "Cancelled by shop"
        session.add(task)
    timeline.add_event(
        session,
        customer,
        at_commit=True,
        now=now,
        kind="order_cancelled_by_shop",
        order_id=order.id,
        params={"external_id": order.external_id, "previous_status": before["status"]},
    )
    audit.record(
        session,
        at_commit=True,
        now=now,
        actor=ACTOR,
        action="order.cancelled_by_shop",
        entity="order",
        entity_id=order.id or 0,
        tenant_id=order.tenant_id,
        before=before,
        after=summary(order),
    )
    return order


def _open_tasks(order: Order) -> SelectOfScalar[Task]:
    return select(Task).where(Task.order_id == order.id, col(Task.status) == TaskStatus.OPEN.value)
