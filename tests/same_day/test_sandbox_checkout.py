"""`okno run`: the sandbox provider's pay page pays a texted link inside one process (no Twilio, no YooKassa)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import Session, select

from okno.commands.tenants import Engines, add_operator, add_tenant, set_status
from okno.embedded import Okno, build_okno, create_embedded_app
from okno.sandbox.same_day_demo import seed_same_day
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Order
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from tests.intake.shop import DEMO_SECRET, order_body, post_order
from tests.support import live_server, wait_until


@pytest.fixture
def embedded(database_url: str) -> Iterator[tuple[Okno, str]]:
    # In-process broker and sandbox providers, as `okno run`.
    okno = build_okno(database_url=database_url, redis_url="", migrate=False, sandbox=True)
    with live_server(create_embedded_app(okno)) as url:
        okno.order_confirm.settings.integrations_url = f"{url}/integrations"
        yield okno, url
    for runtime in okno.runtimes:
        runtime.engine.dispose()


def test_the_customer_pays_on_the_sandbox_page_and_the_owner_sees_the_order_paid(embedded: tuple[Okno, str]) -> None:
    okno, url = embedded
    engines = Engines(okno.order_confirm.engine, okno.integrations.engine)
    add_tenant(engines, TenantSpec("demo", "Demo Tea", "Europe/Moscow", "RU"), webhook_secret=DEMO_SECRET)
    add_operator(engines, OperatorSpec("olga", "Olga", Role.OPERATOR, "password-123", ("demo",), 200))
    set_status(engines, "olga", OperatorStatus.AVAILABLE)
    seed_same_day(okno, tenant="demo", base_url=url)
    with httpx.Client(base_url=url, timeout=30, follow_redirects=True) as web:
        assert post_order(web, "demo", order_body("D-1")).status_code == 202
        order_id = wait_until(lambda: _order_id(okno, "D-1"), timeout=20, message="order D-1")
        assert order_id is not None
        token = web.post("/api/v1/auth/token", data={"username": "olga", "password": "password-123"}).json()
        web.headers["Authorization"] = f"Bearer {token['access_token']}"

        created = web.post(f"/api/v1/orders/{order_id}/payment-link", json={})
        assert created.status_code == 201, created.text
        link = created.json()
        assert link["url"].startswith(f"{url}/sandbox/yookassa/pay/")

        ticket = web.post(
            "/notify/internal/v1/tenants/demo/telephony/sandbox-tickets",
            json={"operator_id": 1},
            headers={"Authorization": "Bearer okno-dev-service-token"},
        ).json()["ticket"]

        def texted() -> bool:
            outbox = web.get("/notify/sandbox/sms/messages", headers={"Authorization": f"Bearer {ticket}"}).json()
            return any(link["url"] in text["body"] for text in outbox)

        assert wait_until(texted, message="SMS in outbox")
        # The checkout is for signed-in users of the shop: the page is a shell, its data needs the ticket.
        assert "750.00" not in web.get(link["url"]).text
        viewer = {"Authorization": f"Bearer {ticket}"}
        details = web.get(f"{link['url']}/details", headers=viewer).json()
        assert (details["amount"], details["status"]) == ({"value": "750.00", "currency": "RUB"}, "pending")
        paid = web.post(link["url"], json={"action": "pay"}, headers=viewer)
        assert paid.json() == {"status": "succeeded"}

        wait_until(lambda: _status(okno, order_id) == "paid", timeout=20, message="order paid")
        assert web.get(f"/api/v1/orders/{order_id}/payment-link").json()["status"] == "paid"


def _order_id(okno: Okno, external_id: str) -> int | None:
    with Session(okno.order_confirm.engine) as session:
        order = session.exec(select(Order).where(Order.external_id == external_id)).first()
        return order.id if order else None


def _status(okno: Okno, order_id: int) -> str:
    with Session(okno.order_confirm.engine) as session:
        order = session.get(Order, order_id)
        return order.status if order else ""
