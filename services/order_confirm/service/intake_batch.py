"""Order intake for a batch of snapshots at once: one statement per table per batch instead of per snapshot.

The worker's threads hand their waiting snapshots over as one batch in one transaction (group_commit.py).
New orders — an order's first snapshot, not a cancellation, once in the batch: the bulk of the traffic —
are written here set-based with Core statements: customers upserted in one statement (their row locks taken
in phone order), owners chosen in memory and their turns taken in one statement (ownership.choose_owners),
then orders, items, tasks, timeline facts and audit entries one INSERT each. Everything else (a later
version of a known order, a cancellation, a second snapshot of one order in the batch) is applied one by one
by `intake.receive_snapshot`, after the new orders, in arrival order.

The rows and facts are those `receive_snapshot` writes for the same snapshot, and so are the guarantees:
one owner per customer (customer row lock, the tenant's assignment turn), an operator's capacity checked by
the database, idempotency (the inbox, group_commit.py). An order created meanwhile by another worker makes
the orders' INSERT fail on its unique key: the batch is then applied again one message at a time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import ColumnElement, Connection, Table, bindparam, false, insert, literal_column, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

from contracts.orders import OrderEventType, OrderSnapshot
from services.common.money import from_minor
from services.order_confirm.domain.vocabulary import OrderStatus, TaskKind, TaskStatus
from services.order_confirm.models import AuditEntry, Customer, Order, OrderItem, Task, TimelineEvent
from services.order_confirm.service import audit, intake, ownership, timeline
from services.order_confirm.service.intake import TenantRef
from services.order_confirm.service.intake_batch_lookup import tenants_and_known_orders
from services.order_confirm.service.order_projection import item_rows, projection_fields
from services.order_confirm.service.ownership import Seat
from services.order_confirm.streams import watch as streams_watch
from services.order_confirm.telephony.projection import watch as projection_watch


@dataclass(frozen=True)
class Arrival:
    """One snapshot message of the batch."""

    tenant: str
    snapshot: OrderSnapshot
    request_id: str | None = None


@dataclass
class _NewOrder:
    arrival: Arrival
    tenant: TenantRef
    customer_row: dict[str, Any]  # `intake.customer_values`
    customer: _Customer | None = None
    order_id: int = 0
    owner: Seat | None = None  # assigned to the customer with this order (the first of theirs in the batch)

    @property
    def customer_key(self) -> tuple[int, str]:
        return self.customer_row["tenant_id"], self.customer_row["phone_key"]


@dataclass
class _Customer:
    id: int
    tenant_id: int
    timezone: str
    bad_phone: bool
    owner_id: int | None
    fresh: bool  # inserted by this batch (PostgreSQL says so): nothing of theirs waits in the pool


def receive_snapshots(session: Session, arrivals: list[Arrival], *, now: datetime) -> None:
    """Apply a batch of order events in one transaction, as `intake.receive_snapshot` would one after another."""
    new_orders, one_by_one = _split(session, arrivals, now=now)
    if new_orders:
        _create(session, new_orders, now=now)
    for arrival in one_by_one:
        with structlog.contextvars.bound_contextvars(request_id=arrival.request_id):
            intake.receive_snapshot(session, arrival.tenant, arrival.snapshot, now=now)


def _split(session: Session, arrivals: list[Arrival], *, now: datetime) -> tuple[list[_NewOrder], list[Arrival]]:
    """New orders, and the snapshots applied one by one: with them, every snapshot of their customers, so each
    customer's orders are applied in arrival order. Read without locks: an order inserted meanwhile fails the
    batch on the orders' unique key, and one by one finds it."""
    tenants, known = tenants_and_known_orders(
        session.connection(),
        [arrival.tenant for arrival in arrivals],
        [arrival.snapshot.external_id for arrival in arrivals],
    )
    orders = Counter((tenants[arrival.tenant].id, arrival.snapshot.external_id) for arrival in arrivals)
    candidates = [
        _NewOrder(
            arrival, tenants[arrival.tenant], intake.customer_values(tenants[arrival.tenant], arrival.snapshot, now=now)
        )
        for arrival in arrivals
    ]
    alone = {
        new.customer_key
        for new in candidates
        if new.arrival.snapshot.event is OrderEventType.CANCELLED
        or orders[(new.tenant.id, new.arrival.snapshot.external_id)] > 1
        or (new.tenant.id, new.arrival.snapshot.external_id) in known
    }
    new_orders = [new for new in candidates if new.customer_key not in alone]
    return new_orders, [new.arrival for new in candidates if new.customer_key in alone]


