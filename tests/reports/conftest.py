"""Report tests: order_confirm alone on SQLite and PostgreSQL, a known history (tests/reports/history.py),
and the clock frozen at Tuesday 24 November 2026, 12:10 Moscow time.

Reports only read, so the figure tests of one module share one history per database (`report_database`,
module-scoped, built like `tests/conftest.py:database_url`); tests that write use `database_url` as usual.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient

from services.order_confirm import app as order_confirm_app
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.settings import OrderConfirmSettings
from tests.conftest import _truncate_postgres
from tests.reports.history import NOW, History, build_history
from tests.support import FrozenClock, sqlite_copy


def runtime_on(database_url: str) -> OrderConfirmRuntime:
    settings = OrderConfirmSettings(database_url=database_url)
    return order_confirm_wiring.build(settings, broker=StubBroker(), clock=FrozenClock(NOW))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def report_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path_factory.mktemp("reports"))
    postgres_url: str = request.getfixturevalue("postgres_url")
    _truncate_postgres(postgres_url)
    return postgres_url


@pytest.fixture(scope="module")
def report_runtime(report_database: str) -> Iterator[OrderConfirmRuntime]:
    runtime = runtime_on(report_database)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture(scope="module")
def history(report_runtime: OrderConfirmRuntime) -> History:
    return build_history(report_runtime.engine)


@pytest.fixture(scope="module")
def api(report_runtime: OrderConfirmRuntime, history: History) -> Iterator[TestClient]:
    with TestClient(order_confirm_app.create_app(report_runtime)) as client:
        yield client
