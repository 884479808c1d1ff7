"""Same-day fixtures: all three services on one socket, with local CDEK, YooKassa, Stripe and Twilio servers.

The clock is frozen at 12:00 Moscow time (the tenant's zone), two hours before the 14:00 same-day cut-off.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from dramatiq.brokers.stub import StubBroker
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from okno.commands.tenants import Engines, add_operator, add_tenant, set_status
from okno.embedded import MOUNTS, Okno, build_okno
from services.common.db import transaction
from services.integrations import app as integrations_app
from services.integrations import wiring as integrations_wiring
from services.integrations.models import OutboxMessage, ShopWebhookEndpoint
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.provider_setup import configure_courier, configure_payments
from services.integrations.settings import IntegrationsSettings
from services.notify import app as notify_app
from services.notify.telephony import declare_capabilities
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Customer, Order
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from tests.fakes.cdek import FakeCdek
from tests.fakes.stripe import FakeStripe
from tests.fakes.twilio import FakeTwilio
from tests.fakes.yookassa import FakeYooKassa
from tests.intake.shop import DEMO_SECRET, order_body, post_order
from tests.support import FrozenClock, live_server, wait_until

TENANT = "acme"
NOON_MOSCOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OWN_COURIER = {
    "cutoff": "14:00",
    "min_lead_minutes": 60,
    "zones": [{"city": "Москва"}],
    "windows": [
        {"code": "16-18", "start": "16:00", "end": "18:00", "capacity": 1, "price": "390.00"},
        {"code": "18-21", "start": "18:00", "end": "21:00", "capacity": 5, "price": "350.00"},
    ],
    "ineligible_sku_prefixes": ["FRZ-"],
    "currency": "RUB",
}


@dataclass
class Outside:
    """The outside world: couriers, payment providers, the SMS network and the shop's own webhook receiver."""

    cdek: FakeCdek
    cdek_url: str
    yookassa: FakeYooKassa
    yookassa_url: str
    stripe: FakeStripe
    stripe_url: str
    twilio: FakeTwilio
    twilio_url: str
    shop_events: list[dict[str, Any]] = field(default_factory=list)
    shop_url: str = ""


@dataclass
class SameDay:
    okno: Okno
    outside: Outside
    url: str
    clock: FrozenClock
    engines: Engines
    operator: httpx.Client

    def courier(self, provider: str, settings: dict[str, Any]) -> None:
        with transaction(self.okno.integrations.engine) as session:
            configure_courier(session, TENANT, provider, settings, now=self.clock())

    def payments(self, provider: str, settings: dict[str, Any], *, ttl_minutes: int = 30) -> None:
        with transaction(self.okno.integrations.engine) as session:
            configure_payments(
                session,
                TENANT,
                provider,
                settings,
                link_ttl_minutes=ttl_minutes,
                now=self.clock(),
                capabilities=self.okno.integrations.capabilities,
            )

    def cdek_courier(self, **overrides: Any) -> None:
        settings = {
            "base_url": self.outside.cdek_url,
            "client_id": self.outside.cdek.client_id,
            "client_secret": self.outside.cdek.client_secret,
            "tariff_codes": [480],
            "from_location": {"code": 44, "address": "Склад, ул. Складская, 3"},
            "cutoff": "14:00",
            "windows": [{"code": "day", "start": "15:00", "end": "21:00"}],
            **overrides,
        }
        self.courier("cdek", settings)

    def yookassa_payments(self, **overrides: Any) -> None:
        sandbox = self.outside.yookassa
        self.payments(
            "yookassa",
            {
                "base_url": self.outside.yookassa_url,
                "shop_id": sandbox.shop_id,
                "secret_key": sandbox.secret_key,
                "receipts": True,
                "tax_system_code": 2,
                **overrides,
            },
        )

    def stripe_payments(self) -> None:
        stripe = self.outside.stripe
        self.payments(
            "stripe",
            {"base_url": self.outside.stripe_url, "api_key": stripe.api_key, "webhook_secret": stripe.webhook_secret},
        )

    def new_order(self, external_id: str, **kwargs: Any) -> int:
        """The shop posts an order; returns order_confirm's id once it has arrived."""
        with httpx.Client(base_url=self.url, timeout=30) as shop:
            response = post_order(shop, TENANT, order_body(external_id, **kwargs), at=self.clock())
            assert response.status_code == 202, response.text

        def arrived() -> int | None:
            with Session(self.okno.order_confirm.engine) as session:
                order = session.exec(select(Order).where(Order.external_id == external_id)).first()
                return order.id if order else None

        order_id = wait_until(arrived, timeout=20, message=f"order {external_id} in order_confirm")
        assert isinstance(order_id, int)
        return order_id

    def order(self, order_id: int) -> Order:
        with Session(self.okno.order_confirm.engine) as session:
            order = session.get(Order, order_id)
            assert order is not None
            return order

    def sign_in_again(self) -> None:
        """After the frozen clock moved past the access token's life."""
        token = self.operator.post("/api/v1/auth/token", data={"username": "olga", "password": "password-123"})
        assert token.status_code == 200, token.text
        self.operator.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    @contextmanager
    def login_as(self, login: str) -> Iterator[httpx.Client]:
        """Another operator of the tenant (off shift, so they own nobody), signed in."""
        add_operator(self.engines, OperatorSpec(login, login.title(), Role.OPERATOR, "password-123", (TENANT,), 200))
        with httpx.Client(base_url=self.url, timeout=30) as client:
            token = client.post("/api/v1/auth/token", data={"username": login, "password": "password-123"})
            assert token.status_code == 200, token.text
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            yield client

    def order_owner(self, order_id: int) -> int | None:
        with Session(self.okno.order_confirm.engine) as session:
            customer = session.get(Customer, self.order(order_id).customer_id)
            assert customer is not None
            return customer.owner_id

    def twilio_status(self, message_sid: str, status: str) -> httpx.Response:
        """Twilio's signed status callback for one text."""
        message = next(m for m in self.outside.twilio.messages if m.sid == message_sid)
        assert message.status_callback is not None
        form = {"MessageSid": message_sid, "MessageStatus": status, "AccountSid": self.outside.twilio.account_sid}
        signature = RequestValidator(self.outside.twilio.auth_token).compute_signature(message.status_callback, form)
        return httpx.post(message.status_callback, data=form, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOON_MOSCOW)