def _create(session: Session, new_orders: list[_NewOrder], *, now: datetime) -> None:
    connection = session.connection()
    customers = _lock_customers(session, connection, new_orders, now=now)
    _assign_owners(session, connection, new_orders, customers, now=now)
    _insert_orders(connection, new_orders, now=now)
    items = [
        {"tenant_id": new.tenant.id, "order_id": new.order_id, **row}
        for new in new_orders
        for row in item_rows(new.arrival.snapshot)
    ]
    _insert(connection, OrderItem, items)
    _insert(connection, Task, [_task_row(new, now=now) for new in new_orders])
    timeline_rows, audit_rows = _facts(new_orders, now=now)
    _insert(connection, TimelineEvent, timeline_rows)
    _insert(connection, AuditEntry, audit_rows)
    for tenant_id in {new.tenant.id for new in new_orders}:
        mine = [new for new in new_orders if new.tenant.id == tenant_id]
        assignees = [_assignee(new) for new in mine]
        floor = None in assignees or any(new.owner is not None for new in mine)
        streams_watch.note(session, tenant_id, assignees, floor=floor)
    projection_watch.mark(session, customers={customer.id for customer in customers.values()})


def _lock_customers(
    session: Session, connection: Connection, new_orders: list[_NewOrder], *, now: datetime
) -> dict[int, _Customer]:
    """`intake.lock_customer` for every new order in one upsert (rows in phone order, so concurrent batches
    lock shared customers in the same order); returns the customer of each new order by its place."""
    first: dict[tuple[int, str], dict[str, Any]] = {}
    keys: list[tuple[int, str]] = []
    for new in new_orders:
        keys.append(new.customer_key)
        first.setdefault(new.customer_key, new.customer_row)
    table = _table(Customer)
    on_postgresql = connection.dialect.name == "postgresql"
    statement = (postgresql if on_postgresql else sqlite).insert(table)
    inserted: ColumnElement[bool] = literal_column("xmax = 0") if on_postgresql else false()
    upsert = statement.on_conflict_do_update(
        index_elements=["tenant_id", "phone_key"], set_={"updated_at": table.c.updated_at}
    ).returning(
        table.c.id,
        table.c.tenant_id,
        table.c.phone_key,
        table.c.timezone,
        table.c.bad_phone,
        table.c.owner_id,
        table.c.name,
        table.c.email,
        inserted,
        sort_by_parameter_order=True,
    )
    found: dict[tuple[int, str], _Customer] = {}
    names: dict[tuple[int, str], tuple[str, str | None]] = {}
    # One statement (SQLAlchemy's "insertmanyvalues" writes the rows as one multi-row INSERT, compiled once).
    for row in connection.execute(upsert, [first[key] for key in sorted(first)]):
        key = (row.tenant_id, row.phone_key)
        found[key] = _Customer(row.id, row.tenant_id, row.timezone, row.bad_phone, row.owner_id, bool(row[-1]))
        names[key] = (row.name, row.email)
    _rename(connection, new_orders, keys, found, names, now=now)
    for new, key in zip(new_orders, keys, strict=True):
        new.customer = found[key]
    return {place: found[key] for place, key in enumerate(keys)}


def _rename(
    connection: Connection,
    new_orders: list[_NewOrder],
    keys: list[tuple[int, str]],
    found: dict[tuple[int, str], _Customer],
    names: dict[tuple[int, str], tuple[str, str | None]],
    *,
    now: datetime,
) -> None:
    """The latest order names the customer (`intake.named_by`), in arrival order."""
    named = dict(names)
    for new, key in zip(new_orders, keys, strict=True):
        named[key] = intake.named_by(new.arrival.snapshot, named[key][1])
    renamed = [
        {"customer": found[key].id, "new_name": name, "new_email": email}
        for key, (name, email) in named.items()
        if (name, email) != names[key]
    ]
    if renamed:
        table = _table(Customer)
        statement = (
            update(table)
            .where(table.c.id == bindparam("customer"))
            .values(name=bindparam("new_name"), email=bindparam("new_email"), updated_at=now)
        )
        connection.execute(statement, renamed)


def _assign_owners(
    session: Session,
    connection: Connection,
    new_orders: list[_NewOrder],
    customers: dict[int, _Customer],
    *,
    now: datetime,
) -> None:
    """Owners for the customers who have none (`ownership.assign_owner`), per tenant in the orders' order."""
    unowned: dict[int, _NewOrder] = {}  # customer -> their first new order in the batch
    for place, new in enumerate(new_orders):
        if customers[place].owner_id is None:
            unowned.setdefault(customers[place].id, new)
    by_tenant: dict[int, list[int]] = {}
    for customer_id, new in unowned.items():
        by_tenant.setdefault(new.tenant.id, []).append(customer_id)
    owners: dict[int, Seat] = {}
    for tenant_id, customer_ids in by_tenant.items():
        owners.update(ownership.choose_owners(session, tenant_id, customer_ids, now=now))
    if not owners:
        return
    for customer_id, owner in owners.items():
        unowned[customer_id].owner = owner
    for customer in customers.values():
        if customer.id in owners:
            customer.owner_id = owners[customer.id].id
    table = _table(Customer)
    assign = (
        update(table)
        .where(table.c.id == bindparam("customer"))
        .values(owner_id=bindparam("owner"), owner_assigned_at=now, updated_at=now)
    )
    connection.execute(assign, [{"customer": c, "owner": owner.id} for c, owner in sorted(owners.items())])
    waited = [
        {"customer": c.id, "owner": owners[c.id].id} for c in customers.values() if c.id in owners and not c.fresh
    ]
    _hand_waiting_tasks(connection, list({row["customer"]: row for row in waited}.values()))


