"""Wiring of integrations: its runtime (engine, broker, outbox) and its message consumers."""

from __future__ import annotations

import dramatiq
from sqlalchemy import Engine

from contracts.routing import Queue
from services.common.clock import Clock, utc_now
from services.common.encryption import require_keys
from services.common.runtime import Runtime, build_runtime
from services.integrations.models import DeadLetter, OutboxMessage
from services.integrations.settings import IntegrationsSettings

IntegrationsRuntime = Runtime[IntegrationsSettings]


def build(
    settings: IntegrationsSettings | None = None,
    *,
    engine: Engine | None = None,
    broker: dramatiq.Broker | None = None,
    clock: Clock = utc_now,
) -> IntegrationsRuntime:
    runtime = build_runtime(
        "integrations",
        Queue.INTEGRATIONS,
        settings or IntegrationsSettings(),
        OutboxMessage,
        DeadLetter,
        engine=engine,
        broker=broker,
        clock=clock,
    )
    # Tenants' webhook secrets, ERP passwords and provider keys are sealed: no key, no integrations.
    require_keys("integrations", runtime.settings)
    from services.integrations.sandboxes import declare_capabilities

    declare_capabilities(runtime.settings, runtime.capabilities)
    from services.integrations.tasks import consumers

    consumers.bind(runtime.broker, runtime, runtime.engine, runtime.retry)
    from services.integrations import delivery_tasks

    delivery_tasks.bind(runtime)
    return runtime