@pytest.fixture
def outside() -> Iterator[Outside]:
    cdek, yookassa, stripe, twilio = FakeCdek(), FakeYooKassa(), FakeStripe(), FakeTwilio()
    events: list[dict[str, Any]] = []
    receiver = FastAPI()

    @receiver.post("/hooks")
    async def receive(request: Request) -> dict[str, str]:
        events.append(await request.json())
        return {"ok": "yes"}

    with (
        live_server(cdek.app) as cdek_url,
        live_server(yookassa.app) as yookassa_url,
        live_server(stripe.app) as stripe_url,
        live_server(twilio.app) as twilio_url,
        live_server(receiver) as shop_url,
    ):
        yookassa.public_url = yookassa_url
        yield Outside(cdek, cdek_url, yookassa, yookassa_url, stripe, stripe_url, twilio, twilio_url, events, shop_url)


@pytest.fixture
def same_day(
    database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock, outside: Outside
) -> Iterator[SameDay]:
    okno = build_okno(
        database_url=database_url, redis_url=redis_url, broker_namespace=broker_namespace, clock=clock, migrate=False
    )
    app = FastAPI()
    app.mount(MOUNTS["integrations"], integrations_app.create_app(okno.integrations))
    app.mount(MOUNTS["notify"], notify_app.create_app(okno.notify))
    app.mount("/", order_confirm_app.create_app(okno.order_confirm))
    with live_server(app) as url:
        okno.order_confirm.settings.integrations_url = f"{url}/integrations"
        notify = okno.notify.settings
        notify.public_base_url = f"{url}/notify"
        notify.twilio_account_sid = outside.twilio.account_sid
        notify.twilio_auth_token = outside.twilio.auth_token
        notify.twilio_from_number = "+15005550006"
        notify.twilio_api_base_url = outside.twilio_url
        declare_capabilities(notify, okno.notify.capabilities)  # decided at start-up: decide again with Twilio
        okno.start_background(scheduler=False, worker=True)
        engines = Engines(okno.order_confirm.engine, okno.integrations.engine)
        add_tenant(engines, TenantSpec(TENANT, "ACME Tea", "Europe/Moscow", "RU"), webhook_secret=DEMO_SECRET)
        add_operator(engines, OperatorSpec("olga", "Olga", Role.OPERATOR, "password-123", (TENANT,), 200))
        set_status(engines, "olga", OperatorStatus.AVAILABLE)
        with transaction(okno.integrations.engine) as session:
            session.add(
                ShopWebhookEndpoint(
                    tenant=TENANT,
                    url=f"{outside.shop_url}/hooks",
                    secret="whsec_" + base64.b64encode(b"shop-outcome-secret-000000000000").decode(),
                    events=["payment.succeeded"],
                    created_at=clock(),
                    updated_at=clock(),
                )
            )
        with httpx.Client(base_url=url, timeout=30) as operator:
            token = operator.post("/api/v1/auth/token", data={"username": "olga", "password": "password-123"})
            assert token.status_code == 200, token.text
            operator.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            yield SameDay(okno, outside, url, clock, engines, operator)
        okno.stop()
    for runtime in okno.runtimes:
        runtime.engine.dispose()


# --- integrations alone: what the outbox holds is what we assert on -----------------------------------


@dataclass
class Integrations:
    runtime: IntegrationsRuntime
    client: TestClient

    def outbox(self, message_type: str) -> list[dict[str, Any]]:
        with Session(self.runtime.engine) as session:
            rows = session.exec(select(OutboxMessage).where(OutboxMessage.message_type == message_type)).all()
            return [row.envelope["payload"] for row in rows]


@pytest.fixture
def integrations(database_url: str, clock: FrozenClock) -> Iterator[Integrations]:
    runtime = integrations_wiring.build(
        IntegrationsSettings(database_url=database_url, redis_url=None), broker=StubBroker(), clock=clock
    )
    runtime.outbox.relay_enabled = False
    with TestClient(integrations_app.create_app(runtime)) as client:
        client.headers["Authorization"] = f"Bearer {runtime.settings.service_token}"
        yield Integrations(runtime, client)
    runtime.engine.dispose()


def same_day_order(order_id: int = 7, *, city: str = "Москва", sku: str = "TEA-01", **extra: Any) -> dict[str, Any]:
    """The body order_confirm sends for an order (contracts.http.same_day.SameDayOrder)."""
    return {
        "order_id": order_id,
        "external_id": f"A-{order_id}",
        "timezone": "Europe/Moscow",
        "customer_name": "Анна Иванова",
        "customer_phone": "+79161234567",
        "address": "ул. Ленина, 1",
        "city": city,
        "items": [{"sku": sku, "name": "Пуэр", "quantity": 2, "unit_price": "750.00"}],
        "total": "1500.00",
        "currency": "RUB",
        **extra,
    }
