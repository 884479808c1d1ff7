"""Quality assurance in Chromium over the QA world (tests/order_confirm/qa/world.py), the server's clock frozen
on Monday 7 December 2026, 10:10 Moscow time.

A QA evaluator opens last week's queue, opens a flagged call (no recording yet: the page says to evaluate from
the call, its timeline and notes), answers every criterion by keyboard, pins a comment to a second of the call
and submits with Ctrl+Enter; the server's score shows. The operator sees the evaluation and disputes it; the
supervisor finds the coaching task in their queue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from services.order_confirm import app as order_confirm_app
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.settings import OrderConfirmSettings
from tests.browser.conftest import BROWSER_TIMEOUT_MS, DOCS, VIEWPORT
from tests.order_confirm.qa.world import NOW, PASSWORD, Ids, build
from tests.support import FrozenClock, live_server, sqlite_copy

pytestmark = pytest.mark.browser
# The starter card in order, as the evaluator types it: 75 % (read-back partly, no closing, two N/A).
KEYS = ["y", "y", "p", "y", "a", "a", "y", "n", "y", "y", "y"]


@dataclass
class Quality:
    base_url: str
    ids: Ids

    def api(self, login: str) -> httpx.Client:
        client = httpx.Client(base_url=f"{self.base_url}/api/v1/qa/tenants/{self.ids.tenants['shop']}", timeout=30)
        token = httpx.post(f"{self.base_url}/api/v1/auth/token", data={"username": login, "password": PASSWORD}).json()[
            "access_token"
        ]
        client.headers["authorization"] = f"Bearer {token}"
        return client


@pytest.fixture(scope="module")
def quality(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Quality]:
    url = sqlite_copy(sqlite_template, tmp_path_factory.mktemp("quality"))
    runtime = order_confirm_wiring.build(OrderConfirmSettings(database_url=url), clock=FrozenClock(NOW))
    ids = Ids()
    build(runtime, ids)
    with live_server(order_confirm_app.create_app(runtime)) as base_url:
        yield Quality(base_url, ids)
    runtime.engine.dispose()


def sign_in(browser: Browser, base_url: str, login: str, errors: list[str]) -> Page:
    context = browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
    page = context.new_page()
    page.clock.set_fixed_time(NOW)
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.on("pageerror", lambda error: errors.append(f"{login}: uncaught {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{login}: {message.text}")

    page.on("console", on_console)
    page.goto(f"{base_url}/console/")
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_test_id("who").wait_for()
    return page


def test_evaluate_by_keyboard_then_the_operator_disputes_and_the_supervisor_is_told(
    browser: Browser, quality: Quality
) -> None:
    errors: list[str] = []
    cancelled = quality.ids.calls[3]  # flagged "cancelled": always in the queue
    page = sign_in(browser, quality.base_url, "kira", errors)
    page.keyboard.press("u")
    page.get_by_test_id("qa-queue").wait_for()
    expect(page.get_by_test_id("qa-plan")).to_contain_text("Anna")
    row = page.locator(f"[data-testid=qa-item][data-attempt='{cancelled}']")
    expect(row).to_contain_text("отмена")
    row.click()

    page.get_by_test_id("qa-evaluate").wait_for()
    expect(page.get_by_test_id("qa-no-recording")).to_be_visible()
    # The order's history: facts told in the page's language.
    expect(page.get_by_test_id("qa-conversation")).to_contain_text("Звонок по заказу Q4: отменён")
    for key in KEYS:
        page.keyboard.press(key)
    for _ in range(3):
        page.keyboard.press("ArrowUp")  # back to "closing"
    page.keyboard.press("c")
    page.keyboard.type("Не попрощалась")
    page.get_by_test_id("qa-comment-at").fill("118")
    page.get_by_test_id("qa-comment-text").press("Enter")
    expect(page.get_by_test_id("qa-comments")).to_contain_text("Не попрощалась")
    expect(page.locator("[data-testid=qa-criterion][data-key=closing]")).to_have_attribute("data-answer", "no")
    page.get_by_test_id("qa-comment-text").press("Control+Enter")
    expect(page.get_by_test_id("qa-score")).to_have_text("Отправлено: 75 %")
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "quality-evaluation.png"))

    with quality.api("kira") as api:
        (evaluation,) = api.get("/evaluations", params={"attempt_id": cancelled}).json()
    assert (evaluation["status"], evaluation["score"], evaluation["failed"]) == ("submitted", 75.0, ["closing"])
    assert evaluation["answers"]["read_back"] == "partly" and evaluation["answers"]["same_day_offered"] == "na"
    assert [(c["text"], c["at_seconds"], c["criterion_key"]) for c in evaluation["comments"]] == [
        ("Не попрощалась", 118, "closing")
    ]

    operator = sign_in(browser, quality.base_url, "anna", errors)
    operator.keyboard.press("i")
    mine = operator.locator(f"[data-testid=my-evaluation][data-id='{evaluation['id']}']")
    expect(mine).to_contain_text("Оценка 75 %")
    expect(mine).to_contain_text("Summed up next steps and closed politely")
    mine.get_by_test_id("dispute").click()
    dialog = operator.get_by_test_id("dispute-dialog")
    dialog.locator("textarea").fill("Я попрощалась после удержания")
    dialog.locator("textarea").press("Control+Enter")
    expect(mine.get_by_test_id("dispute-state")).to_have_attribute("data-status", "open")

    supervisor = sign_in(browser, quality.base_url, "sveta", errors)
    supervisor.get_by_test_id("queue-row").first.wait_for()
    expect(supervisor.locator(".kind-coaching")).to_have_text("коучинг")
    with quality.api("sveta") as api:
        (dispute,) = api.get("/disputes", params={"status": "open"}).json()
        (task,) = api.get("/coaching").json()
    assert dispute["reason"] == "Я попрощалась после удержания"
    assert task["evaluation_id"] == evaluation["id"]
    assert not errors, "\n".join(errors)


GOOD = {
    "greeting": "yes", "identified": "yes", "read_back": "yes", "delivery_payment": "yes", "same_day_offered": "na",
    "objections": "na", "disposition": "yes", "closing": "yes", "prices_correct": "yes", "personal_data_safe": "yes",
    "polite": "yes",
}  # fmt: skip


def test_the_shop_calibrates_by_keyboard_reads_quality_and_praises_an_operator(
    browser: Browser, quality: Quality
) -> None:
    errors: list[str] = []
    call, masha = quality.ids.calls[5], quality.ids.operators["masha"]
    with quality.api("kira") as api:
        draft = api.post("/evaluations", json={"attempt_id": call}).json()
        saved = api.put(f"/evaluations/{draft['id']}", json={"revision": 1, "answers": GOOD}).json()
        assert api.post(f"/evaluations/{draft['id']}/submit", json={"revision": saved["revision"]}).status_code == 200
        body = {"attempt_id": call, "participants": [quality.ids.operators["kira"], masha], "title": "Декабрь"}
        calibration = api.post("/calibrations", json=body).json()
        own = api.post(f"/calibrations/{calibration['id']}/evaluation").json()
        saved = api.put(f"/evaluations/{own['id']}", json={"revision": 1, "answers": GOOD}).json()
        api.post(f"/evaluations/{own['id']}/submit", json={"revision": saved["revision"]})

    page = sign_in(browser, quality.base_url, "masha", errors)
    page.keyboard.press("h")
    page.get_by_test_id("qa-reports").wait_for()
    page.get_by_test_id("qa-from").fill("2026-11-30")
    expect(page.get_by_test_id("qa-quality")).to_contain_text("Anna")
    expect(page.get_by_test_id("qa-criteria")).to_contain_text("Polite throughout the call")
    weekly = page.get_by_test_id("qa-chart-weekly").evaluate(
        "canvas => Chart.getChart(canvas).data.datasets.map(d => d.data)"
    )
    with quality.api("masha") as api:
        period = {"from": "2026-11-30", "to": "2026-12-07", "group_by": "week"}
        weeks = api.get("/reports/quality", params=period).json()
    assert weekly == [[row["score"] for row in weeks["rows"]], [95] * len(weeks["rows"])]
    page.screenshot(path=str(DOCS / "quality-reports.png"))
    entry = page.locator(f"[data-testid=qa-calibration][data-id='{calibration['id']}']")
    entry.get_by_role("button", name="Оценить").click()
    page.get_by_test_id("qa-evaluate").wait_for()
    for key in ["y", "y", "y", "y", "a", "a", "y", "p", "y", "y", "y"]:  # closing "partly": 75 / 80 = 93.75 %
        page.keyboard.press(key)
    page.keyboard.press("Control+Enter")
    expect(page.get_by_test_id("qa-score")).to_have_text("Отправлено: 93.75 %")
    page.keyboard.press("Escape")
    expect(entry).to_contain_text("разброс 6.25 б. (цель ≤ 5)")

    recent = page.get_by_test_id("qa-recent").locator("tr", has_text="100 %").first
    recent.get_by_role("button", name="Благодарность").click()
    expect(page.get_by_role("status")).to_contain_text("Благодарность для Anna отправлена")
    operator = sign_in(browser, quality.base_url, "anna", errors)
    operator.keyboard.press("i")
    expect(operator.get_by_test_id("kudos-wall")).to_contain_text("Masha → Anna")
    assert not errors, "\n".join(errors)


# Sets the hash the moment the console shows who is signed in: a mutation observer runs before the
# shell's effects, so the shell's first render (made for "/") is stale when its effect runs.
FOLLOW_A_LINK_AT_SIGN_IN = """
new MutationObserver((_, observer) => {
  if (!document.querySelector("[data-testid=who]")) return;
  observer.disconnect();
  location.hash = "/qa/reports";
}).observe(document, { childList: true, subtree: true });
"""


def test_a_link_followed_as_the_console_signs_in_is_not_overridden_by_the_first_page(
    browser: Browser, quality: Quality
) -> None:
    errors: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
    context.add_init_script(FOLLOW_A_LINK_AT_SIGN_IN)
    page = context.new_page()
    page.clock.set_fixed_time(NOW)
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.on("pageerror", lambda error: errors.append(f"uncaught {error}"))
    page.goto(f"{quality.base_url}/console/")
    page.get_by_label("Логин").fill("kira")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_test_id("qa-reports").wait_for()
    page.wait_for_timeout(500)  # any stale redirect would have run by now
    assert page.evaluate("location.hash") == "#/qa/reports"
    expect(page.get_by_test_id("qa-reports")).to_be_visible()
    assert errors == []
    context.close()
