"""Orders the webhook acknowledged (202) while Redis lost its data are not lost: integrations publishes
again what order_confirm never settled, each order is applied once, and /metrics and `okno check` say so."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from redis import Redis
from sqlmodel import Session, select
from typer.testing import CliRunner

from contracts.routing import MessageType, Queue
from okno import cli
from okno.commands import ops
from okno.commands.tenants import Engines, add_tenant
from okno.embedded import MOUNTS, Okno, build_okno
from services.integrations import app as integrations_app
from services.integrations.models import OutboxMessage
from services.order_confirm.models import InboxMessage, Order
from services.order_confirm.service.tenancy import TenantSpec
from tests.common.private_redis import PrivateRedis
from tests.intake.shop import DEMO_SECRET, order_body, post_order
from tests.support import live_server, wait_until

TENANT = "acme"
ORDERS = 10
GRACE_SECONDS = 2
SNAPSHOT_ACTOR = f"{Queue.ORDER_CONFIRM.value}.{MessageType.ORDER_SNAPSHOT_RECEIVED.value}"


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


def _snapshot_rows(okno: Okno) -> list[OutboxMessage]:
    """A session per look: on SQLite an open one would hold the write lock the workers wait for."""
    query = select(OutboxMessage).where(OutboxMessage.message_type == MessageType.ORDER_SNAPSHOT_RECEIVED.value)
    with Session(okno.integrations.engine) as session:
        return list(session.exec(query).all())


def _orders(okno: Okno) -> int:
    with Session(okno.order_confirm.engine) as session:
        return len(session.exec(select(Order)).all())


def _okno_check(env: dict[str, str]) -> str:
    result = CliRunner().invoke(cli.app, ["check"], env=env)
    return re.sub(r"\s+", " ", result.output)


def test_orders_acknowledged_before_redis_came_back_empty_arrive_once_after_reconciliation(
    database_url: str, private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKNO_OUTBOX_SETTLE_GRACE_SECONDS", str(GRACE_SECONDS))
    monkeypatch.setattr(ops.console, "width", 300)  # the table, unwrapped
    okno = build_okno(database_url=database_url, redis_url=private_redis.url, migrate=False, sandbox=True)
    add_tenant(
        Engines(okno.order_confirm.engine, okno.integrations.engine),
        TenantSpec(TENANT, "ACME Tea"),
        webhook_secret=DEMO_SECRET,
    )
    app = FastAPI()
    app.mount(MOUNTS["integrations"], integrations_app.create_app(okno.integrations))
    env = {"OKNO_DATABASE_URL": database_url, "OKNO_REDIS_URL": private_redis.url}
    try:
        with live_server(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
            for n in range(ORDERS):  # no worker is running: the snapshots wait in Redis
                assert post_order(client, TENANT, order_body(f"LOST-{n}", phone=f"+7916000{n:04d}")).status_code == 202
            wait_until(lambda: all(r.published_at for r in _snapshot_rows(okno)), message="the relay")
            Redis.from_url(private_redis.url).flushall()  # the Redis restarts without its data

            okno.start_background(scheduler=False, worker=True)
            time.sleep(GRACE_SECONDS + 0.5)
            assert _orders(okno) == 0, "the acknowledged orders are gone with Redis' data"
            assert f"{ORDERS} unsettled overdue" in _okno_check(env)

            assert okno.integrations.settlement.republish_unsettled() == ORDERS
            wait_until(lambda: _orders(okno) == ORDERS, timeout=30, message="the orders")
            wait_until(lambda: all(r.settled_at for r in _snapshot_rows(okno)), message="the receipts")
            metrics = client.get("/integrations/metrics").text
            assert 'okno_outbox_republished_total{service="integrations"} 10.0' in metrics
            assert 'okno_outbox_unsettled_overdue{service="integrations"} 0.0' in metrics
        assert f"0 unsettled overdue, {ORDERS} republished" in _okno_check(env)

        time.sleep(GRACE_SECONDS + 0.5)
        assert okno.integrations.settlement.republish_unsettled() == 0, "settled orders are never re-sent"
        assert _orders(okno) == ORDERS
        with Session(okno.order_confirm.engine) as session:
            applied = session.exec(select(InboxMessage.message_id).where(InboxMessage.actor_name == SNAPSHOT_ACTOR))
            assert len(applied.all()) == ORDERS
    finally:
        okno.stop()
        for runtime in okno.runtimes:
            runtime.engine.dispose()
