"""A shop with one known week of calls, its quality department, and a rival shop nobody here may see.

Now is Monday 7 December 2026, 10:10 Moscow time; the last finished week is 30 November – 6 December.
anna (team of supervisor sveta) had eight conversations, two a day Monday to Thursday at 11:00 and 15:00:

| n | day | outcome            | talk s | survey                    | flags                    |
|---|-----|--------------------|--------|---------------------------|--------------------------|
| 1 | Mon | confirmed          | 120    |                           |                          |
| 2 | Mon | confirmed          | 130    |                           |                          |
| 3 | Tue | changed            | 110    |                           |                          |
| 4 | Tue | cancelled          | 100    |                           | cancelled                |
| 5 | Wed | confirmed          | 900    |                           | long_call (median 122.5) |
| 6 | Wed | confirmed          | 125    | NPS 3                     | detractor                |
| 7 | Thu | callback_requested | 140    | asked for a callback      | callback_requested       |
| 8 | Thu | confirmed          | 115    | CSAT 5, NPS 10            |                          |

and one unanswered call on Friday (not a conversation). boris (same team) had three: Friday confirmed 200 s,
Saturday confirmed 210 s (CSAT 4), Sunday changed 190 s. This Monday at 09:00 anna already had one more call
(next week's). The rival shop's operator ivan had two conversations last week.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pytest
from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.common.db import transaction
from services.order_confirm import app as order_confirm_app
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt, Customer, Note, Operator, OperatorTenant, Order, Tenant
from services.order_confirm.qa.service.scorecards import ensure_starter_scorecard
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.security.passwords import hash_password
from services.order_confirm.service import timeline
from services.order_confirm.settings import OrderConfirmSettings
from tests.support import FrozenClock

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 7, 10, 10, tzinfo=MOSCOW).astimezone(UTC)
WEEK = "2026-11-30"
PASSWORD = "qa-world-password"
STAFF = (
    ("sveta", Role.SUPERVISOR, "shop", None),
    ("anna", Role.OPERATOR, "shop", "sveta"),
    ("boris", Role.OPERATOR, "shop", "sveta"),
    ("kira", Role.QA, "shop", None),
    ("lev", Role.QA, "shop", None),
    ("masha", Role.CLIENT_MANAGER, "shop", None),
    ("root", Role.ADMIN, "shop", None),
    ("oleg", Role.SUPERVISOR, "rival", None),
    ("ivan", Role.OPERATOR, "rival", "oleg"),
    ("rita", Role.QA, "rival", None),
)
# (operator, local start, disposition, talk seconds, csat, nps, survey callback)
CALLS: tuple[tuple[str, str, str, int, int | None, int | None, bool], ...] = (
    ("anna", "2026-11-30 11:00", "confirmed", 120, None, None, False),
    ("anna", "2026-11-30 15:00", "confirmed", 130, None, None, False),
    ("anna", "2026-12-01 11:00", "changed", 110, None, None, False),
    ("anna", "2026-12-01 15:00", "cancelled", 100, None, None, False),
    ("anna", "2026-12-02 11:00", "confirmed", 900, None, None, False),
    ("anna", "2026-12-02 15:00", "confirmed", 125, None, 3, False),
    ("anna", "2026-12-03 11:00", "callback_requested", 140, None, None, True),
    ("anna", "2026-12-03 15:00", "confirmed", 115, 5, 10, False),
    ("anna", "2026-12-04 12:00", "no_answer", 0, None, None, False),
    ("boris", "2026-12-04 10:00", "confirmed", 200, None, None, False),
    ("boris", "2026-12-05 12:00", "confirmed", 210, 4, None, False),
    ("boris", "2026-12-06 12:00", "changed", 190, None, None, False),
    ("anna", "2026-12-07 09:00", "confirmed", 100, None, None, False),
    ("ivan", "2026-12-01 11:00", "confirmed", 150, None, None, False),
    ("ivan", "2026-12-02 11:00", "cancelled", 160, None, None, False),
)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW).astimezone(UTC)


class Roster(Protocol):
    tenants: dict[str, int]
    operators: dict[str, int]
    calls: list[int]
    orders: dict[int, int]


@dataclass
class Ids:
    """The world's ids without a client (the browser test serves the same world over real HTTP)."""

    tenants: dict[str, int] = field(default_factory=dict)
    operators: dict[str, int] = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)
    orders: dict[int, int] = field(default_factory=dict)


def build(runtime: OrderConfirmRuntime, ids: Roster) -> None:
    with transaction(runtime.engine) as session:
        _staff(session, ids)
        _calls(session, ids)


