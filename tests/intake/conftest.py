"""Intake fixtures: a shop tenant with operators on the test database, and the embedded app on a real socket."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import Session, select

from okno.commands.tenants import Engines, add_operator, add_tenant, set_status
from okno.embedded import MOUNTS, Okno, build_okno, create_embedded_app
from services.integrations import app as integrations_app
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Customer, Operator, Order, Task
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from tests.intake.shop import DEMO_SECRET
from tests.support import live_server, wait_until

TENANT = "acme"


@dataclass
class Shop:
    """The tenant under test: its HTTP client (the shop's site) and read access to order_confirm's tables."""

    okno: Okno
    client: httpx.Client
    engines: Engines
    slug: str = TENANT
    secret: str = DEMO_SECRET

    def add_operator(
        self, login: str, *, status: OperatorStatus | None = None, capacity: int = 200, role: Role = Role.OPERATOR
    ) -> int:
        spec = OperatorSpec(login, login.title(), role, "password-123", (self.slug,), capacity)
        operator_id = add_operator(self.engines, spec)
        if status is not None:
            set_status(self.engines, login, status)
        return operator_id

    def set_status(self, login: str, status: OperatorStatus) -> None:
        set_status(self.engines, login, status)

    def session(self) -> Session:
        return Session(self.okno.order_confirm.engine)

    def count(self, model: Any, *where: Any) -> int:
        with self.session() as session:
            return int(session.exec(select(func.count()).select_from(model).where(*where)).one())

    def wait_for_orders(self, expected: int, *, timeout: float = 20.0) -> None:
        wait_until(lambda: self.count(Order) >= expected, timeout=timeout, message=f"{expected} orders")

    def order(self, external_id: str) -> Order:
        with self.session() as session:
            return session.exec(select(Order).where(Order.external_id == external_id)).one()

    def customer_of(self, external_id: str) -> Customer:
        with self.session() as session:
            order = session.exec(select(Order).where(Order.external_id == external_id)).one()
            return session.exec(select(Customer).where(Customer.id == order.customer_id)).one()

    def open_tasks(self, external_id: str) -> list[Task]:
        order = self.order(external_id)
        with self.session() as session:
            return list(session.exec(select(Task).where(Task.order_id == order.id, Task.status == "open")))

    def operator_id(self, login: str) -> int:
        with self.session() as session:
            operator_id = session.exec(select(Operator.id).where(Operator.login == login)).one()
            assert operator_id is not None
            return operator_id


@pytest.fixture
def base_url(okno: Okno) -> Iterator[str]:
    """integrations mounted where the embedded app mounts it; order_confirm is reached through the broker only."""
    app = FastAPI()
    app.mount(MOUNTS["integrations"], integrations_app.create_app(okno.integrations))
    with live_server(app) as url:
        yield url


@pytest.fixture
def shop(okno: Okno, base_url: str) -> Iterator[Shop]:
    engines = Engines(okno.order_confirm.engine, okno.integrations.engine)
    add_tenant(engines, TenantSpec(TENANT, "ACME Tea", "Europe/Moscow", "RU"), webhook_secret=DEMO_SECRET)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield Shop(okno, client, engines)


@pytest.fixture
def console(database_url: str) -> Iterator[Shop]:
    """What `okno run` serves: the embedded app with its in-process broker and worker, on a real socket."""
    instance = build_okno(database_url=database_url, redis_url="", migrate=False)
    engines = Engines(instance.order_confirm.engine, instance.integrations.engine)
    add_tenant(engines, TenantSpec(TENANT, "ACME Tea", "Europe/Moscow", "RU"), webhook_secret=DEMO_SECRET)
    with (
        live_server(create_embedded_app(instance)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield Shop(instance, client, engines)
    for runtime in instance.runtimes:
        runtime.engine.dispose()


def login(client: httpx.Client, login: str, password: str = "password-123") -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": login, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
