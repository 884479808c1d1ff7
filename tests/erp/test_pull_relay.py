"""The pull publishes each committed page itself, from a relay thread, while it reads the next page ahead.

Real local 1C over HTTP, the real Redis broker, both databases. Before: the relay re-read at most 500 rows
of a page, so a page of 1 000 left half of its messages to the sweep (seconds later) and read every row back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from redis import Redis
from sqlmodel import Session, col, delete, select

from okno.sandbox.onec_trade import ORDERS, seed_orders
from services.common.db import transaction
from services.common.messaging.broker import make_broker
from services.integrations import wiring as integrations_wiring
from services.integrations.adapters.failures import RemoteFailure
from services.integrations.models import ErpCursor, ErpDocument, OutboxMessage
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.erp_pull import PullSummary, pull_tenant
from services.integrations.service.tenants import add_tenant
from services.integrations.settings import IntegrationsSettings
from tests.erp.conftest import TENANT, OneC, connect_erp
from tests.support import FrozenClock

QUEUE = "order_confirm"


@pytest.fixture
def on_redis(
    database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock
) -> Iterator[IntegrationsRuntime]:
    """integrations with its relay on, publishing to the real Redis broker (nobody consumes the queue)."""
    settings = IntegrationsSettings(database_url=database_url, redis_url=redis_url, broker_namespace=broker_namespace)
    broker = make_broker(redis_url, namespace=broker_namespace)
    runtime = integrations_wiring.build(settings, broker=broker, clock=clock)
    broker.declare_queue(QUEUE)
    with transaction(runtime.engine) as session:
        add_tenant(session, slug=TENANT, name="Книжный", country="RU", now=clock())
    yield runtime
    runtime.engine.dispose()


def queued_external_ids(redis_url: str, namespace: str) -> list[str]:
    """The snapshots waiting in order_confirm's Redis queue, in queue order."""
    client = Redis.from_url(redis_url)
    order = [i.decode() for i in client.lrange(f"{namespace}:{QUEUE}", 0, -1)]
    bodies = {k.decode(): json.loads(v) for k, v in client.hgetall(f"{namespace}:{QUEUE}.msgs").items()}
    assert set(order) == set(bodies)
    return [json.loads(bodies[i]["args"][0])["payload"]["external_id"] for i in order]


