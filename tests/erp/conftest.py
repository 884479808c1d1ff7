"""ERP sync fixtures: the local 1C server (real HTTP), an integrations runtime on the test database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from dramatiq.brokers.stub import StubBroker

from contracts.http.erp_sync import ErpConnectionIn
from okno.sandbox.onec import OneCStore, serve
from okno.sandbox.onec_trade import trade_infobase
from services.common.db import transaction
from services.integrations import wiring as integrations_wiring
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.erp_config import set_erp_connection
from services.integrations.service.tenants import add_tenant
from services.integrations.settings import IntegrationsSettings
from tests.support import FrozenClock

TENANT = "books"


@dataclass
class OneC:
    store: OneCStore
    url: str


@pytest.fixture
def onec() -> Iterator[OneC]:
    store = trade_infobase(partners=40, products=20)
    with serve(store) as url:
        yield OneC(store, url)


@pytest.fixture
def integrations(database_url: str, clock: FrozenClock) -> Iterator[IntegrationsRuntime]:
    """integrations alone, on an in-memory broker nobody consumes: the outbox rows are what we assert on."""
    runtime = integrations_wiring.build(
        IntegrationsSettings(database_url=database_url, redis_url=None), broker=StubBroker(), clock=clock
    )
    runtime.outbox.relay_enabled = False
    with transaction(runtime.engine) as session:
        add_tenant(session, slug=TENANT, name="Книжный", country="RU", now=clock())
    yield runtime
    runtime.engine.dispose()


def connect_erp(runtime: IntegrationsRuntime, onec: OneC, *, tenant: str = TENANT, page_size: int = 100) -> None:
    body = ErpConnectionIn.model_validate(
        {"base_url": onec.url, "username": "okno", "password": "okno", "page_size": page_size}
    )
    with transaction(runtime.engine) as session:
        set_erp_connection(session, tenant, body, now=runtime.clock())
