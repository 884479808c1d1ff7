"""/healthz and /readyz: a Redis outage is reported by name, and writes keep landing in the outbox meanwhile."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
import structlog
from sqlmodel import Session, select

from services.common.db import make_engine
from services.common.messaging.broker import make_broker
from services.order_confirm import app as order_confirm_app
from services.order_confirm import wiring as order_confirm_wiring
from services.order_confirm.settings import OrderConfirmSettings
from tests.common.private_redis import PrivateRedis
from tests.common.probe import ProbeOutbox, confirmed, running_probe
from tests.support import FrozenClock, live_server, wait_until


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


def test_healthz_answers_and_readyz_names_the_broker_when_redis_is_down(
    database_url: str, private_redis: PrivateRedis
) -> None:
    settings = OrderConfirmSettings(database_url=database_url, redis_url=private_redis.url)
    runtime = order_confirm_wiring.build(settings)
    with live_server(order_confirm_app.create_app(runtime)) as base_url:
        assert httpx.get(f"{base_url}/readyz").json()["status"] == "ok"

        private_redis.stop()
        assert httpx.get(f"{base_url}/healthz").status_code == 200
        ready = httpx.get(f"{base_url}/readyz")
        assert ready.status_code == 503
        assert ready.json()["failing"] == ["broker"]
        assert "redis unreachable" in ready.json()["checks"]["broker"]

        private_redis.start()
        assert httpx.get(f"{base_url}/readyz").status_code == 200
    runtime.engine.dispose()


def test_writes_during_a_broker_outage_wait_in_the_outbox_and_are_delivered_after_it(
    database_url: str, private_redis: PrivateRedis, clock: FrozenClock
) -> None:
    engine = make_engine(database_url)
    broker = make_broker(private_redis.url, namespace="okno-outage")
    with running_probe(engine, broker, clock) as probe:
        private_redis.stop()
        started = time.monotonic()
        order_ids = [probe.confirm_order() for _ in range(3)]
        assert time.monotonic() - started < 20, "a write must not hang on the broker"
        assert len(order_ids) == 3, "every write committed although the broker is down"
        with Session(engine) as session:
            waiting = session.exec(select(ProbeOutbox)).all()
        assert [row.published_at for row in waiting] == [None, None, None]
        assert all("ConnectionError" in (row.last_error or "") for row in waiting)
        assert probe.effects() == 0

        private_redis.start()
        clock.advance(seconds=30)
        assert probe.outbox.lag_seconds() >= 30
        assert probe.outbox.sweep() == 3
        wait_until(lambda: probe.effects() == 3, timeout=15, message="the delayed messages to be consumed")
        assert probe.outbox.lag_seconds() == 0.0
    engine.dispose()


def test_a_message_carries_the_request_id_of_the_request_that_caused_it(
    database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock
) -> None:
    engine = make_engine(database_url)
    broker = make_broker(redis_url, namespace=broker_namespace)
    with running_probe(engine, broker, clock, worker=False) as probe:
        with structlog.contextvars.bound_contextvars(request_id="req-42"), Session(engine) as session:
            envelope = probe.outbox.add(session, "order.confirmed", "probe-shop", confirmed(1))
            session.commit()
        assert envelope.request_id == "req-42"
    engine.dispose()
