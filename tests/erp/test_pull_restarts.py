"""A puller killed partway through 4 000 orders (20 pages), and two scheduler replicas racing for one tenant."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from okno.sandbox.onec_trade import seed_orders
from services.integrations.models import ErpCursor, ErpDocument, OutboxMessage
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.erp_pull import PullSummary, pull_tenant
from services.integrations.service.erp_schedule import pull_due_tenants, pull_with_lease
from services.integrations.service.leases import acquire
from tests.erp.conftest import TENANT, OneC, connect_erp
from tests.support import FrozenClock, wait_until

OKNO = str(Path(sys.executable).with_name("okno"))
ORDERS = 4_000


def pulled_so_far(runtime: IntegrationsRuntime) -> int:
    with Session(runtime.engine) as session:
        cursor = session.get(ErpCursor, TENANT)
        return cursor.pulled_total if cursor else 0


def sent_external_ids(runtime: IntegrationsRuntime) -> list[str]:
    with Session(runtime.engine) as session:
        envelopes = session.exec(
            select(OutboxMessage.envelope).where(OutboxMessage.message_type == "order_snapshot.received")
        ).all()
    return [envelope["payload"]["external_id"] for envelope in envelopes]


@pytest.mark.slow
def test_four_thousand_orders_puller_killed_partway_and_restarted_neither_misses_nor_duplicates(
    integrations: IntegrationsRuntime, onec: OneC, redis_url: str, broker_namespace: str
) -> None:
    keys = seed_orders(onec.store, ORDERS)
    connect_erp(integrations, onec, page_size=200)
    onec.store.faults.latency_seconds = 0.05
    env = {
        **os.environ,
        "OKNO_DATABASE_URL": integrations.settings.database_url,
        "OKNO_REDIS_URL": redis_url,
        "OKNO_BROKER_NAMESPACE": broker_namespace,
    }
    puller = subprocess.Popen([OKNO, "sync", "pull", "--tenant", TENANT], env=env, stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: pulled_so_far(integrations) >= 1_200, timeout=120, message="the puller to get going")
        puller.send_signal(signal.SIGKILL)
        puller.wait(timeout=10)
    finally:
        if puller.poll() is None:
            puller.kill()
    halfway = pulled_so_far(integrations)
    assert 1_200 <= halfway < ORDERS
    onec.store.faults.latency_seconds = 0

    pull_tenant(integrations, TENANT)  # the restart

    with Session(integrations.engine) as session:
        documents = set(session.exec(select(ErpDocument.document_key)).all())
    assert documents == set(keys)
    sent = sent_external_ids(integrations)
    assert len(sent) == len(set(sent)) == ORDERS


def test_two_scheduler_replicas_never_pull_the_same_tenant_at_once(
    integrations: IntegrationsRuntime, onec: OneC, clock: FrozenClock
) -> None:
    seed_orders(onec.store, 40)
    connect_erp(integrations, onec, page_size=10)
    onec.store.faults.latency_seconds = 0.1  # a pull takes a while: long enough to overlap
    results: dict[str, dict[str, PullSummary]] = {}

    def replica(name: str) -> None:
        results[name] = pull_due_tenants(integrations, holder=name)

    threads = [threading.Thread(target=replica, args=(name,)) for name in ("scheduler-a", "scheduler-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(len(done) for done in results.values()) == [0, 1]  # one pulled, the other stood aside
    sent = sent_external_ids(integrations)
    assert len(sent) == len(set(sent)) == 40


def test_a_dead_replicas_lease_runs_out_and_another_replica_takes_the_tenant_over(
    integrations: IntegrationsRuntime, onec: OneC, clock: FrozenClock
) -> None:
    seed_orders(onec.store, 5)
    connect_erp(integrations, onec)
    ttl = integrations.settings.erp_pull_lease_seconds
    assert acquire(integrations.engine, f"erp_pull:{TENANT}", holder="crashed", now=clock(), ttl=timedelta(seconds=ttl))

    assert pull_with_lease(integrations, TENANT, holder="survivor") is None
    assert not onec.store.log  # standing aside costs the ERP nothing
    clock.advance(seconds=ttl + 1)
    summary = pull_with_lease(integrations, TENANT, holder="survivor")

    assert summary is not None and summary.created == 5
    with Session(integrations.engine) as session:
        assert session.exec(select(func.count()).select_from(ErpDocument)).one() == 5


def test_the_scheduler_pulls_each_tenant_at_its_interval_and_tries_a_dead_erp_once_per_interval(
    integrations: IntegrationsRuntime, onec: OneC, clock: FrozenClock
) -> None:
    seed_orders(onec.store, 3)
    connect_erp(integrations, onec)  # every 60 s
    assert pull_due_tenants(integrations)[TENANT].created == 3
    seed_orders(onec.store, 2)
    clock.advance(seconds=30)
    assert pull_due_tenants(integrations) == {}  # not due yet
    onec.store.faults.outage = True
    clock.advance(seconds=31)
    requests = len(onec.store.log)

    assert pull_due_tenants(integrations) == {}  # 1C is down: logged, the cursor keeps the error
    assert pull_due_tenants(integrations) == {}
    assert len(onec.store.log) == requests + 1  # one try per interval, not one per scheduler tick
    onec.store.faults.outage = False
    clock.advance(seconds=61)
    assert pull_due_tenants(integrations)[TENANT].created == 2
