"""Wiring of order_confirm: builds its runtime (engine, broker, outbox) and binds its message consumers.

The composition root of the service: it imports the consumers (`tasks`), which import service code,
which takes the runtime type from `runtime` — never this module.
"""

from __future__ import annotations

import dramatiq
from sqlalchemy import Engine

from contracts.routing import Queue
from services.common.clock import Clock, utc_now
from services.common.runtime import build_runtime
from services.order_confirm import streams
from services.order_confirm.models import DeadLetter, OutboxMessage
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.settings import OrderConfirmSettings
from services.order_confirm.tasks import consumers
from services.order_confirm.telephony.projection import watch


def build(
    settings: OrderConfirmSettings | None = None,
    *,
    engine: Engine | None = None,
    broker: dramatiq.Broker | None = None,
    clock: Clock = utc_now,
) -> OrderConfirmRuntime:
    runtime = build_runtime(
        "order_confirm",
        Queue.ORDER_CONFIRM,
        settings or OrderConfirmSettings(),
        OutboxMessage,
        DeadLetter,
        engine=engine,
        broker=broker,
        clock=clock,
    )
    consumers.bind(runtime.broker, runtime, runtime.engine, runtime.retry)
    watch.bind(runtime.engine, runtime.outbox, clock, runtime.settings.telephony_presence_idle)
    streams.wire(runtime.engine, runtime.settings)
    return runtime
