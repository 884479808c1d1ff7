"""The operator's shift in the browser: orders arrive live, are called, changed, confirmed, called back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Console

pytestmark = pytest.mark.browser


def test_order_arrives_live_and_is_confirmed_with_a_changed_quantity_and_slot(console: Console) -> None:
    console.add_staff("op1")
    page = console.open("op1")
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    expect(page.get_by_test_id("live-state")).to_have_text("онлайн")

    console.shop_sends("TEA-1001", quantity=2)

    row = page.get_by_test_id("queue-row").filter(has_text="TEA-1001")
    expect(row).to_be_visible()  # no reload: the live stream brought it
    expect(row).to_contain_text("Анна Иванова")
    page.keyboard.press("Enter")
    card = page.get_by_test_id("order-card")
    expect(card).to_contain_text("Заказ TEA-1001")
    expect(card.get_by_test_id("total")).to_have_text(re.compile(r"1\s500,00\s₽"))
    console.screenshot(page, "console-queue.png")

    page.keyboard.press("s")
    expect(card.get_by_test_id("order-status")).to_have_text("звонок")
    expect(card.get_by_test_id("call-timer")).to_be_visible()

    page.keyboard.press("e")
    page.get_by_test_id("qty-TEA-01").fill("3")
    page.get_by_test_id("edit-delivery-slot").fill("18:00-22:00")
    page.keyboard.press("Control+Enter")
    expect(card.get_by_test_id("quantity-TEA-01")).to_have_text("3")
    expect(card.get_by_test_id("delivery-slot")).to_have_text("18:00-22:00")
    expect(card.get_by_test_id("total")).to_have_text(re.compile(r"2\s250,00\s₽"))
    console.screenshot(page, "console-order-card.png")

    page.keyboard.press("c")
    expect(card.get_by_test_id("order-status")).to_have_text("подтверждён с изменениями")
    expect(page.get_by_test_id("queue-row").filter(has_text="TEA-1001")).to_have_count(0)
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