def _hand_waiting_tasks(connection: Connection, owners: list[dict[str, int]]) -> None:
    """Tasks of customers who waited in the pool go to their new owner (`ownership._hand_open_tasks_to_owner`);
    the streams hear of it with the batch's note (floor and owners)."""
    if not owners:
        return
    tasks = _table(Task)
    connection.execute(
        update(tasks)
        .where(
            tasks.c.customer_id == bindparam("customer"),
            tasks.c.status == TaskStatus.OPEN.value,
            tasks.c.assignee_id.is_(None),
        )
        .values(assignee_id=bindparam("owner")),
        owners,
    )


def _insert_orders(connection: Connection, new_orders: list[_NewOrder], *, now: datetime) -> None:
    """Inserted awaiting their call, as `intake._create` leaves them."""
    rows = [
        {
            "tenant_id": new.tenant.id,
            "customer_id": new.customer.id if new.customer else None,
            "external_id": new.arrival.snapshot.external_id,
            "source": new.arrival.snapshot.source,
            "source_ref": new.arrival.snapshot.source_ref,
            "status": OrderStatus.AWAITING_CALL.value,
            "version": 1,
            "received_at": now,
            "updated_at": now,
            "attempts_count": 0,
            "attempts_before_reopen": 0,
            **projection_fields(new.arrival.snapshot),
        }
        for new in new_orders
    ]
    table = _table(Order)
    inserted = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars()
    for new, order_id in zip(new_orders, inserted, strict=True):
        new.order_id = order_id


def _assignee(new: _NewOrder) -> int | None:
    return new.customer.owner_id if new.customer else None


def _task_row(new: _NewOrder, *, now: datetime) -> dict[str, Any]:
    """`intake._open_confirmation_task`'s task: in the owner's queue, or the pool's."""
    return {
        "tenant_id": new.tenant.id,
        "order_id": new.order_id,
        "customer_id": new.customer.id if new.customer else None,
        "kind": TaskKind.CONFIRM.value,
        "status": TaskStatus.OPEN.value,
        "priority": intake.URGENT_PRIORITY if new.arrival.snapshot.delivery.method.is_urgent else 0,
        "due_at": now,
        "assignee_id": _assignee(new),
        "is_cover": False,
        "note": None,
        "created_at": now,
    }


def _facts(new_orders: list[_NewOrder], *, now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The timeline facts and audit entries of `intake._create` and `ownership.assign_owner`, in their order."""
    timeline_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    for new in new_orders:
        customer, snapshot = new.customer, new.arrival.snapshot
        assert customer is not None
        received = _received(new)
        tenant_id, request_id = customer.tenant_id, new.arrival.request_id
        about_customer: dict[str, Any] = {
            "tenant_id": tenant_id,
            "customer_id": customer.id,
            "timezone": customer.timezone,
            "now": now,
        }
        timeline_rows.append(
            timeline.event_row(
                **about_customer,
                kind="order_received",
                order_id=new.order_id,
                params={"external_id": snapshot.external_id, "bad_phone": customer.bad_phone},
                details={"event": snapshot.event.value, "bad_phone": customer.bad_phone},
            )
        )
        about_order: dict[str, Any] = {"now": now, "entity": "order", "entity_id": new.order_id, "tenant_id": tenant_id}
        audit_rows.append(
            audit.entry_row(
                **about_order, actor=intake.ACTOR, action="order.received", request_id=request_id, after=received
            )
        )
        if new.owner is not None:
            fact = {"owner_id": new.owner.id, "owner_name": new.owner.name}
            timeline_rows.append(timeline.event_row(**about_customer, kind="owner_assigned", params=fact))
            audit_rows.append(
                audit.entry_row(
                    now=now,
                    actor="system:ownership",
                    action="customer.owner_assigned",
                    entity="customer",
                    entity_id=customer.id,
                    tenant_id=tenant_id,
                    request_id=request_id,
                    before={"owner_id": None},
                    after={"owner_id": new.owner.id},
                )
            )
        audit_rows.append(
            audit.entry_row(
                **about_order,
                actor=intake.ACTOR,
                action="order.status_changed",
                request_id=request_id,
                before={"status": received["status"]},
                after={"status": OrderStatus.AWAITING_CALL.value},
            )
        )
    return timeline_rows, audit_rows


def _received(new: _NewOrder) -> dict[str, Any]:
    """`order_projection.summary` of the order as received (new, version 1)."""
    snapshot = new.arrival.snapshot
    fields = projection_fields(snapshot)
    return {
        "status": OrderStatus.NEW.value,
        "delivery_method": fields["delivery_method"],
        "total": str(from_minor(fields["total_minor"], fields["currency"])),
        "currency": fields["currency"],
        "version": 1,
    }


def _insert(connection: Connection, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(insert(_table(model)), rows)


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]  # set on every `table=True` model
    assert isinstance(table, Table)
    return table
