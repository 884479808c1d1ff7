"""Wiring of notify: builds its runtime (engine, broker, outbox) and binds its message consumers.

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
from services.notify.models import DeadLetter, OutboxMessage
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.surveys.placement import bind_survey_placement
from services.notify.tasks import consumers
from services.notify.telephony import declare_capabilities
from services.notify.telephony.sandbox.credentials import warm_up


def build(
    settings: NotifySettings | None = None,
    *,
    engine: Engine | None = None,
    broker: dramatiq.Broker | None = None,
    clock: Clock = utc_now,
) -> NotifyRuntime:
    runtime = build_runtime(
        "notify",
        Queue.NOTIFY,
        settings or NotifySettings(),
        OutboxMessage,
        DeadLetter,
        engine=engine,
        broker=broker,
        clock=clock,
    )
    if declare_capabilities(runtime.settings, runtime.capabilities):
        require_keys("notify", runtime.settings)  # the sandbox's credentials are sealed: no key, no sandbox
        warm_up(runtime.engine)
    consumers.bind(runtime.broker, runtime, runtime.engine, runtime.retry)
    bind_survey_placement(runtime)
    return runtime