@dataclass
class World:
    runtime: OrderConfirmRuntime
    api: TestClient
    clock: FrozenClock
    tenants: dict[str, int] = field(default_factory=dict)
    operators: dict[str, int] = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)  # attempt ids in CALLS order
    orders: dict[int, int] = field(default_factory=dict)  # attempt id -> order id
    _tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, login: str) -> dict[str, str]:
        if login not in self._tokens:
            response = self.api.post("/api/v1/auth/token", data={"username": login, "password": PASSWORD})
            assert response.status_code == 200, response.text
            self._tokens[login] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[login]}"}

    def url(self, path: str, tenant: str = "shop") -> str:
        return f"/api/v1/qa/tenants/{self.tenants[tenant]}{path}"

    def call(self, method: str, login: str, path: str, tenant: str = "shop", **kwargs: Any) -> Any:
        return self.api.request(method, self.url(path, tenant), headers=self.headers(login), **kwargs)

    def ok(self, method: str, login: str, path: str, tenant: str = "shop", **kwargs: Any) -> Any:
        response = self.call(method, login, path, tenant, **kwargs)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def session(self) -> Session:
        return Session(self.runtime.engine)


def _staff(session: Session, world: Roster) -> None:
    password = hash_password(PASSWORD)
    for slug in ("shop", "rival"):
        tenant = Tenant(slug=slug, name=slug.title(), timezone="Europe/Moscow", language="en", created_at=NOW)
        session.add(tenant)
        session.flush()
        assert tenant.id is not None
        world.tenants[slug] = tenant.id
        ensure_starter_scorecard(session, tenant, actor="system:test", now=NOW - timedelta(days=30))
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


def _customer(session: Session, tenant_id: int, owner_id: int, n: int) -> Customer:
    customer = Customer(
        tenant_id=tenant_id,
        phone_key=f"+7999000000{n}",
        phone_e164=f"+7999000000{n}",
        phone_raw=f"+7999000000{n}",
        name=f"Customer {n}",
        timezone="Europe/Moscow",
        owner_id=owner_id,
        created_at=NOW - timedelta(days=30),
        updated_at=NOW,
    )
    session.add(customer)
    session.flush()
    return customer


def _calls(session: Session, world: Roster) -> None:
    customers: dict[str, Customer] = {}
    for n, (login, start, disposition, talk, csat, nps, callback) in enumerate(CALLS, start=1):
        tenant_id = world.tenants["rival" if login == "ivan" else "shop"]
        if login not in customers:
            customers[login] = _customer(session, tenant_id, world.operators[login], len(customers) + 1)
        customer = customers[login]
        assert customer.id is not None
        started = local(start)
        order = Order(
            tenant_id=tenant_id,
            customer_id=customer.id,
            external_id=f"Q{n}",
            source="webhook",
            source_ref=f"r{n}",
            status="confirmed" if disposition in ("confirmed", "changed") else "awaiting_call",
            delivery_method="courier",
            delivery_address="Tverskaya 1",
            payment_method="cod",
            payment_status="pending",
            total_minor=499000,
            currency="RUB",
            content_hash=f"h{n}",
            shop_created_at=started - timedelta(minutes=5),
            received_at=started - timedelta(minutes=5),
            updated_at=started,
        )
        session.add(order)
        session.flush()
        assert order.id is not None
        attempt = Attempt(
            tenant_id=tenant_id,
            order_id=order.id,
            operator_id=world.operators[login],
            started_at=started,
            ended_at=started + timedelta(seconds=talk + 10),
            wrap_up_ended_at=started + timedelta(seconds=talk + 40),
            disposition=disposition,
            talk_seconds=talk or None,
            survey_status="completed" if csat or nps is not None or callback else None,
            csat=csat,
            nps=nps,
            survey_callback_requested=callback,
        )
        session.add(attempt)
        session.flush()
        assert attempt.id is not None
        world.calls.append(attempt.id)
        world.orders[attempt.id] = order.id
        fact = {"external_id": order.external_id, "disposition": disposition}
        timeline.add_event(session, customer, now=started, kind="attempt", params=fact, order_id=order.id)
        if n == 1:
            note = Note(
                tenant_id=tenant_id,
                customer_id=customer.id,
                order_id=order.id,
                author_id=world.operators[login],
                text="Asked to deliver after six",
                created_at=started + timedelta(seconds=200),
            )
            session.add(note)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    clock = FrozenClock(NOW)
    settings = OrderConfirmSettings(database_url=database_url, access_token_minutes=7 * 24 * 60)
    runtime = order_confirm_wiring.build(settings, broker=StubBroker(), clock=clock)
    with TestClient(order_confirm_app.create_app(runtime)) as api:
        instance = World(runtime, api, clock)
        build(runtime, instance)
        yield instance
    runtime.engine.dispose()
