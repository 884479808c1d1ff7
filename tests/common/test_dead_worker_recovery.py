"""A worker killed with SIGKILL mid-work: its fetched, unacknowledged messages run again within a minute,
on a surviving worker or on the restarted one, each applied once — not when dramatiq's dice say so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from contracts.envelope import Envelope
from contracts.orders import (
    CustomerSnapshot,
    DeliveryMethod,
    DeliverySnapshot,
    OrderEventType,
    OrderItemSnapshot,
    OrderSnapshot,
    PaymentSnapshot,
)
from contracts.routing import MessageType, Queue
from okno.commands.tenants import Engines, add_tenant
from services.common.db import make_engine
from services.common.messaging.broker import make_broker, publish_envelope
from services.order_confirm.models import InboxMessage, Order
from services.order_confirm.service.tenancy import TenantSpec
from tests.common.worker_process import WorkerProcess
from tests.support import wait_until

TENANT = "kill-shop"
ORDERS = 200
ACTOR = f"{Queue.ORDER_CONFIRM.value}.{MessageType.ORDER_SNAPSHOT_RECEIVED.value}"


def _snapshot(n: int) -> OrderSnapshot:
    return OrderSnapshot(
        external_id=f"KILL-{n}",
        source="webhook",
        source_ref=f"raw-{n}",
        event=OrderEventType.CREATED,
        content_hash=f"h{n}",
        created_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        customer=CustomerSnapshot(name=f"Customer {n}", phone=f"+7916{n:07d}"),
        items=[OrderItemSnapshot(sku="SKU-1", name="Kettle", quantity=1, unit_price=Decimal("10.00"))],
        delivery=DeliverySnapshot(method=DeliveryMethod.COURIER, address=f"Street {n}", city="Moskva"),
        payment=PaymentSnapshot(method="card", status="pending", amount=Decimal("10.00"), currency="RUB"),
        total=Decimal("10.00"),
        currency="RUB",
    )


def _count(engine: Engine, model: type[Order] | type[InboxMessage]) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _heartbeats(redis: Redis[bytes], namespace: str) -> set[str]:
    return {member.decode() for member in redis.zrange(f"{namespace}:__heartbeats__", 0, -1)}


def _unacked(redis: Redis[bytes], namespace: str, workers: set[str]) -> int:
    queue = Queue.ORDER_CONFIRM.value
    return sum(int(redis.scard(f"{namespace}:__acks__.{worker}.{queue}")) for worker in workers)


@pytest.fixture
def engine(postgres_database_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_database_url)
    add_tenant(Engines(engine, engine), TenantSpec(TENANT, "Kill shop"))
    yield engine
    engine.dispose()


def _worker(database_url: str, redis_url: str, namespace: str, log_dir: Path, **settings: str) -> WorkerProcess:
    env = {"OKNO_DATABASE_URL": database_url, "OKNO_REDIS_URL": redis_url, "OKNO_BROKER_NAMESPACE": namespace}
    return WorkerProcess("order_confirm", env | settings, log_dir)


def _publish_orders(redis_url: str, namespace: str) -> None:
    broker = make_broker(redis_url, namespace=namespace)
    for n in range(ORDERS):
        envelope = Envelope[OrderSnapshot](
            message_type=MessageType.ORDER_SNAPSHOT_RECEIVED, tenant=TENANT, payload=_snapshot(n)
        )
        publish_envelope(broker, MessageType.ORDER_SNAPSHOT_RECEIVED, envelope.model_dump_json())
    broker.close()


def _start_identified(worker: WorkerProcess, redis: Redis[bytes], namespace: str) -> set[str]:
    """Start `worker`; its broker ids are the heartbeats that appear with it."""
    known = _heartbeats(redis, namespace)
    worker.start()
    return wait_until(lambda: _heartbeats(redis, namespace) - known, message="the worker's first heartbeat")


def _kill_mid_work(
    victim: WorkerProcess, victim_ids: set[str], engine: Engine, redis: Redis[bytes], namespace: str
) -> None:
    # Killed the moment it holds fetched, unacknowledged messages (it prefetches as it starts working); how
    # many orders are stored by then depends on the machine's load, so that is not what we wait for.
    wait_until(
        lambda: _unacked(redis, namespace, victim_ids) > 0,
        timeout=60,
        interval=0.01,
        message="the victim to hold fetched messages",
    )
    victim.kill()
    assert _unacked(redis, namespace, victim_ids) > 0, "the victim died holding fetched, unacknowledged messages"
    assert _count(engine, Order) < ORDERS


def _assert_all_applied_once(engine: Engine, killed_at: float, *, within: float) -> None:
    wait_until(lambda: _count(engine, Order) == ORDERS, timeout=within + 30, interval=0.5, message="every order")
    recovered_after = time.monotonic() - killed_at
    assert recovered_after < within, f"the dead worker's messages waited {recovered_after:.0f}s"
    time.sleep(1)
    assert _count(engine, Order) == ORDERS
    with Session(engine) as session:
        applied = session.exec(select(InboxMessage.message_id).where(InboxMessage.actor_name == ACTOR)).all()
    assert len(applied) == len(set(applied)) == ORDERS


@pytest.mark.slow
def test_a_surviving_worker_runs_a_killed_workers_messages_within_a_minute_with_the_default_settings(
    engine: Engine, postgres_database_url: str, redis_url: str, broker_namespace: str, tmp_path: Path
) -> None:
    redis = Redis.from_url(redis_url)
    survivor = _worker(postgres_database_url, redis_url, broker_namespace, tmp_path / "survivor")
    victim = _worker(postgres_database_url, redis_url, broker_namespace, tmp_path / "victim")
    for process in (victim, survivor):
        process.log_dir.mkdir()
    try:
        _start_identified(survivor, redis, broker_namespace)
        victim_ids = _start_identified(victim, redis, broker_namespace)
        _publish_orders(redis_url, broker_namespace)
        _kill_mid_work(victim, victim_ids, engine, redis, broker_namespace)
        killed_at = time.monotonic()
        _assert_all_applied_once(engine, killed_at, within=60)
        assert _unacked(redis, broker_namespace, victim_ids) == 0
        assert "broker.dead_worker_messages_requeued" in survivor.log()
    finally:
        victim.stop()
        survivor.stop()


def test_a_restarted_worker_runs_the_messages_its_killed_predecessor_held(
    engine: Engine, postgres_database_url: str, redis_url: str, broker_namespace: str, tmp_path: Path
) -> None:
    redis = Redis.from_url(redis_url)
    fast = {"OKNO_BROKER_HEARTBEAT_TIMEOUT_SECONDS": "3", "OKNO_BROKER_REQUEUE_SECONDS": "1"}
    worker = _worker(postgres_database_url, redis_url, broker_namespace, tmp_path, **fast)
    try:
        first_ids = _start_identified(worker, redis, broker_namespace)
        _publish_orders(redis_url, broker_namespace)
        _kill_mid_work(worker, first_ids, engine, redis, broker_namespace)
        killed_at = time.monotonic()
        worker.start()  # the same service, a new process with a new broker id: the old id's messages are stranded
        _assert_all_applied_once(engine, killed_at, within=30)
        assert _unacked(redis, broker_namespace, first_ids) == 0
    finally:
        worker.stop()
