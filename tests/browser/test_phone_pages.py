"""The phone in the browser: the dashboard charts service level and abandonment per day from the call facts,
and the supervisor's floor shows who waits and who talks right now."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from contracts.routing import MessageType
from services.order_confirm import app as order_confirm_app
from tests.browser.test_reports_dashboard import chart_for_period, sign_in
from tests.order_confirm.telephony.facts_support import call_updated, deliver
from tests.reports.conftest import runtime_on
from tests.reports.history import NOW, build_history
from tests.support import live_server, sqlite_copy

pytestmark = pytest.mark.browser
MONDAY_NOON = NOW - timedelta(days=1)  # Monday 23 November, 12:10 in Moscow


@pytest.fixture(scope="module")
def phone_console(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """order_confirm alone over the report history plus call facts as notify sends them; clock on Tuesday."""
    url = sqlite_copy(sqlite_template, tmp_path_factory.mktemp("phone"))
    runtime = runtime_on(url)
    staff = build_history(runtime.engine).operators
    anna, boris = staff["anna"], staff["boris"]

    def call(direction: str = "inbound", **fields: object) -> None:
        snapshot = call_updated(uuid.uuid4(), 5, direction, **fields)
        deliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, "shop", snapshot)

    for minute, wait in ((0, 8), (10, 12), (20, 30)):  # answered: two in time, one late (default 20 s)
        offered = MONDAY_NOON + timedelta(minutes=minute)
        call(
            state="ended", outcome="answered", operator_id=anna if wait < 20 else boris, offered_at=offered,
            answered_at=offered + timedelta(seconds=wait), ended_at=offered + timedelta(minutes=3),
            wait_seconds=wait, talk_seconds=150,
        )  # fmt: skip
    call(
        state="ended", outcome="abandoned", abandoned=True, offered_at=MONDAY_NOON + timedelta(minutes=30),
        ended_at=MONDAY_NOON + timedelta(minutes=31), wait_seconds=60,
    )  # fmt: skip
    call(state="queued", offered_at=NOW - timedelta(seconds=40))
    call(
        state="in_progress",
        operator_id=anna,
        offered_at=NOW - timedelta(seconds=70),
        answered_at=NOW - timedelta(seconds=60),
    )
    with live_server(order_confirm_app.create_app(runtime)) as base_url:
        yield base_url
    runtime.engine.dispose()


def test_the_dashboard_charts_service_level_and_abandonment_per_day(browser: Browser, phone_console: str) -> None:
    errors: list[str] = []
    page = sign_in(browser, phone_console, "masha", errors)
    page.get_by_test_id("report-from").fill("2026-11-23")
    page.get_by_test_id("report-to").fill("2026-11-24")
    phone = chart_for_period(page, "chart-phone", ["2026-11-23", "2026-11-24"])
    within, later, abandoned, level, rate = phone["series"]
    assert (within, later, abandoned) == ([2, 0], [1, 0], [1, 0])
    assert (level[0], rate[0]) == (50, 25) and (level[1], rate[1]) == (None, None)
    assert phone["painted"]
    expect(page.get_by_test_id("kpi.phone_service_level")).to_contain_text("50")
    expect(page.get_by_test_id("kpi.abandonment")).to_contain_text("25")
    page.get_by_test_id("tab-phone").click()
    expect(
        page.get_by_test_id("table-phone").locator("tr[data-group='2026-11-23'] td[data-key='offered']")
    ).to_have_text("4")
    assert not errors, errors


def test_the_floor_shows_who_waits_and_who_talks(browser: Browser, phone_console: str) -> None:
    errors: list[str] = []
    page = sign_in(browser, phone_console, "sveta", errors)
    page.goto(f"{phone_console}/console/#/floor")
    panel = page.get_by_test_id("floor-phone")
    expect(panel.get_by_test_id("calls-waiting")).to_have_text("ждут: 1")
    expect(panel.get_by_test_id("longest-wait")).to_contain_text("00:40")
    expect(panel.get_by_test_id("floor-talking")).to_contain_text("Anna")
    expect(panel.get_by_test_id("floor-talking")).to_contain_text("входящий")
    assert not errors, errors
