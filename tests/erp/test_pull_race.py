"""Two pulls of one tenant that got past the lease (a replica whose lease ran out mid-page): the second one's
page is refused as a race, before it writes anything. PostgreSQL only: the lock order is what is tested."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlmodel import Session, col, func, select, update

from okno.sandbox.onec_trade import seed_orders
from services.common.db import transaction
from services.integrations import wiring as integrations_wiring
from services.integrations.models import ErpCursor, ErpDocument, OutboxMessage
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.erp_pull import PullRaced, pull_tenant
from services.integrations.service.tenants import add_tenant
from services.integrations.settings import IntegrationsSettings
from tests.erp.conftest import TENANT, OneC, connect_erp
from tests.support import FrozenClock, wait_until, waiting_on_a_lock


@pytest.fixture
def on_postgres(postgres_database_url: str, clock: FrozenClock) -> Iterator[IntegrationsRuntime]:
    settings = IntegrationsSettings(database_url=postgres_database_url, redis_url=None)
    runtime = integrations_wiring.build(settings, broker=StubBroker(), clock=clock)
    runtime.outbox.relay_enabled = False
    with transaction(runtime.engine) as session:
        add_tenant(session, slug=TENANT, name="Книжный", country="RU", now=clock())
    yield runtime
    runtime.engine.dispose()


def test_a_pull_racing_another_over_the_same_page_is_refused_as_a_race_and_writes_nothing(
    on_postgres: IntegrationsRuntime, onec: OneC
) -> None:
    keys = seed_orders(onec.store, 20)
    connect_erp(on_postgres, onec, page_size=50)
    pull_tenant(on_postgres, TENANT, max_pages=0)  # the cursor row exists, at the start
    other = Session(on_postgres.engine)  # the other pull, its page written but not committed yet
    other.execute(update(ErpCursor).where(col(ErpCursor.tenant) == TENANT).values(position="2026-11-23T08:00:06"))
    for key in keys:
        now = on_postgres.clock()
        other.add(
            ErpDocument(
                tenant=TENANT, document_key=key, external_id=key, content_hash="-", pulled_at=now, updated_at=now
            )
        )
    other.flush()
    outcome: list[BaseException | None] = []

    def pull() -> None:
        try:
            pull_tenant(on_postgres, TENANT)
            outcome.append(None)
        except BaseException as error:  # the test asserts on what it was
            outcome.append(error)

    racing = threading.Thread(target=pull)
    racing.start()
    wait_until(lambda: waiting_on_a_lock(on_postgres.engine), timeout=60, message="the second pull to wait")
    other.commit()
    other.close()
    racing.join(timeout=60)

    assert len(outcome) == 1 and isinstance(outcome[0], PullRaced)
    with Session(on_postgres.engine) as session:
        assert session.exec(select(func.count()).select_from(ErpDocument)).one() == 20
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0
        cursor = session.get(ErpCursor, TENANT)
        assert cursor is not None and cursor.position == "2026-11-23T08:00:06"
