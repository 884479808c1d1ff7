"""Wiring of notify: its runtime (engine, broker, outbox) and its message consumers."""

from __future__ import annotations

import dramatiq
from sqlalchemy import Engine

from contracts.routing import Queue
from services.common.clock import Clock, utc_now
from services.common.encryption import require_keys
from services.common.runtime import Runtime, build_runtime
from services.notify.models import DeadLetter, OutboxMessage
from services.notify.settings import NotifySettings

NotifyRuntime = Runtime[NotifySettings]


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
    from services.notify.telephony import declare_capabilities
    from services.notify.telephony.sandbox.credentials import warm_up

    if declare_capabilities(runtime.settings, runtime.capabilities):
        require_keys("notify", runtime.settings)  # the sandbox's credentials are sealed: no key, no sandbox
        warm_up(runtime.engine)
    from services.notify.tasks import consumers

    consumers.bind(runtime.broker, runtime, runtime.engine, runtime.retry)
    from services.notify.surveys.placement import bind_survey_placement

    bind_survey_placement(runtime)
    return runtime
