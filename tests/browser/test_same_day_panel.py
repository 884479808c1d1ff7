"""The owner sells same-day delivery from the order card; the customer pays the texted link; the card follows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from okno.sandbox.same_day_demo import DEMO_COURIER, seed_same_day
from services.common.db import transaction
from services.integrations.service.provider_setup import configure_courier
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.sandbox.tickets import mint_ticket
from tests.browser.conftest import TENANT, Console

pytestmark = pytest.mark.browser

# The server runs on the real clock; one window at the very end of the Moscow day is open at any time
# before 23:58 there, so the story does not depend on when the suite runs.
LATE_COURIER = {
    **DEMO_COURIER,
    "cutoff": "23:58",
    "min_lead_minutes": 0,
    "windows": [{"code": "late", "start": "23:58", "end": "23:59", "capacity": 2, "price": "390.00"}],
}


def test_owner_texts_a_payment_link_and_sees_it_sent_then_paid(console: Console) -> None:
    console.okno.order_confirm.settings.integrations_url = f"{console.base_url}/integrations"
    seed_same_day(console.okno, tenant=TENANT, base_url=console.base_url)
    with transaction(console.okno.integrations.engine) as session:
        configure_courier(session, TENANT, "own", LATE_COURIER, now=console.okno.integrations.clock())
    console.add_staff("op1")
    console.shop_sends("TEA-7001", method="same_day")
    page = console.open("op1")

    page.get_by_test_id("queue-row").filter(has_text="TEA-7001").click()
    panel = page.get_by_test_id("same-day")
    expect(panel).to_contain_text("23:58")
    expect(panel).to_contain_text("осталось 2")
    panel.get_by_role("button", name="Отправить ссылку на оплату").click()

    link = panel.get_by_test_id("payment-link")
    expect(link).to_contain_text(re.compile(r"1\s140,00\s₽"))  # 750 order + 390 delivery
    expect(link).to_contain_text("SMS: delivered")  # the sandbox outbox stands in for Twilio

    notify = console.okno.notify
    ticket, _ = mint_ticket(sandbox_credentials(notify.engine), TENANT, 1, timedelta(hours=1), now=notify.clock())
    sms = page.context.new_page()
    sms.goto(f"{console.base_url}/notify/sandbox/sms/#ticket={ticket}")  # the ticket a signed-in user gets
    sms.get_by_role("link").first.click()  # the customer follows the texted link
    expect(sms.get_by_text("1140.00 RUB")).to_be_visible()
    sms.get_by_role("button", name="Pay").click()
    expect(sms.locator("#status")).to_have_text("succeeded")

    expect(link.locator(".status-paid")).to_be_visible()  # no reload: the live stream refreshed the card
