"""The embedded mode's in-memory broker: a restart before the worker ran loses nothing (the outbox holds it)."""

from __future__ import annotations

from pathlib import Path

import dramatiq
from sqlmodel import Session, select

from services.common.db import make_engine
from services.common.messaging.broker import make_broker
from services.common.messaging.consumers import RetryOptions
from services.common.messaging.inprocess import use_in_process_delivery
from tests.common.probe import Probe, ProbeOutbox, registry_, running_probe
from tests.support import FrozenClock, wait_until


def _published(probe: Probe) -> bool:
    with Session(probe.engine) as session:
        return session.exec(select(ProbeOutbox)).one().published_at is not None


def test_messages_in_memory_at_a_restart_are_published_again_and_applied_once(
    tmp_path: Path, clock: FrozenClock
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'okno.db'}")
    first_process = make_broker(None)
    with running_probe(engine, first_process, clock, worker=False) as probe:
        use_in_process_delivery(first_process, [probe.outbox])
        probe.confirm_order()
        assert not _published(probe), "enqueued in memory only: not delivered yet"

        # The process dies before its worker ran; a new one starts with an empty broker and the same database.
        second_process = make_broker(None)
        probe.broker = probe.outbox.broker = second_process
        probe.outbox.in_flight.clear()
        use_in_process_delivery(second_process, [probe.outbox])
        registry_.bind(second_process, probe, engine, RetryOptions(max_retries=1, min_backoff_ms=10, max_backoff_ms=20))
        worker = dramatiq.Worker(second_process, worker_threads=1, worker_timeout=50)
        worker.start()
        try:
            clock.advance(seconds=11)
            assert probe.outbox.sweep() == 1
            wait_until(lambda: probe.effects() == 1, message="the republished message to be applied")
            wait_until(lambda: _published(probe), message="the outbox row to be marked delivered")
            assert probe.outbox.sweep() == 0
        finally:
            worker.stop()
    engine.dispose()
