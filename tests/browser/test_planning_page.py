"""The planning page in Chromium over a shop with four weeks of history (tests/planning/world.py), the server's
and the browser's clocks frozen on Monday 7 December 2026, 10:10 Moscow time.

A supervisor has the plan computed, reads forecast vs actual, required vs planned (red where short) and the
backtest error, adds a shift template, proposes a roster and accepts it, and exports the plan; the shop's
manager reads the same page without the planner's buttons and enters a promotion day, which the plan then
carries; the floor shows required / planned / present for the next half hours."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlmodel import Session

from services.order_confirm import app as order_confirm_app
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.models import Order
from services.order_confirm.planning import compute
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.settings import OrderConfirmSettings
from tests.browser.conftest import BROWSER_TIMEOUT_MS, DOCS, VIEWPORT
from tests.planning.world import NOW, PASSWORD, Ids, build_shop, local
from tests.support import FrozenClock, live_server, sqlite_copy

pytestmark = pytest.mark.browser
WEEK = 7 * 48


@dataclass
class Planning:
    base_url: str
    runtime: OrderConfirmRuntime
    ids: Ids

    @contextmanager
    def api(self, login: str) -> Iterator[httpx.Client]:
        with httpx.Client(base_url=f"{self.base_url}/api/v1", timeout=30) as client:
            token = client.post("/auth/token", data={"username": login, "password": PASSWORD}).json()["access_token"]
            client.headers["authorization"] = f"Bearer {token}"
            yield client

    def plan(self, first_day: str | None = None, days: int = 14) -> Any:
        params: dict[str, str | int] = {"days": days, **({"from": first_day} if first_day else {})}
        with self.api("sveta") as client:
            response = client.get(f"/planning/tenants/{self.ids.tenants['shop']}/plan", params=params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def planning(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Planning]:
    url = sqlite_copy(sqlite_template, tmp_path_factory.mktemp("planning"))
    runtime = order_confirm_wiring.build(OrderConfirmSettings(database_url=url), clock=FrozenClock(NOW))
    ids = Ids()
    build_shop(runtime, ids)
    with Session(runtime.engine) as session:  # this morning's first order, before the plan is read
        order = session.get(Order, 1)
        assert order is not None
        today = Order(
            **{**order.model_dump(exclude={"id"}), "external_id": "T1", "source_ref": "t1", "content_hash": "t1"}
        )
        today.received_at = today.shop_created_at = today.updated_at = local("2026-12-07T09:35")
        today.first_attempt_at = today.closed_at = None
        session.add(today)
        session.commit()
    with live_server(order_confirm_app.create_app(runtime)) as base_url:
        yield Planning(base_url, runtime, ids)
    runtime.engine.dispose()


def sign_in(browser: Browser, base_url: str, login: str, errors: list[str]) -> Page:
    context = browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
    page = context.new_page()
    page.clock.set_fixed_time(NOW)  # the browser's "today" is the server's
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.on("pageerror", lambda error: errors.append(f"uncaught {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.goto(f"{base_url}/console/")
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_test_id("who").wait_for()
    page.locator("header nav a", has_text="Планирование").click()
    page.get_by_test_id("planning").wait_for()
    return page


def chart(page: Page, testid: str) -> Any:
    return page.get_by_test_id(testid).evaluate(
        "canvas => { const chart = Chart.getChart(canvas);"
        " return {labels: chart.data.labels, series: chart.data.datasets.map(d => d.data),"
        " colours: chart.data.datasets.map(d => d.backgroundColor)}; }"
    )


def computed(page: Page, planning: Planning) -> None:
    """The scheduler's job runs (here, by hand); the page, polling while a run waits, shows the new plan."""
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "queued")
    assert compute.sweep(planning.runtime) >= 1
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "ready")


def day_figure(page: Page, day: str, key: str) -> str:
    return page.get_by_test_id("plan-days").locator(f"tr[data-day='{day}'] td[data-key='{key}']").inner_text()


