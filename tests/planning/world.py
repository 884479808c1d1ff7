"""A shop with four weeks of orders and calls, its planners, and a rival shop nobody here may see.

Now is Monday 7 December 2026, 10:10 Moscow time. Every past weekday 10:00–18:00 had two orders an hour
(at :05 and :35), weekends one an hour; every order was decided after one call of 120 s talk + 30 s wrap-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient

from services.common.db import transaction
from services.order_confirm import app as order_confirm_app
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt, Customer, Operator, OperatorTenant, Order, Tenant
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.security.passwords import hash_password
from services.order_confirm.settings import OrderConfirmSettings
from tests.support import FrozenClock

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 7, 10, 10, tzinfo=MOSCOW).astimezone(UTC)
PASSWORD = "planning-reader-password"
HISTORY_DAYS = 28
STAFF = (
    ("sveta", Role.SUPERVISOR, "shop", None),
    ("anna", Role.OPERATOR, "shop", "sveta"),
    ("boris", Role.OPERATOR, "shop", "sveta"),
    ("masha", Role.CLIENT_MANAGER, "shop", None),
    ("root", Role.ADMIN, "shop", None),
    ("oleg", Role.SUPERVISOR, "rival", None),
)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW).astimezone(UTC)


@dataclass
class Ids:
    tenants: dict[str, int] = field(default_factory=dict)
    operators: dict[str, int] = field(default_factory=dict)


@dataclass
class World:
    runtime: OrderConfirmRuntime
    api: TestClient
    clock: FrozenClock
    tenants: dict[str, int] = field(default_factory=dict)
    operators: dict[str, int] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, login: str) -> dict[str, str]:
        if login not in self._tokens:
            response = self.api.post("/api/v1/auth/token", data={"username": login, "password": PASSWORD})
            assert response.status_code == 200, response.text
            self._tokens[login] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[login]}"}

    def url(self, path: str, tenant: str = "shop") -> str:
        return f"/api/v1/planning/tenants/{self.tenants[tenant]}{path}"

    def call(self, method: str, login: str, path: str, tenant: str = "shop", **kwargs: Any) -> Any:
        return self.api.request(method, self.url(path, tenant), headers=self.headers(login), **kwargs)


def build_shop(runtime: OrderConfirmRuntime, world: World | Ids) -> None:
    """The tenants, staff and four weeks of history; their ids go into `world.tenants` and `world.operators`."""
    password = hash_password(PASSWORD)
    with transaction(runtime.engine) as session:
        for slug in ("shop", "rival"):
            tenant = Tenant(slug=slug, name=slug.title(), timezone="Europe/Moscow", created_at=NOW - timedelta(days=60))
            session.add(tenant)
            session.flush()
            assert tenant.id is not None
            world.tenants[slug] = tenant.id
        for login, role, slug, boss in STAFF:
            operator = Operator(
                login=login,
                name=login.title(),
                role=role.value,
                password_hash=password,
                status_changed_at=NOW,
                supervisor_id=world.operators.get(boss or ""),
                created_at=NOW,
            )
            session.add(operator)
            session.flush()
            assert operator.id is not None
            world.operators[login] = operator.id
            session.add(OperatorTenant(operator_id=operator.id, tenant_id=world.tenants[slug]))
        shop = world.tenants["shop"]
        customer = Customer(
            tenant_id=shop,
            phone_key="+79990000001",
            phone_e164="+79990000001",
            phone_raw="+79990000001",
            name="Regular",
            timezone="Europe/Moscow",
            owner_id=world.operators["anna"],
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(customer)
        session.flush()
        assert customer.id is not None
        first = (NOW.astimezone(MOSCOW) - timedelta(days=HISTORY_DAYS)).date()
        n = 0
        for d in range(HISTORY_DAYS):
            day = first + timedelta(days=d)
            minutes = (5, 35) if day.weekday() < 5 else (5,)
            for hour in range(10, 18):
                for minute in minutes:
                    arrived = datetime(day.year, day.month, day.day, hour, minute, tzinfo=MOSCOW).astimezone(UTC)
                    n += 1
                    order = Order(
                        tenant_id=shop,
                        customer_id=customer.id,
                        external_id=f"H{n}",
                        source="webhook",
                        source_ref=f"r{n}",
                        status="confirmed",
                        delivery_method="courier",
                        delivery_address="Tverskaya 1",
                        payment_method="cod",
                        payment_status="pending",
                        total_minor=1000,
                        currency="RUB",
                        content_hash=f"h{n}",
                        shop_created_at=arrived,
                        received_at=arrived,
                        first_attempt_at=arrived + timedelta(minutes=3),
                        attempts_count=1,
                        closed_at=arrived + timedelta(minutes=6),
                        updated_at=arrived,
                    )
                    session.add(order)
                    session.flush()
                    started = arrived + timedelta(minutes=3)
                    session.add(
                        Attempt(
                            tenant_id=shop,
                            order_id=order.id or 0,
                            operator_id=world.operators["anna"],
                            started_at=started,
                            ended_at=started + timedelta(seconds=120),
                            wrap_up_ended_at=started + timedelta(seconds=150),
                            disposition="confirmed",
                        )
                    )


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    clock = FrozenClock(NOW)
    settings = OrderConfirmSettings(database_url=database_url, access_token_minutes=7 * 24 * 60)
    runtime = order_confirm_wiring.build(settings, broker=StubBroker(), clock=clock)
    with TestClient(order_confirm_app.create_app(runtime)) as api:
        instance = World(runtime, api, clock)
        build_shop(runtime, instance)
        yield instance
    runtime.engine.dispose()
