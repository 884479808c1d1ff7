"""A test-only service built from the shared messaging parts: it consumes `order.confirmed` and records it.

It has its own metadata (made with `create_all`, allowed in tests), so the library is tested on its own,
on SQLite and PostgreSQL, against the real Redis broker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import dramatiq
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel

from contracts.envelope import RawEnvelope
from contracts.orders import OrderConfirmed
from contracts.routing import MessageType, Queue
from services.common.clock import Clock
from services.common.messaging.consumers import ConsumerRegistry, RetryOptions
from services.common.messaging.dead_letters import DeadLetters, attach_dead_letters
from services.common.messaging.outbox import Outbox
from services.common.messaging.settlement import Settlement, bind_settlement
from services.common.messaging.tables import DeadLetterColumns, InboxColumns, OutboxColumns, outbox_indexes


class ProbeModel(SQLModel, registry=registry()):
    pass


class ProbeOutbox(ProbeModel, OutboxColumns, table=True):
    __tablename__ = "probe_outbox"
    __table_args__ = outbox_indexes("probe_outbox")


class ProbeInbox(ProbeModel, InboxColumns, table=True):
    __tablename__ = "probe_inbox"


class ProbeDeadLetter(ProbeModel, DeadLetterColumns, table=True):
    __tablename__ = "probe_dead_letters"


class ProbeEffect(ProbeModel, table=True):
    """What the consumer does: one row per applied message (a second row = applied twice)."""

    __tablename__ = "probe_effects"
    id: int | None = Field(default=None, primary_key=True)
    message_id: str
    order_id: int


class ProbeState(ProbeModel, table=True):
    """The 'state change' a producer commits together with its message."""

    __tablename__ = "probe_orders"
    id: int | None = Field(default=None, primary_key=True)
    status: str


@dataclass
class Probe:
    engine: Engine
    broker: dramatiq.Broker
    outbox: Outbox
    dead_letters: DeadLetters
    settlement: Settlement
    failing: bool = False
    calls: list[str] = field(default_factory=list)

    def confirm_order(self, status: str = "confirmed") -> int:
        """A state change and its message in one transaction (the pattern every service uses)."""
        with Session(self.engine) as session:
            order = ProbeState(status=status)
            session.add(order)
            session.flush()
            assert order.id is not None
            self.outbox.add(session, MessageType.ORDER_CONFIRMED, "probe-shop", confirmed(order.id))
            session.commit()
            return order.id

    def effects(self) -> int:
        with Session(self.engine) as session:
            return int(session.execute(select(func.count()).select_from(ProbeEffect)).scalar_one())


def confirmed(order_id: int) -> OrderConfirmed:
    from datetime import UTC, datetime

    return OrderConfirmed(
        order_id=order_id,
        external_id=f"SHOP-{order_id}",
        source="webhook",
        status="confirmed",
        confirmed_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    )


registry_ = ConsumerRegistry[Probe](Queue.INTEGRATIONS, ProbeInbox)


@registry_.handler(MessageType.ORDER_CONFIRMED, OrderConfirmed)
def on_order_confirmed(probe: Probe, session: Session, envelope: RawEnvelope, payload: OrderConfirmed) -> None:
    probe.calls.append(str(envelope.message_id))
    if probe.failing:
        raise RuntimeError("the ERP rejected the document")
    session.add(ProbeEffect(message_id=str(envelope.message_id), order_id=payload.order_id))


@contextmanager
def running_probe(engine: Engine, broker: dramatiq.Broker, clock: Clock, *, worker: bool = True) -> Iterator[Probe]:
    ProbeModel.metadata.drop_all(engine)
    ProbeModel.metadata.create_all(engine)
    # The probe publishes as order_confirm would (receipts come back to that queue) to integrations' queue.
    outbox = Outbox(
        ProbeOutbox, engine, broker, clock=clock, sweep_grace=timedelta(seconds=10), source=Queue.ORDER_CONFIRM.value
    )
    dead_letters = DeadLetters(ProbeDeadLetter, engine, clock=clock)
    settlement = Settlement(outbox, timedelta(seconds=60))
    retry = RetryOptions(max_retries=2, min_backoff_ms=20, max_backoff_ms=100)
    for queue in (Queue.INTEGRATIONS, Queue.ORDER_CONFIRM):
        broker.declare_queue(queue.value)
    attach_dead_letters(broker, Queue.INTEGRATIONS.value, dead_letters)
    bind_settlement(broker, Queue.ORDER_CONFIRM, settlement, retry)
    probe = Probe(engine, broker, outbox, dead_letters, settlement)
    registry_.bind(broker, probe, engine, retry)
    consumer = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50) if worker else None
    if consumer:
        consumer.start()
    try:
        yield probe
    finally:
        if consumer:
            consumer.stop()
        ProbeModel.metadata.drop_all(engine)
