"""order_confirm alone on a real socket (the live stream needs one), on the parametrized database and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from okno.embedded import Okno, build_okno
from services.order_confirm import app as order_confirm_app
from tests.support import live_server


@pytest.fixture
def service(database_url: str, redis_url: str, broker_namespace: str) -> Iterator[Okno]:
    instance = build_okno(
        database_url=database_url, redis_url=redis_url, broker_namespace=broker_namespace, migrate=False
    )
    # No safety poll within a test: every update a test sees was woken by the commit that made it.
    instance.order_confirm.settings.events_safety_poll_seconds = 600
    yield instance
    for runtime in instance.runtimes:
        runtime.engine.dispose()


@pytest.fixture
def client(service: Okno) -> Iterator[httpx.Client]:
    with (
        live_server(order_confirm_app.create_app(service.order_confirm)) as base_url,
        httpx.Client(base_url=base_url, timeout=10) as http,
    ):
        yield http
