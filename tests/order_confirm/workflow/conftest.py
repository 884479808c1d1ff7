"""Fixtures of the workflow tests: Okno on the parametrized database and real Redis, with a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from okno.embedded import Okno, build_okno
from services.order_confirm import app as order_confirm_app
from tests.support import FrozenClock


@pytest.fixture
def frozen_okno(database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock) -> Iterator[Okno]:
    """No worker threads: these tests read the outbox itself, which is what the ERP sync will consume."""
    instance = build_okno(
        database_url=database_url,
        redis_url=redis_url,
        broker_namespace=broker_namespace,
        clock=clock,
        migrate=False,
    )
    yield instance
    for runtime in instance.runtimes:
        runtime.engine.dispose()


@pytest.fixture
def api(frozen_okno: Okno) -> Iterator[TestClient]:
    with TestClient(order_confirm_app.create_app(frozen_okno.order_confirm)) as client:
        yield client
