"""Calls through Okno in the browser, with no internet: the simulator plays the customer's phone, the console's
sandbox softphone plays the operator's, and every step between them is a signed Twilio webhook to notify.

Inbound: a known customer dials the shop; their owner's console rings and shows the customer's card; the owner
answers, hangs up and records the outcome; the phone report counts the call within the service level.
Outbound: click-to-call (`S`) rings the customer's phone in the simulator, the customer answers, hangs up.
"Call my phone first": the operator chooses their own phone in the bar; `S` has Okno ring it (no browser leg).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from okno.commands.tenants import Engines, add_tenant
from okno.embedded import build_okno, create_embedded_app
from services.notify.telephony.models import VoiceCall, VoiceCustomer, VoiceNumber
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import OutboundCall, Tenant
from services.order_confirm.service.tenancy import TenantSpec
from tests.browser.conftest import PASSWORD, TENANT, Console
from tests.browser.phone_legs import PhoneFirstLegs
from tests.intake.shop import DEMO_SECRET
from tests.support import free_port, live_server, wait_until

pytestmark = pytest.mark.browser

SHOP = "+74951234567"
CUSTOMER = "+79161234567"  # the phone of tests/intake/shop.py's order body
MY_PHONE = "+79035550101"  # the operator's own mobile
SERVICE = {"Authorization": "Bearer okno-dev-service-token"}


@pytest.fixture
def phones(database_url: str, redis_url: str, broker_namespace: str, browser: Browser) -> Iterator[Console]:
    """The embedded Okno listening where its own URLs say (notify's public URL, order_confirm → notify), so
    the softphone's URL and the simulator's webhooks reach this process; a tenant with telephony on."""
    port = free_port()
    okno = build_okno(
        database_url=database_url,
        redis_url=redis_url,
        broker_namespace=broker_namespace,
        migrate=False,
        sandbox=True,
        base_url=f"http://127.0.0.1:{port}",
    )
    okno.start_background(scheduler=False, worker=True)
    engines = Engines(okno.order_confirm.engine, okno.integrations.engine)
    add_tenant(engines, TenantSpec(TENANT, "Чайная лавка", "Europe/Moscow", "RU"), webhook_secret=DEMO_SECRET)
    try:
        with live_server(create_embedded_app(okno), port=port) as base_url:
            instance = Console(okno, base_url, browser, engines)
            yield instance
            for context in list(browser.contexts):
                context.close()
    finally:
        okno.stop()
        for runtime in okno.runtimes:
            runtime.engine.dispose()
    assert not instance.errors, "JavaScript errors in the browser:\n" + "\n".join(instance.errors)


@contextmanager
def _api(console: Console, login: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{console.base_url}/api/v1", timeout=30) as client:
        token = client.post("/auth/token", data={"username": login, "password": PASSWORD}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _switch_telephony_on(console: Console) -> None:
    """The admin gives the shop its number (the settings' page does this PUT), and notify learns the routes."""
    with Session(console.engines.order_confirm) as session:
        tenant_id = session.exec(select(Tenant.id).where(Tenant.slug == TENANT)).one()
    with _api(console, "boss") as admin:
        changed = admin.put(f"/admin/tenants/{tenant_id}/telephony", json={"numbers": [SHOP], "recording": True})
        assert changed.status_code == 200, changed.text

    def routed() -> bool:
        with Session(console.okno.notify.engine) as session:
            number = session.get(VoiceNumber, SHOP)
            customer = session.exec(select(VoiceCustomer).where(VoiceCustomer.phone == CUSTOMER)).first()
            return number is not None and customer is not None and customer.owner_id is not None

    wait_until(routed, timeout=30, message="notify's routing projection of the shop")


def _simulator(console: Console, operator_id: int) -> Page:
    """The simulator page, opened as the console opens it: with a sandbox ticket in the URL fragment."""
    with httpx.Client(base_url=console.base_url, timeout=30) as http:
        issued = http.post(
            f"/notify/internal/v1/tenants/{TENANT}/telephony/sandbox-tickets",
            json={"operator_id": operator_id},
            headers=SERVICE,
        )
        assert issued.status_code == 201, issued.text
    page = console.open(None)
    page.goto(issued.json()["simulator_url"])
    expect(page.get_by_test_id("sim-shop")).to_have_value(SHOP)  # the shop's number, from notify's projection
    return page


def _phone_report(console: Console) -> list[dict[str, Any]]:
    # The report's days are the tenant's (Moscow), not this machine's: from 21:00 UTC they differ.
    today = datetime.now(ZoneInfo("Europe/Moscow")).date().isoformat()
    with _api(console, "boss") as admin:
        answer = admin.get("/reports/phone", params={"from": today, "to": today})
        assert answer.status_code == 200, answer.text
        return list(answer.json()["rows"])


def test_the_customer_dials_in_and_their_owners_console_rings_with_the_card(phones: Console) -> None:
    anna = phones.add_staff("anna")
    phones.add_staff("boss", Role.ADMIN)
    phones.shop_sends("TEA-7001")
    assert phones.owner_of("TEA-7001") == "anna"
    customer_id = phones.customer_id_of("TEA-7001")
    _switch_telephony_on(phones)

    console = phones.open("anna")
    softphone = console.get_by_test_id("softphone")
    expect(softphone).to_have_attribute("data-status", "ready")  # the sandbox driver registered anna's line

    simulator = _simulator(phones, anna)
    simulator.get_by_test_id("sim-caller").fill(CUSTOMER)
    simulator.get_by_test_id("sim-dial").click()

    expect(softphone).to_have_attribute("data-status", "incoming")
    expect(softphone).to_contain_text(CUSTOMER)
    expect(console.get_by_test_id("customer-title")).to_have_text("Анна Иванова")  # the card popped as it rang
    assert console.url.endswith(f"#/customers/{customer_id}")

    console.keyboard.press("y")  # answer
    expect(softphone).to_have_attribute("data-status", "in_call")
    expect(console.get_by_test_id("softphone-timer")).to_be_visible()
    leg = simulator.locator("[data-testid=sim-leg]").first
    expect(leg).to_contain_text("connected")

    console.get_by_test_id("softphone-hangup").click()
    expect(softphone).to_have_attribute("data-status", "ready")
    expect(leg).to_have_attribute("data-status", "completed")

    # The customer asked to be called back tomorrow at 11:30: the owner records it on the order.
    console.get_by_role("link", name="TEA-7001").click()
    card = console.get_by_test_id("order-card")
    expect(card).to_contain_text("Заказ TEA-7001")
    console.keyboard.press("b")
    tomorrow = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(days=1)).date().isoformat()
    console.get_by_test_id("callback-dialog").get_by_test_id("callback-at").fill(f"{tomorrow}T11:30")
    console.keyboard.press("Control+Enter")
    expect(card.get_by_test_id("order-status")).to_have_text("перезвон назначен")

    def counted() -> dict[str, Any] | None:
        rows = [row for row in _phone_report(phones) if row.get("offered")]
        return rows[0] if rows else None

    wait_until(counted, timeout=30, message="the call in the phone report")
    row = counted()
    assert row is not None
    assert (row["offered"], row["answered"], row["answered_within"], row["owner_answered"]) == (1, 1, 1, 1)
    assert float(row["service_level"]) == 1.0


def test_click_to_call_rings_the_customers_phone_in_the_simulator(phones: Console) -> None:
    anna = phones.add_staff("anna")
    phones.add_staff("boss", Role.ADMIN)
    phones.shop_sends("TEA-7002")
    assert phones.owner_of("TEA-7002") == "anna"
    _switch_telephony_on(phones)

    console = phones.open("anna")
    softphone = console.get_by_test_id("softphone")
    expect(softphone).to_have_attribute("data-status", "ready")
    console.get_by_test_id("queue-row").filter(has_text="TEA-7002").click()
    card = console.get_by_test_id("order-card")
    expect(card).to_contain_text("Заказ TEA-7002")

    console.keyboard.press("s")  # the attempt starts and the softphone dials through notify
    expect(softphone).to_have_attribute("data-status", "ringing")
    expect(card.get_by_test_id("order-status")).to_have_text("звонок")

    simulator = _simulator(phones, anna)
    leg = simulator.locator("[data-testid=sim-leg]").first
    expect(leg).to_contain_text(f"Call from {SHOP} to {CUSTOMER}")
    leg.get_by_test_id("sim-answer").click()
    expect(leg).to_contain_text("Этот разговор записывается.")  # the tenant records and gives notice
    expect(softphone).to_have_attribute("data-status", "in_call")
    expect(console.get_by_test_id("softphone-state")).to_contain_text(re.compile("Разговор"))

    console.get_by_test_id("softphone-hold").click()  # order_confirm → notify → the customer's leg is moved
    expect(leg).to_contain_text("♪ on hold")
    expect(console.get_by_test_id("softphone-hold")).to_have_attribute("aria-pressed", "true")
    console.get_by_test_id("softphone-hold").click()
    expect(leg).to_contain_text("connected again")
    console.get_by_test_id("softphone-mute").click()  # mute is the browser's own
    expect(console.get_by_test_id("softphone-mute")).to_have_attribute("aria-pressed", "true")

    leg.get_by_test_id("sim-hangup").click()
    expect(softphone).to_have_attribute("data-status", "ready")

    def call_facts_applied() -> bool:  # the attempt's times come from the call's facts, not from the buttons
        with Session(phones.engines.order_confirm) as session:
            call = session.exec(select(OutboundCall)).first()
            return call is not None and call.ended_at is not None

    # C at once, while the call's last facts may still be applied: both lock the order before the attempt
    # (tests/order_confirm/telephony/test_call_facts_lock_order.py), so neither is lost to a deadlock.
    console.keyboard.press("c")  # the customer confirmed during the call
    expect(card.get_by_test_id("order-status")).to_have_text("подтверждён")
    wait_until(call_facts_applied, timeout=30, message="the call's end in order_confirm")


def _notify_call(console: Console) -> VoiceCall | None:
    with Session(console.okno.notify.engine) as session:
        return session.exec(select(VoiceCall)).first()


def test_call_my_phone_first_rings_the_operators_phone_and_hangs_up_from_the_bar(phones: Console) -> None:
    phones.add_staff("anna")
    phones.add_staff("boss", Role.ADMIN)
    phones.shop_sends("TEA-7003")
    assert phones.owner_of("TEA-7003") == "anna"
    _switch_telephony_on(phones)

    console = phones.open("anna")
    softphone = console.get_by_test_id("softphone")
    expect(softphone).to_have_attribute("data-status", "ready")
    line = console.get_by_test_id("softphone-line")
    expect(line).to_have_attribute("data-line", "browser")
    line.click()
    console.get_by_test_id("softphone-line-phone").check()
    console.get_by_test_id("softphone-line-number").fill("12ab")
    phones.allowed_errors.append("status of 422")  # the browser logs the refused number; the field shows why
    console.get_by_test_id("softphone-line-save").click()
    expect(console.get_by_test_id("softphone-line-error")).to_contain_text("is not a phone number Okno can call")
    console.get_by_test_id("softphone-line-number").fill(MY_PHONE)
    console.get_by_test_id("softphone-line-save").click()
    expect(line).to_have_attribute("data-line", "phone")
    expect(line).to_contain_text(MY_PHONE)

    console.get_by_test_id("queue-row").filter(has_text="TEA-7003").click()
    card = console.get_by_test_id("order-card")
    expect(card).to_contain_text("Заказ TEA-7003")
    console.keyboard.press("s")  # no browser leg: Okno rings the operator's phone, then the customer
    expect(softphone).to_have_attribute("data-status", "my_phone")
    expect(console.get_by_test_id("softphone-state")).to_contain_text(f"Okno звонит на ваш телефон ({MY_PHONE})")
    expect(card.get_by_test_id("order-status")).to_have_text("звонок")
    call = _notify_call(phones)
    assert call is not None
    assert (call.operator_line, call.operator_phone, call.customer_number) == ("phone", MY_PHONE, CUSTOMER)

    console.get_by_test_id("softphone-hangup").click()  # POST /calls/{id}/hangup: notify ends every leg
    expect(softphone).to_have_attribute("data-status", "ready")

    def ended() -> bool:
        over = _notify_call(phones)
        return over is not None and over.ended_at is not None

    wait_until(ended, timeout=30, message="notify's call ended")


def test_call_my_phone_first_the_bar_follows_the_call_from_ringing_to_talking_to_the_customer_hanging_up(
    phones: Console,
) -> None:
    phones.add_staff("anna")
    phones.add_staff("boss", Role.ADMIN)
    phones.shop_sends("TEA-7004")
    assert phones.owner_of("TEA-7004") == "anna"
    _switch_telephony_on(phones)
    console = phones.open("anna")
    softphone, state = console.get_by_test_id("softphone"), console.get_by_test_id("softphone-state")
    expect(softphone).to_have_attribute("data-status", "ready")
    with _api(phones, "anna") as anna:
        assert anna.put("/me/telephony-line", json={"line": "phone", "phone_number": MY_PHONE}).status_code == 200
    console.reload()  # the line is read as the console starts
    expect(console.get_by_test_id("softphone-line")).to_have_attribute("data-line", "phone")

    console.get_by_test_id("queue-row").filter(has_text="TEA-7004").click()
    card = console.get_by_test_id("order-card")
    expect(card).to_contain_text("Заказ TEA-7004")
    console.keyboard.press("s")
    expect(softphone).to_have_attribute("data-status", "my_phone")
    call = _notify_call(phones)
    assert call is not None
    legs = PhoneFirstLegs(phones, call)

    assert legs.operator_answers() == ["Say", "Dial"]  # Anna picked up: Okno dials the customer
    legs.customer_leg("ringing")
    expect(softphone).to_have_attribute("data-status", "ringing")
    expect(state).to_contain_text(f"Идёт вызов {CUSTOMER}")
    legs.customer_leg("in-progress")  # the customer answered
    expect(softphone).to_have_attribute("data-status", "in_call")
    expect(state).to_contain_text(f"Разговор с {CUSTOMER}")
    timer = console.get_by_test_id("softphone-timer")
    expect(timer).to_be_visible()
    first = timer.inner_text()
    expect(timer).not_to_have_text(first)  # it runs
    expect(console.get_by_test_id("softphone-mute")).to_have_count(0)  # mute is the phone's own
    expect(console.get_by_test_id("softphone-hold")).to_be_visible()

    console.reload()  # a reconnecting console resyncs its bar from the live stream's `ready`
    expect(softphone).to_have_attribute("data-status", "in_call")
    expect(state).to_contain_text(f"Разговор с {CUSTOMER}")
    expect(console.get_by_test_id("softphone-timer")).to_be_visible()

    legs.customer_leg("completed", CallDuration="12")  # the customer hung up
    legs.dial_ended("completed")
    expect(softphone).to_have_attribute("data-status", "ready")
    expect(console.get_by_test_id("softphone-timer")).to_have_count(0)
    card = console.get_by_test_id("order-card")
    expect(card.get_by_test_id("order-status")).to_have_text("звонок")  # the outcome is the operator's to record
    console.keyboard.press("c")  # the customer confirmed during the call
    expect(card.get_by_test_id("order-status")).to_have_text("подтверждён")
