"""Browser fixtures: the embedded app on a free port (real Redis, SQLite or PostgreSQL), real Chromium.

Chromium is the Debian package (`/usr/bin/chromium`, installed by `.ci/run`), driven by Playwright with
`executable_path`; `playwright install` is never used. Without Chromium these tests fail under CI
(`CI=true`) and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect, sync_playwright
from sqlmodel import Session, col, select

from okno.commands.tenants import Engines, add_operator, add_tenant, set_status
from okno.embedded import Okno, create_embedded_app
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Customer, Operator, Order
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from tests.intake.shop import DEMO_SECRET, order_body, post_order
from tests.support import live_server, wait_until

CHROMIUM = Path(os.environ.get("OKNO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
# How long a page action or an `expect` waits before the test fails. Playwright's 5 s `expect` default is made
# for an idle developer machine; CI runs two workers, Chromium and PostgreSQL on 2 cores, where an SMS status
# can take longer than 5 s to come back through the in-process worker. A broken page still fails, later.
BROWSER_TIMEOUT_MS = 30_000
expect.set_options(timeout=BROWSER_TIMEOUT_MS)
TENANT = "tea-shop"
PASSWORD = "okno-browser-test"
# The README's screenshots are refreshed on purpose (`make screenshots`); an ordinary run writes its
# screenshots to a temporary folder so a test run never modifies tracked files.
DOCS = (
    Path(__file__).resolve().parents[2] / "docs"
    if os.environ.get("OKNO_DOCS_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "okno-screenshots"
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Console:
    """One running Okno with a shop tenant, and the browser pages the test opened on it."""

    okno: Okno
    base_url: str
    browser: Browser
    engines: Engines
    errors: list[str] = field(default_factory=list)
    allowed_errors: list[str] = field(default_factory=list)
    _sequence: int = 0

    def add_staff(self, login: str, role: Role = Role.OPERATOR, *, available: bool = True) -> int:
        spec = OperatorSpec(login, login.title(), role, PASSWORD, (TENANT,), language="ru")
        operator_id = add_operator(self.engines, spec)
        if available:
            set_status(self.engines, login, OperatorStatus.AVAILABLE)
        return operator_id

    def put_on_team(self, supervisor: str, *logins: str) -> None:
        # Team membership has no API or CLI yet; it is configuration, written as the admin tooling would.
        with Session(self.engines.order_confirm) as session:
            boss = session.exec(select(Operator).where(Operator.login == supervisor)).one()
            for member in session.exec(select(Operator).where(col(Operator.login).in_(logins))):
                member.supervisor_id = boss.id
                session.add(member)
            session.commit()

    def shop_sends(self, external_id: str, **changes: object) -> None:
        """The shop's site posts a signed order webhook, exactly as a real shop does."""
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            response = post_order(client, TENANT, order_body(external_id, **changes))  # type: ignore[arg-type]
        assert response.status_code == 202, response.text

    def owner_of(self, external_id: str) -> str:
        """The login of the order's owner, once the webhook has made its way through the broker."""

        def owner() -> str | None:
            with Session(self.engines.order_confirm) as session:
                order = session.exec(select(Order).where(Order.external_id == external_id)).first()
                customer = session.get(Customer, order.customer_id) if order else None
                found = session.get(Operator, customer.owner_id) if customer and customer.owner_id else None
                return found.login if found else None

        login = wait_until(owner, timeout=20, message=f"an owner for {external_id}")
        assert login is not None
        return login

    def customer_id_of(self, external_id: str) -> int:
        with Session(self.engines.order_confirm) as session:
            return session.exec(select(Order.customer_id).where(Order.external_id == external_id)).one()

    def open(self, login: str | None = None) -> Page:
        """A fresh browser context (its own session storage) at 1366×768, signed in as `login`."""
        context = self.browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=self.base_url)
        page = context.new_page()
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        page.on("pageerror", lambda error: self.errors.append(f"{login}: uncaught {error}"))
        page.on("console", lambda message: self._console(login, message))
        page.goto(f"{self.base_url}/console/")
        if login:
            page.get_by_label("Логин").fill(login)
            page.get_by_label("Пароль").fill(PASSWORD)
            page.get_by_role("button", name="Войти").click()
            page.get_by_test_id("who").wait_for()
        return page

    def _console(self, login: str | None, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(allowed in message.text for allowed in self.allowed_errors):
            where = message.location.get("url", "")  # a failed load names its URL only here
            self.errors.append(f"{login}: console.error {message.text} ({where})")

    def screenshot(self, page: Page, name: str) -> None:
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / name))


@pytest.fixture
def console(okno: Okno, browser: Browser) -> Iterator[Console]:
    engines = Engines(okno.order_confirm.engine, okno.integrations.engine)
    add_tenant(engines, TenantSpec(TENANT, "Чайная лавка", "Europe/Moscow", "RU"), webhook_secret=DEMO_SECRET)
    # The lifespan starts the scheduler (outbox sweeps, pools); the `okno` fixture already runs the worker.
    with live_server(create_embedded_app(okno)) as base_url:
        instance = Console(okno, base_url, browser, engines)
        yield instance
        for context in list(browser.contexts):
            context.close()
    assert not instance.errors, "JavaScript errors in the browser:\n" + "\n".join(instance.errors)


Opener = Callable[[str | None], Page]
