"""What one running service holds: settings, engine, broker, outbox, dead letters, clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Generic, TypeVar

import dramatiq
from sqlalchemy import Engine

from contracts.routing import Queue
from services.common.capabilities import Capabilities
from services.common.clock import Clock, utc_now
from services.common.db import make_engine
from services.common.messaging.broker import make_broker
from services.common.messaging.consumers import RetryOptions
from services.common.messaging.dead_letters import DeadLetters, attach_dead_letters
from services.common.messaging.outbox import Outbox
from services.common.messaging.tables import DeadLetterColumns, OutboxColumns
from services.common.scheduler import PeriodicJob
from services.common.settings import ServiceSettings

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


@dataclass
class Runtime(Generic[SettingsT]):
    name: str
    queue: Queue
    settings: SettingsT
    engine: Engine
    broker: dramatiq.Broker
    outbox: Outbox
    dead_letters: DeadLetters
    clock: Clock = utc_now
    capabilities: Capabilities = field(default_factory=Capabilities)

    @property
    def retry(self) -> RetryOptions:
        s = self.settings
        return RetryOptions(s.max_retries, s.min_backoff_ms, s.max_backoff_ms)

    def periodic_jobs(self) -> list[PeriodicJob]:
        """Jobs every service has; a service's `schedule.py` adds its own."""
        return [
            PeriodicJob(
                f"{self.name}.outbox_sweep",
                self.settings.outbox_sweep_seconds,
                self.outbox.sweep,
            )
        ]


def build_runtime(
    name: str,
    queue: Queue,
    settings: SettingsT,
    outbox_model: type[OutboxColumns],
    dead_letter_model: type[DeadLetterColumns],
    *,
    engine: Engine | None = None,
    broker: dramatiq.Broker | None = None,
    clock: Clock = utc_now,
) -> Runtime[SettingsT]:
    engine = engine or make_engine(settings.database_url)
    broker = broker or make_broker(settings.redis_url, namespace=settings.broker_namespace)
    outbox = Outbox(
        outbox_model,
        engine,
        broker,
        clock=clock,
        sweep_grace=timedelta(seconds=settings.outbox_sweep_seconds),
    )
    dead_letters = DeadLetters(dead_letter_model, engine, clock=clock)
    broker.declare_queue(queue.value)
    attach_dead_letters(broker, queue.value, dead_letters)
    return Runtime(name, queue, settings, engine, broker, outbox, dead_letters, clock)
