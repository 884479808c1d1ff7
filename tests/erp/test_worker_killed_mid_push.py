"""A worker killed with SIGKILL while its PATCH is in flight: the push is neither lost nor applied twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from contracts.envelope import Envelope
from okno.sandbox.onec_trade import ORDERS, seed_orders
from services.common.db import transaction
from services.common.messaging.broker import make_broker, publish_envelope
from services.integrations import wiring as integrations_wiring
from services.integrations.models import Delivery, DeliveryAttempt
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.delivery_sender import send_due
from services.integrations.service.erp_pull import pull_tenant
from services.integrations.service.tenants import add_tenant
from services.integrations.settings import IntegrationsSettings
from tests.erp.conftest import TENANT, OneC, connect_erp
from tests.erp.outcomes import confirmed
from tests.support import wait_until

OKNO = str(Path(sys.executable).with_name("okno"))


@pytest.fixture
def shared(database_url: str, redis_url: str, broker_namespace: str) -> Iterator[IntegrationsRuntime]:
    """integrations in this process, on the same database and Redis namespace as the worker subprocess."""
    settings = IntegrationsSettings(database_url=database_url, redis_url=redis_url, broker_namespace=broker_namespace)
    runtime = integrations_wiring.build(settings, broker=make_broker(redis_url, namespace=broker_namespace))
    runtime.outbox.relay_enabled = False  # no order_confirm here; the snapshots stay in the outbox
    with transaction(runtime.engine) as session:
        add_tenant(session, slug=TENANT, name="Книжный", country="RU", now=runtime.clock())
    yield runtime
    runtime.engine.dispose()


def start_worker(runtime: IntegrationsRuntime) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OKNO_DATABASE_URL": runtime.settings.database_url,
        "OKNO_REDIS_URL": str(runtime.settings.redis_url),
        "OKNO_BROKER_NAMESPACE": runtime.settings.broker_namespace,
        "OKNO_INTEGRATIONS_DELIVERY_CLAIM_SECONDS": "2",
    }
    return subprocess.Popen([OKNO, "worker", "integrations", "--threads", "2"], env=env)


def attempts_of(runtime: IntegrationsRuntime) -> list[str]:
    with Session(runtime.engine) as session:
        return [a.outcome for a in session.exec(select(DeliveryAttempt).order_by(col(DeliveryAttempt.id)))]


@pytest.mark.slow
def test_sigkill_during_the_patch_neither_loses_the_outcome_nor_applies_it_twice(
    shared: IntegrationsRuntime, onec: OneC
) -> None:
    (key,) = seed_orders(onec.store, 1)
    connect_erp(shared, onec)
    pull_tenant(shared, TENANT)
    order: dict[str, Any] = onec.store.get(ORDERS, key)
    onec.store.faults.patch_latency_seconds = 3.0
    worker = start_worker(shared)
    try:
        envelope = Envelope[Any](message_type="order.confirmed", tenant=TENANT, payload=confirmed(order["Number"]))
        publish_envelope(shared.broker, "order.confirmed", envelope.model_dump_json())
        wait_until(
            lambda: any(r.method == "GET" and r.key == key for r in onec.store.log),
            timeout=30,
            message="the worker to read the document before patching it",
        )
        wait_until(lambda: onec.store.in_flight.get("PATCH"), message="the PATCH to be in flight")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()

    wait_until(lambda: onec.store.patches(key), message="1C to finish the write the dead worker started")
    onec.store.faults.patch_latency_seconds = 0
    # The scheduler's sweep, once the dead worker's claim (2 s) has run out.
    wait_until(lambda: send_due(shared), timeout=15, interval=0.5, message="the claim to expire")

    with Session(shared.engine) as session:
        delivery = session.exec(select(Delivery)).one()
    assert delivery.status == "delivered"
    assert attempts_of(shared) == ["already_applied"]  # the killed attempt left no record, only its effect
    assert len(onec.store.patches(key)) == 1
    assert onec.store.get(ORDERS, key)["ОкноКлючСообщения"] == str(envelope.message_id)
    assert onec.store.get(ORDERS, key)["Статус"] == "КОтгрузке"