def test_a_supervisor_computes_reads_and_rosters_the_plan(browser: Browser, planning: Planning) -> None:
    errors: list[str] = []
    page = sign_in(browser, planning.base_url, "sveta", errors)
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "none")
    expect(page.get_by_test_id("no-inbound")).to_contain_text("Входящих звонков в истории пока нет")
    page.get_by_test_id("plan-recompute").click()
    computed(page, planning)

    plan = planning.plan("2026-12-07", 7)
    forecast = chart(page, "chart-forecast")
    assert len(forecast["labels"]) == WEEK and forecast["labels"][19] == "07.12 09:30"
    actual, predicted = forecast["series"]
    assert actual[19] == 1 and actual[18] == 0 and actual[21] is None  # 09:30 had this morning's order; 10:30 is ahead
    assert predicted == [row["orders"] for row in plan["intervals"]]
    staffing = chart(page, "chart-staffing")
    planned, required = staffing["series"]
    assert required == [row["required"] for row in plan["intervals"]] and max(required) >= 1
    assert planned == [row["planned"] for row in plan["intervals"]]
    assert staffing["colours"][0][20] == "#c62828"  # nobody planned at 10:00 yet: short, red
    monday = [row for row in plan["intervals"] if row["local"].startswith("2026-12-07")]
    assert day_figure(page, "2026-12-07", "short") == str(sum(1 for row in monday if row["short"]))

    orders = plan["plan"]["orders"]
    expect(page.get_by_test_id("forecast-orders")).to_have_attribute("data-method", orders["method"])
    for method, wape in orders["backtest"]["wape"].items():
        shown = page.evaluate(
            "w => new Intl.NumberFormat('ru', {style: 'percent', maximumFractionDigits: 1}).format(w)", wape
        )
        cell = page.get_by_test_id("backtest-orders").locator(f"tr[data-method='{method}'] td[data-key='wape']")
        expect(cell).to_have_text(shown)
    expect(page.get_by_test_id("backtest-orders").locator("tr.chosen")).to_have_attribute(
        "data-method", orders["method"]
    )
    expect(page.get_by_test_id("forecast-inbound")).to_contain_text("Входящих звонков в истории нет")

    form = page.get_by_test_id("template-form")
    form.get_by_label("Название").fill("День")
    form.get_by_label("Начало (ЧЧ:ММ через запятую)").fill("09:00, 10:00")
    form.get_by_label("Перерыв через, минут").fill("240")
    form.get_by_label("Перерыв, минут").fill("30")
    form.get_by_role("button", name="Добавить шаблон").click()
    expect(page.get_by_test_id("template")).to_contain_text("День")
    expect(form.get_by_label("Длина, минут")).to_have_value("480")  # the form is ready for the next one
    expect(page.get_by_test_id("roster-first-day")).to_have_value("2026-12-14")
    page.get_by_test_id("roster-propose").click()
    roster = page.get_by_test_id("roster")
    expect(roster).to_have_attribute("data-status", "proposed")
    expect(page.get_by_test_id("roster-start").first).to_be_visible()
    shifts = int(roster.locator("td[data-key='shifts']").inner_text())
    assert shifts >= 5  # every weekday needs someone from 10:00
    page.get_by_test_id("roster-accept").click()
    expect(page.get_by_test_id("roster-notice")).to_contain_text(f"создано открытых смен — {shifts}")
    expect(roster).to_have_attribute("data-status", "accepted")
    with planning.api("sveta") as client:
        open_shifts = client.get(
            f"/planning/tenants/{planning.ids.tenants['shop']}/shifts", params={"from": "2026-12-14", "days": 7}
        ).json()
    assert len(open_shifts) == shifts and all(s["operator_id"] is None for s in open_shifts)

    # The open shifts of the accepted week, and people assigned to them; one person cannot work two at once.
    listed = page.get_by_test_id("shift")
    expect(page.get_by_test_id("shifts-count")).to_have_text(f"Смен: {shifts}, открытых: {shifts}")
    anna = planning.ids.operators["anna"]
    listed.nth(0).get_by_test_id("shift-operator").select_option(str(anna))
    expect(listed.nth(0)).to_have_attribute("data-operator", str(anna))
    listed.nth(1).get_by_test_id("shift-operator").select_option(str(anna))  # the same start: an overlap
    expect(page.get_by_test_id("shifts-error")).to_contain_text("already works")
    expect(listed.nth(1)).to_have_attribute("data-operator", "")
    expect(page.get_by_test_id("shifts-count")).to_have_text(f"Смен: {shifts}, открытых: {shifts - 1}")
    with planning.api("sveta") as client:
        week = client.get(
            f"/planning/tenants/{planning.ids.tenants['shop']}/shifts", params={"from": "2026-12-14", "days": 7}
        ).json()
    assert [s["operator_id"] for s in week].count(anna) == 1

    with page.expect_download() as download:
        page.get_by_test_id("plan-export-csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == WEEK and rows[20]["required"] == str(plan["intervals"][20]["required"])
    assert download.value.suggested_filename == "okno-plan-shop-2026-12-07.csv"
    with page.expect_download() as download:
        page.get_by_test_id("plan-export-xlsx").click()
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"

    page.get_by_test_id("language").select_option("en")
    expect(page.get_by_test_id("no-inbound")).to_contain_text("No inbound calls are on record yet")
    expect(page.locator(".reports-head h2")).to_have_text("Planning")
    page.get_by_test_id("language").select_option("ru")
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "planning.png"), full_page=True)
    refused = [error for error in errors if "status of 422" in error]
    assert len(refused) == 1 and len(errors) == 1, errors  # the overlapping assignment, and nothing else


