"""What one running service holds: settings, engines, broker, outbox, dead letters, clock."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Generic, TypeVar

import dramatiq
from sqlalchemy import Engine

from contracts.routing import Queue
from services.common.capabilities import Capabilities
from services.common.clock import Clock, utc_now
from services.common.db import is_sqlite, make_engine
from services.common.db_async import AsyncEngines, async_url
from services.common.encryption import install, keyring_from_settings
from services.common.messaging.batch_relay import BatchRelay
from services.common.messaging.broker import make_broker
from services.common.messaging.consumers import RetryOptions
from services.common.messaging.dead_letters import DeadLetters, attach_dead_letters
from services.common.messaging.outbox import Outbox
from services.common.messaging.settlement import Settlement, bind_settlement
from services.common.messaging.tables import DeadLetterColumns, OutboxColumns
from services.common.request_gate import RequestGate
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
    settlement: Settlement
    clock: Clock = utc_now
    capabilities: Capabilities = field(default_factory=Capabilities)
    # Shared by every runtime on the same sync engine (the embedded process runs three on one).
    async_engines: AsyncEngines = field(init=False)
    request_gate: RequestGate = field(init=False)
    # Publishes the rows hot paths wrote with Core and hand over after commit (batch_relay.py).
    batch_relay: BatchRelay = field(init=False)

    def __post_init__(self) -> None:
        self.async_engines, self.request_gate = _companions(self.engine, self.settings)
        self.batch_relay = BatchRelay(self.outbox)

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
            ),
            PeriodicJob(
                f"{self.name}.outbox_reconcile",
                self.settings.outbox_reconcile_seconds,
                self.settlement.republish_unsettled,
            ),
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
    engine = engine or make_engine(
        settings.database_url, pool_size=settings.db_pool_size, pool_recycle=settings.db_pool_recycle_seconds
    )
    broker = broker or make_broker(
        settings.redis_url,
        namespace=settings.broker_namespace,
        heartbeat_timeout_seconds=settings.broker_heartbeat_timeout_seconds,
        requeue_seconds=settings.broker_requeue_seconds,
    )
    outbox = Outbox(
        outbox_model,
        engine,
        broker,
        clock=clock,
        sweep_grace=timedelta(seconds=settings.outbox_sweep_seconds),
        source=queue.value,
    )
    dead_letters = DeadLetters(dead_letter_model, engine, clock=clock)
    keyring = keyring_from_settings(settings)
    if keyring is not None:  # this runtime's settings decide its keys (tests override them per runtime)
        install(name, keyring)
    settlement = Settlement(outbox, timedelta(seconds=settings.outbox_settle_grace_seconds))
    broker.declare_queue(queue.value)
    attach_dead_letters(broker, queue.value, dead_letters)
    runtime = Runtime(name, queue, settings, engine, broker, outbox, dead_letters, settlement, clock)
    bind_settlement(broker, queue, settlement, runtime.retry)
    return runtime


_companions_lock = threading.Lock()
_companions_of: weakref.WeakKeyDictionary[Engine, tuple[AsyncEngines, RequestGate]] = weakref.WeakKeyDictionary()


def _companions(engine: Engine, settings: ServiceSettings) -> tuple[AsyncEngines, RequestGate]:
    """The async engines and the request gate that go with a sync engine, made once per engine."""
    with _companions_lock:
        found = _companions_of.get(engine)
        if found is None:
            found = _companions_of[engine] = (
                AsyncEngines(async_url(engine), pool_size=settings.db_async_pool_size),
                RequestGate(gate_slots(engine)),
            )
        return found


def gate_slots(engine: Engine) -> int:
    """How many requests may hold a sync session at once: the pool's size (its overflow is the reserve for
    everything else); one on SQLite, whose write lock (BEGIN IMMEDIATE) admits one transaction anyway."""
    if is_sqlite(engine):
        return 1
    size = getattr(engine.pool, "size", None)
    return max(1, size()) if callable(size) else 1
