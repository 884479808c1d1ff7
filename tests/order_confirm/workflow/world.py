"""A small world for workflow tests: tenants, operators, customers with orders waiting for a call.

Orders are seeded straight into order_confirm's tables (what intake would have written), so these tests
exercise the operator API alone; the intake path has its own tests.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from services.common.db import transaction
from services.order_confirm.domain.vocabulary import OperatorStatus, OrderStatus, Role, TaskKind, TaskStatus
from services.order_confirm.models import (
    Customer,
    Operator,
    OperatorTenant,
    Order,
    OrderItem,
    Task,
    Tenant,
)
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.security.passwords import hash_password
from services.order_confirm.service import auth

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)
_sequence = itertools.count(1)


@dataclass(frozen=True)
class SeededOrder:
    customer_id: int
    order_id: int
    task_id: int


def add_tenant(engine: Engine, slug: str, *, now: datetime, timezone: str = "Europe/Moscow", **policy: Any) -> int:
    with transaction(engine) as session:
        tenant = Tenant(slug=slug, name=slug.title(), timezone=timezone, policy=policy, created_at=now)
        session.add(tenant)
        session.flush()
        assert tenant.id is not None
        return tenant.id


def add_operator(
    engine: Engine,
    login: str,
    role: Role,
    tenant_ids: list[int],
    *,
    now: datetime,
    supervisor_id: int | None = None,
    status: OperatorStatus = OperatorStatus.AVAILABLE,
) -> int:
    with transaction(engine) as session:
        operator = Operator(
            login=login,
            name=login.title(),
            role=role.value,
            password_hash=_PASSWORD_HASH,
            status=status.value,
            status_changed_at=now,
            supervisor_id=supervisor_id,
            created_at=now,
        )
        session.add(operator)
        session.flush()
        assert operator.id is not None
        for tenant_id in tenant_ids:
            session.add(OperatorTenant(operator_id=operator.id, tenant_id=tenant_id))
        return operator.id


def add_order(
    engine: Engine,
    tenant_id: int,
    owner_id: int | None,
    *,
    now: datetime,
    timezone: str = "Europe/Moscow",
    phone: str | None = None,
    customer_id: int | None = None,
    urgent: bool = False,
    items: tuple[tuple[str, int, int], ...] = (("SKU-KETTLE", 1, 450000), ("SKU-MUG", 2, 60000)),
) -> SeededOrder:
    """A customer (new unless `customer_id`) with one order awaiting its first call, and its confirm task."""
    n = next(_sequence)
    with transaction(engine) as session:
        if customer_id is None:
            customer_id = _new_customer(session, tenant_id, owner_id, phone or f"+7999{n:07d}", timezone, now, n)
        order = _new_order(session, tenant_id, customer_id, n, now=now, urgent=urgent, items=items)
        assert order.id is not None
        for position, (sku, quantity, price) in enumerate(items):
            session.add(
                OrderItem(
                    tenant_id=tenant_id,
                    order_id=order.id,
                    position=position,
                    sku=sku,
                    name=sku.title(),
                    quantity=quantity,
                    unit_price_minor=price,
                )
            )
        task = Task(
            tenant_id=tenant_id,
            order_id=order.id,
            customer_id=customer_id,
            kind=TaskKind.CONFIRM.value,
            status=TaskStatus.OPEN.value,
            priority=10 if urgent else 0,
            due_at=now,
            assignee_id=owner_id,
            created_at=now,
        )
        session.add(task)
        session.flush()
        assert task.id is not None
        return SeededOrder(customer_id, order.id, task.id)


def _new_order(
    session: Session,
    tenant_id: int,
    customer_id: int,
    n: int,
    *,
    now: datetime,
    urgent: bool,
    items: tuple[tuple[str, int, int], ...],
) -> Order:
    order = Order(
        tenant_id=tenant_id,
        customer_id=customer_id,
        external_id=f"SHOP-{n}",
        source="webhook",
        source_ref=f"raw-{n}",
        status=OrderStatus.AWAITING_CALL.value,
        urgent=urgent,
        delivery_method="courier",
        delivery_address="Svetlanskaya 1, Vladivostok",
        delivery_date=(now + timedelta(days=3)).date(),
        delivery_slot="10:00-14:00",
        payment_method="cod",
        payment_status="pending",
        total_minor=sum(quantity * price for _, quantity, price in items),
        currency="RUB",
        content_hash=f"hash-{n}",
        shop_created_at=now,
        received_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()
    assert order.id is not None
    return order


def _new_customer(
    session: Session, tenant_id: int, owner_id: int | None, e164: str, timezone: str, now: datetime, n: int
) -> int:
    customer = Customer(
        tenant_id=tenant_id,
        phone_key=e164,
        phone_e164=e164,
        phone_raw=e164,
        name=f"Customer {n}",
        timezone=timezone,
        owner_id=owner_id,
        owner_assigned_at=now if owner_id else None,
        created_at=now,
        updated_at=now,
    )
    session.add(customer)
    session.flush()
    assert customer.id is not None
    return customer.id


def login(client: TestClient, login_name: str) -> dict[str, str]:
    """Bearer headers for `login_name` on the app behind `client`."""
    return mint_headers(client.app.state.runtime, login_name)  # type: ignore[attr-defined]


def mint_headers(runtime: OrderConfirmRuntime, login_name: str) -> dict[str, str]:
    """A real login session and real tokens, minus the password check (argon2 is deliberately slow;
    test_auth.py covers passwords)."""
    with transaction(runtime.engine) as session:
        operator = session.exec(select(Operator).where(Operator.login == login_name)).one()
        pair = auth.open_session(session, runtime.settings, operator, runtime.clock(), auth.Client("testclient", None))
    return {"Authorization": f"Bearer {pair.access_token}"}


def future_date(now: datetime, days: int) -> date:
    return (now + timedelta(days=days)).date()