def test_the_shop_manager_reads_the_plan_and_enters_a_promotion_day(browser: Browser, planning: Planning) -> None:
    errors: list[str] = []
    if planning.plan()["plan"] is None:  # this test alone: compute the plan first
        with planning.api("sveta") as client:
            client.post(f"/planning/tenants/{planning.ids.tenants['shop']}/plan/recompute")
        compute.sweep(planning.runtime)
    page = sign_in(browser, planning.base_url, "masha", errors)
    expect(page.get_by_test_id("plan-read-only")).to_be_visible()
    for planner_only in ("plan-recompute", "template-form", "roster-form", "roster-accept", "shifts"):
        expect(page.get_by_test_id(planner_only)).to_have_count(0)
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "ready")
    friday_before = float(day_figure(page, "2026-12-11", "orders").replace(",", ".").replace("\u00a0", ""))

    page.get_by_test_id("override-day").fill("2026-12-01")  # a past day (the shop's today is 7 December): refused
    page.get_by_test_id("override-save").click()
    assert page.get_by_test_id("override-day").evaluate("input => input.validity.rangeUnderflow")
    expect(page.get_by_test_id("override")).to_have_count(0)
    page.get_by_test_id("override-day").fill("2026-12-11")
    page.get_by_test_id("override-percent").fill("140")
    page.get_by_test_id("override-note").fill("Распродажа")
    page.get_by_test_id("override-save").click()
    expect(page.get_by_test_id("override")).to_contain_text("Распродажа")
    expect(page.get_by_test_id("override")).to_have_attribute("data-day", "2026-12-11")
    computed(page, planning)
    friday = float(day_figure(page, "2026-12-11", "orders").replace(",", ".").replace("\u00a0", ""))
    assert abs(friday - 1.4 * friday_before) <= 0.1  # the table rounds to one decimal
    assert not errors, errors


def test_the_floor_shows_required_planned_and_present_for_the_next_half_hours(
    browser: Browser, planning: Planning
) -> None:
    errors: list[str] = []
    with planning.api("sveta") as client:
        base = f"/planning/tenants/{planning.ids.tenants['shop']}"
        if client.get(f"{base}/plan").json()["plan"] is None:
            client.post(f"{base}/plan/recompute")
            compute.sweep(planning.runtime)
        shift = {
            "operator_id": planning.ids.operators["anna"],
            "starts_at": (NOW - timedelta(minutes=10)).isoformat(),
            "ends_at": (NOW + timedelta(hours=8)).isoformat(),
        }
        assert client.post(f"{base}/shifts", json=shift).status_code == 201
        gaps = client.get("/floor").json()["planning"]
    page = sign_in(browser, planning.base_url, "sveta", errors)
    page.locator("header nav a", has_text="Зал").click()
    rows = page.get_by_test_id("floor-gap")
    expect(rows).to_have_count(3)
    (gap,) = gaps
    assert [int(v) for v in rows.evaluate_all("rows => rows.map(r => r.dataset.short)")] == [
        slot["short"] for slot in gap["intervals"]
    ]
    expect(page.get_by_test_id("floor-plan-alert")).to_have_count(1 if gap["alert"] else 0)
    assert not errors, errors
