"""Hostile input against the three services as production runs them: each app on its own real socket.

The stack shares one database (SQLite unless a test asks for both) and the in-process broker: what is tested
here is what an endpoint does with a request before any message is sent.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from okno.commands.tenants import Engines, add_operator, add_tenant
from okno.embedded import Okno, build_okno
from services.integrations import app as integrations_app
from services.notify import app as notify_app
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from tests.intake.shop import DEMO_SECRET
from tests.support import live_server

TENANT = "acme"
ADMIN = "root"
PASSWORD = "password-123"


@dataclass
class Stack:
    okno: Okno
    urls: dict[str, str]
    tenant: str = TENANT
    secret: str = DEMO_SECRET
    _tokens: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> httpx.Client:
        return httpx.Client(base_url=self.urls[service], timeout=30)

    def admin_headers(self) -> dict[str, str]:
        if ADMIN not in self._tokens:
            response = httpx.post(
                f"{self.urls['order_confirm']}/api/v1/auth/token", data={"username": ADMIN, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self._tokens[ADMIN] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[ADMIN]}"}


def serve_stack(database_url: str) -> Iterator[Stack]:
    okno = build_okno(database_url=database_url, redis_url="", migrate=False, sandbox=True)
    engines = Engines(okno.order_confirm.engine, okno.integrations.engine)
    add_tenant(engines, TenantSpec(TENANT, "ACME Tea", "Europe/Moscow", "RU"), webhook_secret=DEMO_SECRET)
    add_operator(engines, OperatorSpec(ADMIN, "Root", Role.ADMIN, PASSWORD, (TENANT,)))
    apps = {
        "order_confirm": order_confirm_app.create_app(okno.order_confirm),
        "integrations": integrations_app.create_app(okno.integrations),
        "notify": notify_app.create_app(okno.notify),
    }
    with ExitStack() as servers:
        urls = {name: servers.enter_context(live_server(app)) for name, app in apps.items()}
        yield Stack(okno, urls)
    for runtime in okno.runtimes:
        runtime.engine.dispose()


@pytest.fixture
def stack(sqlite_template: Path, tmp_path: Path) -> Iterator[Stack]:
    """The three services on a SQLite copy (what is hostile here does not depend on the database)."""
    path = tmp_path / "okno.db"
    shutil.copyfile(sqlite_template, path)
    yield from serve_stack(f"sqlite:///{path}")


@pytest.fixture
def stack_on_both(database_url: str) -> Iterator[Stack]:
    """The three services on SQLite and on PostgreSQL (date arithmetic reaches the database)."""
    yield from serve_stack(database_url)