def outbox_rows(runtime: IntegrationsRuntime) -> list[tuple[str, bool]]:
    """(external id, published?) of every snapshot row, in the order the pull wrote them."""
    with Session(runtime.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    return [(r.envelope["payload"]["external_id"], r.published_at is not None) for r in rows]


def test_pages_larger_than_a_relay_batch_are_published_whole_in_order_right_after_the_pull(
    on_redis: IntegrationsRuntime, onec: OneC, redis_url: str, broker_namespace: str
) -> None:
    seed_orders(onec.store, 1_300)
    connect_erp(on_redis, onec, page_size=650)  # over the relay's 500 rows per batch

    summary = pull_tenant(on_redis, TENANT)

    assert (summary.created, summary.pages) == (1_300, 3)
    written = outbox_rows(on_redis)
    assert len(written) == 1_300
    assert all(published for _, published in written)  # nothing left for the sweep
    assert queued_external_ids(redis_url, broker_namespace) == [external_id for external_id, _ in written]


def test_max_pages_applies_exactly_that_many_and_the_next_pull_goes_on_from_there(
    on_redis: IntegrationsRuntime, onec: OneC, redis_url: str, broker_namespace: str
) -> None:
    keys = seed_orders(onec.store, 50)
    connect_erp(on_redis, onec, page_size=10)

    first = pull_tenant(on_redis, TENANT, max_pages=2)  # the third page may be read ahead, never applied

    # A page re-reads the documents of the second its predecessor stopped in and drops them: 9 or 10 each.
    assert first.pages == 2 and 18 <= first.created <= 20 and not first.exhausted
    with Session(on_redis.engine) as session:
        cursor = session.get(ErpCursor, TENANT)
        assert cursor is not None and cursor.pulled_total == first.created
        assert len(session.exec(select(ErpDocument.document_key)).all()) == first.created
    assert pull_tenant(on_redis, TENANT, max_pages=0).pages == 0

    rest = pull_tenant(on_redis, TENANT)

    assert rest.created == 50 - first.created and rest.exhausted
    with Session(on_redis.engine) as session:
        assert set(session.exec(select(ErpDocument.document_key)).all()) == set(keys)
    queued = queued_external_ids(redis_url, broker_namespace)
    assert len(queued) == len(set(queued)) == 50


def test_a_changed_document_is_sent_again_as_an_update_of_the_same_order_and_the_rest_are_not(
    on_redis: IntegrationsRuntime, onec: OneC, redis_url: str, broker_namespace: str
) -> None:
    keys = seed_orders(onec.store, 12)
    connect_erp(on_redis, onec, page_size=5)
    pull_tenant(on_redis, TENANT)
    changed = onec.store.get(ORDERS, keys[7])
    changed["АдресДоставки"] = "Москва, ул. Новая, 5"
    with Session(on_redis.engine) as session:
        session.exec(delete(ErpCursor))  # an operator resets the cursor: everything is read again
        session.commit()

    summary = pull_tenant(on_redis, TENANT)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 11)
    with Session(on_redis.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    last = rows[-1].envelope["payload"]
    first = next(r.envelope["payload"] for r in rows if r.envelope["payload"]["source_ref"] == f"erp:{keys[7]}")
    assert len(rows) == 13
    assert (last["event"], last["external_id"], last["source_ref"]) == (
        "order.updated",
        first["external_id"],
        f"erp:{keys[7]}",
    )
    assert first["event"] == "order.created" and last["delivery"]["address"] == "Москва, ул. Новая, 5"
    assert queued_external_ids(redis_url, broker_namespace)[-1] == first["external_id"]


def test_1c_failing_mid_pull_keeps_every_committed_page_published_and_the_repull_sends_the_rest_once(
    on_redis: IntegrationsRuntime, onec: OneC, redis_url: str, broker_namespace: str
) -> None:
    keys = seed_orders(onec.store, 60)
    connect_erp(on_redis, onec, page_size=10)

    def outage_after_the_first_page(summary: PullSummary) -> None:
        onec.store.faults.outage = True  # the page read ahead meanwhile may or may not have got through

    with pytest.raises(RemoteFailure):
        pull_tenant(on_redis, TENANT, on_page=outage_after_the_first_page)

    committed = outbox_rows(on_redis)
    assert 10 <= len(committed) < 60
    assert all(published for _, published in committed)
    with Session(on_redis.engine) as session:
        cursor = session.get(ErpCursor, TENANT)
        assert cursor is not None and cursor.pulled_total == len(committed)
        assert cursor.last_error
    assert queued_external_ids(redis_url, broker_namespace) == [external_id for external_id, _ in committed]

    onec.store.faults.outage = False
    pull_tenant(on_redis, TENANT)

    with Session(on_redis.engine) as session:
        assert set(session.exec(select(ErpDocument.document_key)).all()) == set(keys)
    queued = queued_external_ids(redis_url, broker_namespace)
    assert len(queued) == len(set(queued)) == 60
    assert all(published for _, published in outbox_rows(on_redis))


def test_a_broker_down_during_the_pull_leaves_the_pages_to_the_sweep_which_sends_each_once(
    database_url: str, onec: OneC, redis_url: str, broker_namespace: str, clock: FrozenClock
) -> None:
    settings = IntegrationsSettings(database_url=database_url, redis_url=redis_url, broker_namespace=broker_namespace)
    runtime = integrations_wiring.build(
        settings, broker=make_broker("redis://127.0.0.1:1/0", namespace=broker_namespace), clock=clock
    )
    with transaction(runtime.engine) as session:
        add_tenant(session, slug=TENANT, name="Книжный", country="RU", now=clock())
    seed_orders(onec.store, 30)
    connect_erp(runtime, onec, page_size=10)

    summary = pull_tenant(runtime, TENANT)  # the pages commit; publishing them fails

    assert summary.created == 30
    assert not any(published for _, published in outbox_rows(runtime))
    runtime.engine.dispose()

    back = integrations_wiring.build(settings, broker=make_broker(redis_url, namespace=broker_namespace), clock=clock)
    back.broker.declare_queue(QUEUE)
    clock.advance(seconds=60)
    while back.outbox.sweep():
        pass
    written = outbox_rows(back)
    assert all(published for _, published in written)
    assert queued_external_ids(redis_url, broker_namespace) == [external_id for external_id, _ in written]
    back.engine.dispose()
