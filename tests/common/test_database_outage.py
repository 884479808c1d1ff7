"""PostgreSQL stops under a running service: 503 problem+json with Retry-After on every API (sync routes, the
async hot path, the webhooks), one log line when it goes and one when it is back, and recovery without a
restart. The cluster is the test's own (tests/common/private_postgres.py); the shared server is never touched.

Reproduced first: every request of the outage answered 500 text/plain and logged a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
import structlog

from okno.commands.tenants import Engines, add_operator, add_tenant
from okno.embedded import build_okno
from services.common.migrations import SERVICES, upgrade
from services.common.settings import DEV_SERVICE_TOKEN
from services.integrations import app as integrations_app
from services.notify import app as notify_app
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from tests.common.private_postgres import PrivatePostgres
from tests.intake.shop import DEMO_SECRET, order_body, signed_headers
from tests.support import live_server, wait_until

# Subprocesses, restarts or long waits: scheduled first (tests/conftest.py).
pytestmark = pytest.mark.slow

TENANT = "acme"
PASSWORD = "password-123"


@pytest.fixture
def cluster() -> Iterator[PrivatePostgres]:
    postgres = PrivatePostgres()
    try:
        postgres.start()
        postgres.create_database()
        for service in SERVICES:
            upgrade(service, postgres.url)
        yield postgres
    finally:
        postgres.destroy()


@pytest.fixture
def urls(cluster: PrivatePostgres) -> Iterator[dict[str, str]]:
    """The three services as production runs them (one app per socket), on the private cluster."""
    okno = build_okno(database_url=cluster.url, redis_url="", migrate=False, sandbox=True)
    engines = Engines(okno.order_confirm.engine, okno.integrations.engine)
    add_tenant(engines, TenantSpec(TENANT, "ACME Tea", "Europe/Moscow", "RU"), webhook_secret=DEMO_SECRET)
    add_operator(engines, OperatorSpec("op1", "Op One", Role.OPERATOR, PASSWORD, (TENANT,)))
    apps = {
        "order_confirm": order_confirm_app.create_app(okno.order_confirm),
        "integrations": integrations_app.create_app(okno.integrations),
        "notify": notify_app.create_app(okno.notify),
    }
    with ExitStack() as servers:
        yield {name: servers.enter_context(live_server(app)) for name, app in apps.items()}
    for runtime in okno.runtimes:
        runtime.engine.dispose()


class Api:
    """One request of each kind that needs the database."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self.token = ""
        self.orders = 0

    def login(self) -> httpx.Response:  # sync route, sync session
        url = f"{self.urls['order_confirm']}/api/v1/auth/token"
        return httpx.post(url, data={"username": "op1", "password": PASSWORD})

    def claim_next(self) -> httpx.Response:  # the async hot path, async engine
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.post(f"{self.urls['order_confirm']}/api/v1/queue/next", headers=headers)

    def my_queue(self) -> httpx.Response:  # sync route through the request gate
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.get(f"{self.urls['order_confirm']}/api/v1/queue", headers=headers)

    def order_webhook(self) -> httpx.Response:  # integrations, a transaction of its own
        self.orders += 1
        body = json.dumps(order_body(f"OUT-{self.orders}"), ensure_ascii=False)
        url = f"{self.urls['integrations']}/v1/webhooks/{TENANT}/orders"
        return httpx.post(url, content=body.encode(), headers=signed_headers(body))

    def dead_letters(self) -> httpx.Response:  # notify's admin routes
        headers = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}
        return httpx.get(f"{self.urls['notify']}/admin/dead-letters", headers=headers)

    def every_call(self) -> list[httpx.Response]:
        return [self.login(), self.claim_next(), self.my_queue(), self.order_webhook(), self.dead_letters()]


def test_a_database_outage_is_503_with_retry_after_logged_once_and_recovers_without_restart(
    cluster: PrivatePostgres, urls: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    api = Api(urls)
    login = api.login()
    assert login.status_code == 200, login.text
    api.token = login.json()["access_token"]
    assert [answer.status_code for answer in api.every_call()[1:]] == [204, 200, 202, 200]

    with structlog.testing.capture_logs() as logs, caplog.at_level(logging.WARNING):
        cluster.stop()
        during = [answer for _ in range(4) for answer in api.every_call()]
        ready = {name: httpx.get(f"{url}/readyz") for name, url in urls.items()}
        scrapes = [httpx.get(f"{url}/metrics") for url in urls.values() for _ in range(2)]
        outage_lines = [line for line in logs if line["event"].startswith(("database.", "request.", "metrics."))]

        cluster.start()
        wait_until(lambda: api.login().status_code == 200, timeout=20, message="login once PostgreSQL is back")
        after = api.every_call()

    for answer in during:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "database_unavailable"
        assert answer.headers["retry-after"] == "5"
        assert answer.headers["x-request-id"]
    for name, answer in ready.items():
        assert answer.status_code == 503, name
        assert answer.json()["failing"] == ["database"]

    for scrape in scrapes:  # Prometheus still gets an answer, saying the stored state is unreadable
        assert scrape.status_code == 200
        assert 'okno_metrics_database_up{service="' in scrape.text and "} 0.0" in scrape.text
    assert [line["event"] for line in outage_lines] == ["database.unavailable"], outage_lines
    assert "Connection refused" in outage_lines[0]["error"] or "connect" in outage_lines[0]["error"]
    back = [line for line in logs if line["event"] == "database.available"]
    assert len(back) == 1 and back[0]["refused_requests"] >= len(during)
    assert not [record for record in caplog.records if record.exc_info], "no traceback per request"

    assert [answer.status_code for answer in after[1:]] == [204, 200, 202, 200], [a.text for a in after]
