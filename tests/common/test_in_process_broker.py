"""The embedded mode's in-memory broker: a restart before the worker ran loses nothing (the outbox holds it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dramatiq
from sqlmodel import Session, select

from services.common.db import make_engine
from services.common.messaging.backlog import waiting_in_broker
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


def test_a_burst_waits_in_its_outbox_rows_beyond_the_limit_and_is_applied_once(
    tmp_path: Path, clock: FrozenClock
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'okno.db'}")
    broker = make_broker(None)
    with running_probe(engine, broker, clock, worker=False) as probe:
        use_in_process_delivery(broker, [probe.outbox])
        backlog = probe.outbox.backlog
        assert backlog is not None
        backlog.limit = 4
        most_in_memory = [0]
        enqueue = broker.enqueue

        def counted_enqueue(message: dramatiq.Message[Any], *, delay: int | None = None) -> dramatiq.Message[Any]:
            enqueued = enqueue(message, delay=delay)
            most_in_memory[0] = max(most_in_memory[0], waiting_in_broker(broker))
            return enqueued

        broker.enqueue = counted_enqueue  # type: ignore[method-assign]
        for _ in range(10):
            probe.confirm_order()
        assert waiting_in_broker(broker) == 4, "the broker holds the limit; the other rows wait in the outbox"
        assert len(backlog.rows) == 6

        worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
        worker.start()
        try:
            wait_until(lambda: probe.effects() == 10, message="every message of the burst to be applied")
            wait_until(
                lambda: all(row.published_at for row in _outbox_rows(probe)), message="every row marked delivered"
            )
        finally:
            worker.stop()
        assert probe.effects() == 10, "each applied once"
        assert not backlog.rows
        assert most_in_memory[0] == 4, "never more than the limit in memory"
    engine.dispose()


def _outbox_rows(probe: Probe) -> list[ProbeOutbox]:
    with Session(probe.engine) as session:
        return list(session.exec(select(ProbeOutbox)).all())
