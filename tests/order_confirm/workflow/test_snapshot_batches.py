"""Order snapshots applied in one batch (group commit, as the worker's threads do under load): an older version
of an order never overwrites a newer one, owners stay balanced and one per customer, the counters stay
equal to the aggregate, and a snapshot that cannot be applied fails alone — whether the batch applies its
snapshots one after another or set-based (service/intake_batch.py, what the worker does), which writes the
same rows and facts."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from contracts.orders import (
    CustomerSnapshot,
    DeliveryMethod,
    DeliverySnapshot,
    OrderEventType,
    OrderItemSnapshot,
    OrderSnapshot,
    PaymentSnapshot,
)
from contracts.routing import MessageType, Queue, actor_name
from okno.embedded import Okno
from services.common.messaging.consumers import consume_once
from services.common.messaging.group_commit import Apply, GroupCommit
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import (
    AuditEntry,
    Customer,
    InboxMessage,
    Operator,
    Order,
    OrderItem,
    Task,
    Tenant,
    TimelineEvent,
)
from services.order_confirm.service import audit, intake, intake_batch
from services.order_confirm.service.tenancy import UnknownTenant
from tests.common.test_group_commit import hold_the_lead
from tests.order_confirm.workflow.world import add_operator, add_tenant
from tests.support import FrozenClock, wait_until

ACTOR = actor_name(Queue.ORDER_CONFIRM, MessageType.ORDER_SNAPSHOT_RECEIVED)


def _snapshot(external_id: str, phone: str, *, version: int, total: int, event: OrderEventType) -> OrderSnapshot:
    return OrderSnapshot(
        external_id=external_id,
        source="webhook",
        source_ref=str(version),
        event=event,
        content_hash=f"{external_id}-{version}",
        created_at=FrozenClock().now,
        customer=CustomerSnapshot(name="Анна", phone=phone),
        items=[OrderItemSnapshot(sku="SKU-1", name="Kettle", quantity=1, unit_price=Decimal(total))],
        delivery=DeliverySnapshot(method=DeliveryMethod.COURIER, address="Svetlanskaya 1"),
        payment=PaymentSnapshot(method="cod", status="pending", amount=Decimal(total), currency="RUB"),
        total=Decimal(total),
        currency="RUB",
    )


def _new(external_id: str, phone: str, *, version: int = 1, total: int = 100) -> OrderSnapshot:
    return _snapshot(external_id, phone, version=version, total=total, event=OrderEventType.CREATED)


def _receiving(tenant: str, snapshot: OrderSnapshot, clock: FrozenClock) -> Apply:
    def apply(session: Session) -> None:
        intake.receive_snapshot(session, tenant, snapshot, now=clock())

    return apply


def _one_batch(
    engine: Engine,
    clock: FrozenClock,
    snapshots: list[tuple[str, OrderSnapshot]],
    *,
    set_based: bool,
    ids: str = "message",
    held: str = "held",
) -> list[object]:
    """A first snapshot leads alone and is held until all of `snapshots` wait: they form one batch, applied
    `set_based` (as the worker does) or one snapshot after another."""

    def apply_many(session: Session, arrivals: list[Any]) -> None:
        intake_batch.receive_snapshots(session, arrivals, now=clock())

    group = GroupCommit(
        engine,
        InboxMessage,
        ACTOR,
        lambda i, apply: consume_once(engine, InboxMessage, ACTOR, i, apply),
        limit=32,
        apply_many=apply_many if set_based else None,
    )
    outcomes: list[object] = [None] * len(snapshots)

    def submit(n: int, tenant: str, snapshot: OrderSnapshot) -> None:
        try:
            arrival = intake_batch.Arrival(tenant, snapshot)
            outcomes[n] = group.submit(f"{ids}-{n}", _receiving(tenant, snapshot, clock), arrival)
        except Exception as error:
            outcomes[n] = error

    lead = snapshots[0][0] if snapshots[0][0] != "no-such-shop" else "acme"
    first = _receiving(lead, _new("FIRST", "+79990000000"), clock)
    release, leader = hold_the_lead(group, first, message_id=held)
    threads = [threading.Thread(target=submit, args=(n, *message)) for n, message in enumerate(snapshots)]
    for n, thread in enumerate(threads, start=1):  # handed over in this order
        thread.start()
        wait_until(lambda n=n: group.waiting == n)  # type: ignore[misc]
    release.set()
    for thread in [leader, *threads]:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("set_based", [True, False], ids=["set-based", "one-by-one"])
def test_a_batch_keeps_the_newest_version_one_owner_per_customer_and_balanced_loads(
    frozen_okno: Okno, clock: FrozenClock, set_based: bool
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())
    ivan = add_operator(engine, "ivan", Role.OPERATOR, [tenant], now=clock())
    batch = [
        ("acme", _snapshot("B-1", "+79990000001", version=2, total=200, event=OrderEventType.UPDATED)),
        ("acme", _new("B-1", "+79990000001", version=1, total=100)),  # delivered late: older than version 2
        ("acme", _new("C-1", "+79990000002")),
        ("acme", _new("C-2", "+79990000002")),  # the same new customer's second order
        ("acme", _new("D-1", "+79990000003")),
    ]

    outcomes = _one_batch(engine, clock, batch, set_based=set_based)

    assert outcomes == [True] * 5
    with Session(engine) as session:
        b1 = session.exec(select(Order).where(Order.external_id == "B-1")).one()
        assert (b1.source_ref, b1.total_minor) == ("2", 20000), "the older version did not overwrite the newer"
        owners = dict(session.exec(select(Customer.phone_key, Customer.owner_id)).all())
        assert set(owners.values()) <= {olga, ivan} and None not in owners.values()
        loads = sorted(session.exec(select(Operator.active_customers)).all())
        assert loads == [2, 2], "four new customers, two operators: two each"
        tasks = session.exec(
            select(Order.external_id, Task.assignee_id, Customer.owner_id)
            .join(Task, col(Task.order_id) == col(Order.id))
            .join(Customer, col(Customer.id) == col(Order.customer_id))
        ).all()
        assert len(tasks) == 5, "one confirmation task per order"
        assert all(assignee == owner for _, assignee, owner in tasks), "every task in its customer's owner's queue"
        assert session.exec(select(func.count()).select_from(InboxMessage)).one() == 6


@pytest.mark.parametrize("set_based", [True, False], ids=["set-based", "one-by-one"])
def test_a_snapshot_that_cannot_be_applied_fails_alone_and_the_rest_of_its_batch_is_applied(
    frozen_okno: Okno, clock: FrozenClock, set_based: bool
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())
    batch = [
        ("acme", _new("E-1", "+79990000011")),
        ("no-such-shop", _new("E-2", "+79990000012")),
        ("acme", _new("E-3", "+79990000013")),
    ]

    outcomes = _one_batch(engine, clock, batch, set_based=set_based)

    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], UnknownTenant)
    with Session(engine) as session:
        stored = sorted(session.exec(select(Order.external_id)).all())
        assert stored == ["E-1", "E-3", "FIRST"]
        assert sorted(session.exec(select(InboxMessage.message_id)).all()) == ["held", "message-0", "message-2"]
        assert session.exec(select(func.count()).select_from(Task)).one() == 3


def _named(snapshot: OrderSnapshot, name: str, email: str) -> OrderSnapshot:
    return snapshot.model_copy(
        update={"customer": CustomerSnapshot(name=name, phone=snapshot.customer.phone, email=email)}
    )


def _express(snapshot: OrderSnapshot) -> OrderSnapshot:
    delivery = snapshot.delivery.model_copy(update={"method": DeliveryMethod.EXPRESS})
    return snapshot.model_copy(update={"delivery": delivery})


def _shop_day(engine: Engine, clock: FrozenClock, slug: str, *, set_based: bool) -> list[object]:
    """One shop's evening: a customer waiting in the pool from before anyone came on shift, a customer who owns
    an order already, then one batch of new customers (one ordering twice under a new name and email), an
    express order, the pool customer's and the known customer's new orders, a change of a known order and
    the cancellation of an order never seen."""
    tenant = add_tenant(engine, slug, now=clock())
    alone = GroupCommit(
        engine, InboxMessage, ACTOR, lambda i, apply: consume_once(engine, InboxMessage, ACTOR, i, apply), limit=1
    )
    alone.submit(f"{slug}-p1", _receiving(slug, _new("P-1", "+79990000105"), clock))
    for login in ("olga", "ivan"):
        add_operator(engine, f"{login}-{slug}", Role.OPERATOR, [tenant], now=clock())
    alone.submit(f"{slug}-k1", _receiving(slug, _new("K-1", "+79990000104"), clock))
    batch = [
        (slug, _new("N-1", "+79990000101")),
        (slug, _named(_new("N-2", "+79990000101"), "Анна Петровна", "anna@example.com")),
        (slug, _express(_new("N-3", "+79990000102"))),
        (slug, _new("P-2", "+79990000105")),
        (slug, _snapshot("K-1", "+79990000104", version=2, total=300, event=OrderEventType.UPDATED)),
        (slug, _new("O-2", "+79990000104")),
        (slug, _snapshot("X-1", "+79990000106", version=1, total=100, event=OrderEventType.CANCELLED)),
    ]
    return _one_batch(engine, clock, batch, set_based=set_based, ids=slug, held=f"{slug}-held")


def _shop_story(engine: Engine, slug: str) -> dict[str, list[Any]]:
    """Everything intake wrote for the shop, with ids replaced by what they stand for (phone, order number,
    operator login without the shop), so two shops given the same orders tell the same story."""
    with Session(engine) as session:
        operators = {op.id: op for op in session.exec(select(Operator))}
        label = {op_id: op.login.removesuffix(f"-{slug}") for op_id, op in operators.items()}
        names = {op.name: op.login.removesuffix(f"-{slug}").title() for op in operators.values()}

        def plain(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: label.get(v, v) if k == "owner_id" else plain(v) for k, v in value.items()}
            if isinstance(value, str):
                for name, common in names.items():
                    value = value.replace(name, common)
            return value

        tenant_id = session.exec(select(Tenant.id).where(Tenant.slug == slug)).one()
        customers = {c.id: c for c in session.exec(select(Customer).where(Customer.tenant_id == tenant_id))}
        orders = {o.id: o for o in session.exec(select(Order).where(Order.tenant_id == tenant_id))}
        phone = {c_id: c.phone_key for c_id, c in customers.items()}
        number = {o_id: o.external_id for o_id, o in orders.items()}
        story: dict[str, list[Any]] = {
            "customers": [
                (c.phone_key, c.name, c.email, label.get(c.owner_id), c.open_orders, c.timezone, c.bad_phone)
                for c in customers.values()
            ],
            "orders": [
                (
                    o.external_id,
                    phone[o.customer_id],
                    o.status,
                    o.version,
                    o.source_ref,
                    o.total_minor,
                    o.urgent,
                    o.closed_at is None,
                    o.close_reason,
                )
                for o in orders.values()
            ],
            "items": [
                (number[i.order_id], i.position, i.sku, i.name, i.quantity, i.unit_price_minor)
                for i in session.exec(select(OrderItem).where(OrderItem.tenant_id == tenant_id))
            ],
            "tasks": [
                (number.get(t.order_id or 0), t.kind, t.status, t.priority, label.get(t.assignee_id), t.note)
                for t in session.exec(select(Task).where(Task.tenant_id == tenant_id))
            ],
            "timeline": [
                (
                    phone[e.customer_id],
                    number.get(e.order_id or 0),
                    e.kind,
                    plain(e.params),
                    plain(e.summary),
                    plain(e.details),
                )
                for e in session.exec(select(TimelineEvent).where(TimelineEvent.tenant_id == tenant_id))
            ],
            "histories": [  # each customer's timeline as read: in the order written
                (phone[customer_id], [(e.kind, number.get(e.order_id or 0)) for e in events])
                for customer_id, events in _by_customer(
                    session.exec(
                        select(TimelineEvent)
                        .where(TimelineEvent.tenant_id == tenant_id)
                        .order_by(col(TimelineEvent.id))
                    )
                ).items()
            ],
            "audit": [
                (
                    a.actor,
                    a.action,
                    a.entity,
                    number.get(int(a.entity_id)) if a.entity == "order" else phone.get(int(a.entity_id)),
                    plain(a.before),
                    plain(a.after),
                )
                for a in session.exec(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id))
            ],
            "loads": sorted(
                (label[op_id], op.active_customers)
                for op_id, op in operators.items()
                if op_id in label and op.login.endswith(f"-{slug}")
            ),
        }
    return {part: sorted(rows, key=repr) for part, rows in story.items()}


def _by_customer(events: Any) -> dict[int, list[TimelineEvent]]:
    found: dict[int, list[TimelineEvent]] = {}
    for event in events:
        found.setdefault(event.customer_id, []).append(event)
    return found


def test_a_batch_applied_set_based_writes_the_rows_and_facts_one_by_one_writes_and_a_redelivery_changes_nothing(
    frozen_okno: Okno, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine

    assert _shop_day(engine, clock, "beta", set_based=False) == [True] * 7
    assert _shop_day(engine, clock, "acme", set_based=True) == [True] * 7

    told = _shop_story(engine, "acme")
    assert told == _shop_story(engine, "beta")
    owners = {phone: owner for phone, _, _, owner, *_ in told["customers"]}
    assert owners.pop("+79990000106") is None, "a cancellation opens nothing: nobody owns them yet"
    assert None not in owners.values(), "the pool customer got an owner with their new order"
    assert sorted(owners.values()) == ["ivan", "ivan", "olga", "olga", "olga"]
    assert ("P-1", "confirm", "open", 0, owners["+79990000105"], None) in told["tasks"], "their waiting task too"
    again = _one_batch(
        engine,
        clock,
        [("acme", _new("N-9", "+79990000109")), ("acme", _new("N-1", "+79990000101"))],
        set_based=True,
        ids="acme",
        held="acme-held-again",  # a new first message (FIRST again: a change to nothing), to hold the batch
    )
    assert again == [False, False], "a redelivered batch is no new message"
    assert _shop_story(engine, "acme") == told


def _audit_actions(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(AuditEntry.action)).all())


def test_rows_held_for_the_commit_are_written_by_it_and_forgotten_by_a_rollback(
    frozen_okno: Okno, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine

    def record(session: Session, action: str) -> None:
        audit.record(
            session,
            at_commit=True,
            now=clock(),
            actor="system:test",
            action=action,
            entity="order",
            entity_id=1,
            tenant_id=None,
        )

    with Session(engine) as session:
        record(session, "rolled.back")
        session.rollback()
        record(session, "held")
        with session.begin_nested():  # inside a savepoint: added at once, taken back with it
            record(session, "in.savepoint")
        session.commit()
    assert _audit_actions(engine) == ["held", "in.savepoint"]
