"""Wiring of integrations: builds its runtime (engine, broker, outbox) and binds its message consumers.

The composition root of the service: it imports the consumers (`tasks`), which import service code,
which takes the runtime type from `runtime` — never this module.
"""

from __future__ import annotations

import dramatiq
from sqlalchemy import Engine

from contracts.routing import Queue
from services.common.clock import Clock, utc_now
from services.common.encryption import require_keys
from services.common.runtime import build_runtime
from services.integrations import delivery_tasks
from services.integrations.models import DeadLetter, OutboxMessage
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.sandboxes import declare_capabilities
from services.integrations.settings import IntegrationsSettings
from services.integrations.tasks import consumers


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
    declare_capabilities(runtime.settings, runtime.capabilities)
    consumers.bind(runtime.broker, runtime, runtime.engine, runtime.retry)
    delivery_tasks.bind(runtime)
    return runtime
