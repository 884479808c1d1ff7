"""The per-operator count of active customers (owned, with an open order) that owner assignment reads is
kept by the database in the same transaction as every change, and always equals the aggregate over orders:
new customer, second order, order closed by a call, reopened by a shop change, cancelled by the shop,
pool assignment when an operator comes on shift, a supervisor's reassignment, cover, a deleted order."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func
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
from okno.embedded import Okno
from services.common.db import transaction
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Customer, Operator, Order, OrderItem, Task, TimelineEvent
from services.order_confirm.service import cover, intake, ownership
from tests.order_confirm.workflow.world import add_operator, add_tenant, login
from tests.support import FrozenClock


def _aggregate(engine: Engine) -> dict[int, int]:
    """The definition: owned customers with at least one open order, per operator."""
    with Session(engine) as session:
        rows = session.exec(
            select(Customer.owner_id, func.count(func.distinct(Customer.id)))
            .join(Order, col(Order.customer_id) == col(Customer.id))
            .where(col(Order.closed_at).is_(None), col(Customer.owner_id).is_not(None))
            .group_by(col(Customer.owner_id))
        ).all()
        counted = {int(owner or 0): int(count) for owner, count in rows}
        operators = session.exec(select(Operator.id, Operator.active_customers)).all()
    return {int(operator_id or 0): counted.get(int(operator_id or 0), 0) for operator_id, _ in operators}


def _counters(engine: Engine) -> dict[int, int]:
    with Session(engine) as session:
        return {int(i or 0): n for i, n in session.exec(select(Operator.id, Operator.active_customers)).all()}


def _check(engine: Engine, expected: dict[int, int]) -> None:
    counters = _counters(engine)
    assert counters == _aggregate(engine)
    assert {k: v for k, v in counters.items() if k in expected} == expected


def _snapshot(external_id: str, phone: str, *, version: int, event: OrderEventType, total: int) -> OrderSnapshot:
    return OrderSnapshot(
        external_id=external_id,
        source="webhook",
        source_ref=str(version),
        event=event,
        content_hash=f"{external_id}-{version}-{total}",
        created_at=FrozenClock().now,
        customer=CustomerSnapshot(name="Анна", phone=phone),
        items=[OrderItemSnapshot(sku="SKU-1", name="Kettle", quantity=1, unit_price=Decimal(total))],
        delivery=DeliverySnapshot(method=DeliveryMethod.COURIER, address="Svetlanskaya 1"),
        payment=PaymentSnapshot(method="cod", status="pending", amount=Decimal(total), currency="RUB"),
        total=Decimal(total),
        currency="RUB",
    )


def _receive(okno: Okno, snapshot: OrderSnapshot, clock: FrozenClock) -> Order:
    with transaction(okno.order_confirm.engine) as session:
        order = intake.receive_snapshot(session, "acme", snapshot, now=clock())
        assert order is not None
        return order


def test_the_active_customer_counter_equals_the_aggregate_after_every_kind_of_change(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    lead = add_operator(engine, "svetlana", Role.SUPERVISOR, [tenant], now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead)
    ivan = add_operator(
        engine, "ivan", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead, status=OperatorStatus.OFFLINE
    )
    new = OrderEventType.CREATED

    first = _receive(frozen_okno, _snapshot("A-1", "+79990000001", version=1, event=new, total=100), clock)
    _check(engine, {olga: 1, ivan: 0})  # a new customer, owned by the one operator on shift
    _receive(frozen_okno, _snapshot("A-2", "+79990000001", version=2, event=new, total=200), clock)
    _check(engine, {olga: 1})  # a second open order of the same customer: still one active customer

    olga_tab = login(api, "olga")
    assert first.id is not None
    for order_id in (first.id, first.id + 1):
        assert api.post(f"/api/v1/orders/{order_id}/call", headers=olga_tab).status_code == 200
        assert api.post(f"/api/v1/orders/{order_id}/confirm", json={}, headers=olga_tab).status_code == 200
    _check(engine, {olga: 0})  # both orders closed by calls: nobody active

    changed = _snapshot("A-1", "+79990000001", version=3, event=OrderEventType.UPDATED, total=150)
    _receive(frozen_okno, changed, clock)
    _check(engine, {olga: 1})  # changed by the shop after confirmation: open again

    cancelled = _snapshot("A-1", "+79990000001", version=4, event=OrderEventType.CANCELLED, total=150)
    _receive(frozen_okno, cancelled, clock)
    _check(engine, {olga: 0})  # cancelled by the shop

    with transaction(engine) as session:  # everyone off shift: the next new customer waits in the pool
        session.get(Operator, olga).status = OperatorStatus.OFFLINE.value  # type: ignore[union-attr]
    _receive(frozen_okno, _snapshot("B-1", "+79990000002", version=5, event=new, total=100), clock)
    _check(engine, {olga: 0, ivan: 0})
    with transaction(engine) as session:  # Ivan comes on shift and takes the pool
        session.get(Operator, ivan).status = OperatorStatus.AVAILABLE.value  # type: ignore[union-attr]
        assert ownership.assign_waiting_customers(session, tenant, now=clock()) == 1
    _check(engine, {olga: 0, ivan: 1})

    pooled = _customer_of(engine, "+79990000002")
    supervisor = login(api, "svetlana")
    moved = api.post(
        f"/api/v1/customers/{pooled}/owner", json={"operator_id": olga, "reason": "VIP"}, headers=supervisor
    )
    assert moved.status_code == 200, moved.text
    _check(engine, {olga: 1, ivan: 0})  # reassigned for good

    rule = {"tenant_id": tenant, "owner_id": olga, "cover_id": ivan}
    assert api.put("/api/v1/cover-rules", json=rule, headers=supervisor).status_code == 200
    clock.advance(hours=2)  # Olga is off shift; her due task goes to Ivan as cover
    with transaction(engine) as session:
        assert cover.sweep(session, now=clock()) == 1
    _check(engine, {olga: 1, ivan: 0})  # cover moves tasks, never ownership

    with transaction(engine) as session:  # an order removed by hand (support, a data fix)
        removed = session.exec(select(Order.id).where(Order.external_id == "B-1")).one()
        for dependent in (Task, TimelineEvent, OrderItem):
            session.execute(delete(dependent).where(col(dependent.order_id) == removed))
        session.execute(delete(Order).where(col(Order.id) == removed))
    _check(engine, {olga: 0, ivan: 0})


def _customer_of(engine: Engine, phone: str) -> int:
    with Session(engine) as session:
        return int(session.exec(select(Customer.id).where(Customer.phone_e164 == phone)).one() or 0)
