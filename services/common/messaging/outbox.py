"""Transactional outbox: a message row commits with the state change; a relay publishes after commit.

The relay publishes right after the commit; a periodic sweep republishes whatever is still unsent (broker
down, process killed between commit and publish). Both may publish a row twice; consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import dramatiq
import structlog
from pydantic import BaseModel
from sqlalchemy import Engine, event, insert, select, update
from sqlalchemy.exc import UnboundExecutionError
from sqlmodel import Session, col

from contracts.envelope import Envelope
from services.common.clock import Clock, utc_now
from services.common.db import transaction
from services.common.logs import current_request_id
from services.common.messaging.broker import publish_envelope
from services.common.messaging.tables import OutboxColumns

log = structlog.get_logger(__name__)
_PENDING_KEY = "okno_outbox_pending"


def new_envelope(message_type: str, tenant: str, payload: BaseModel, *, now: datetime) -> Envelope[Any]:
    return Envelope[Any](
        message_type=message_type, tenant=tenant, occurred_at=now, request_id=current_request_id(), payload=payload
    )


class Outbox:
    """One service's outbox: `add` inside a transaction; the relay and `sweep` publish."""

    def __init__(
        self,
        model: type[OutboxColumns],
        engine: Engine,
        broker: dramatiq.Broker,
        *,
        clock: Clock = utc_now,
        sweep_grace: timedelta = timedelta(seconds=10),
        source: str | None = None,
    ) -> None:
        self.model = model
        self.engine = engine
        self.broker = broker
        self.clock = clock
        self.sweep_grace = sweep_grace
        # This service's queue, stamped on every envelope published: consumers send their receipts there.
        self.source = source
        # Tests switch the relay off to simulate a crash between commit and publish.
        self.relay_enabled = True
        self.before_publish: Callable[[list[int]], None] | None = None
        # With the in-process broker a published message lives only in memory; such rows are marked
        # published when the worker has handled them (see inprocess.py), so a restart republishes them.
        self.confirm_on_delivery = False
        self.in_flight: dict[str, int] = {}

    def add(self, session: Session, message_type: str, tenant: str, payload: BaseModel) -> Envelope[Any]:
        """Write a message in the caller's transaction; it is published only if that transaction commits."""
        envelope = new_envelope(message_type, tenant, payload, now=self.clock())
        row = self.model(
            message_id=str(envelope.message_id),
            message_type=message_type,
            tenant=tenant,
            envelope=envelope.model_dump(mode="json"),
            created_at=self.clock(),
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        self._publish_after_commit(session, [row.id])
        return envelope

    def add_many(
        self, session: Session, message_type: str, tenant: str, payloads: Sequence[BaseModel]
    ) -> list[Envelope[Any]]:
        """`add` for a batch in one multi-row INSERT (an ERP pull writes pages of hundreds of messages)."""
        now = self.clock()
        envelopes = [new_envelope(message_type, tenant, payload, now=now) for payload in payloads]
        if not envelopes:
            return []
        rows = [
            {
                "message_id": str(e.message_id),
                "message_type": message_type,
                "tenant": tenant,
                "envelope": e.model_dump(mode="json"),
                "created_at": now,
            }
            for e in envelopes
        ]
        ids = session.scalars(insert(self.model).returning(col(self.model.id)), rows).all()
        self._publish_after_commit(session, [i for i in ids if i is not None])
        return envelopes

    def _publish_after_commit(self, session: Session, ids: list[int]) -> None:
        pending: list[int] = session.info.setdefault(_PENDING_KEY, [])
        if not pending:
            event.listen(session, "after_commit", self._after_commit, once=True)
            event.listen(session, "after_rollback", _forget_pending, once=True)
        pending.extend(ids)

    def _after_commit(self, session: Session) -> None:
        ids: list[int] = session.info.pop(_PENDING_KEY, [])
        if ids and self.relay_enabled:
            # The session still holds its connection during after_commit; publishing there needs a second
            # one, and under load every pooled connection ends up waiting for a second (pool starvation).
            # after_transaction_end of the root transaction runs once its connection is back in the pool.
            on_loop = _committed_on_event_loop(session)
            event.listen(session, "after_transaction_end", lambda *_: self._relay(ids, on_loop), once=True)

    def _relay(self, ids: list[int], on_loop: bool) -> None:
        if not on_loop:  # a sync session in a worker or threadpool thread: publish right here
            self.publish_pending(ids)
            return
        # An AsyncSession committed on the event loop: the relay's sync reads, writes and broker call would
        # block the loop (on SQLite, while another request's transaction waits for the loop to finish).
        asyncio.get_running_loop().run_in_executor(None, self.publish_pending, ids)

    def publish_pending(self, ids: list[int] | None = None, *, limit: int = 500) -> int:
        """Publish unsent rows (the given ones, or the oldest past the grace period); returns how many."""
        if self.before_publish is not None and ids is not None:
            self.before_publish(ids)
        published: list[int] = []
        for row_id, message_type, envelope in self._load_unsent(ids, limit):
            message_id = str(envelope["message_id"])
            if message_id in self.in_flight:
                continue
            try:
                if self.confirm_on_delivery:
                    self.in_flight[message_id] = row_id
                publish_envelope(self.broker, message_type, self.serialize(envelope))
            except Exception as error:  # broker down: the row stays for the sweep
                self.in_flight.pop(message_id, None)
                self._record_failure(row_id, error)
                log.warning("outbox.publish_failed", outbox_id=row_id, error=repr(error))
                break
            published.append(row_id)
        if published and not self.confirm_on_delivery:
            self._mark_published(published)
        return len(published)

    def serialize(self, envelope: dict[str, Any]) -> str:
        """The envelope as published: stamped with this outbox's queue (rows written without a runtime, by a
        CLI command, do not know it)."""
        return _dumps({**envelope, "source": self.source} if self.source else envelope)

    def sweep(self) -> int:
        """Republish rows that stayed unsent longer than the grace period (the relay missed them)."""
        return self.publish_pending(None)

    def confirm_delivered(self, message_id: str) -> bool:
        """In-process broker only: the worker handled `message_id`; True if it was this outbox's."""
        row_id = self.in_flight.pop(message_id, None)
        if row_id is None:
            return False
        self._mark_published([row_id], settled=True)  # handled (or given up on) is what a receipt would say
        return True

    def lag_seconds(self) -> float:
        """Age of the oldest unsent message (0 when everything is out): the outbox-lag metric."""
        m = self.model
        query = select(col(m.created_at)).where(col(m.published_at).is_(None)).order_by(col(m.id)).limit(1)
        with Session(self.engine) as session:
            oldest = session.execute(query).scalar()
        return 0.0 if oldest is None else max(0.0, (self.clock() - oldest).total_seconds())

    def _load_unsent(self, ids: list[int] | None, limit: int) -> list[tuple[int, str, dict[str, Any]]]:
        m = self.model
        query = select(col(m.id), col(m.message_type), col(m.envelope)).where(col(m.published_at).is_(None))
        if ids is not None:
            query = query.where(col(m.id).in_(ids))
        else:
            query = query.where(col(m.created_at) < self.clock() - self.sweep_grace)
        with Session(self.engine) as session:
            rows = session.execute(query.order_by(col(m.id)).limit(limit)).all()
        return [(int(row[0]), str(row[1]), dict(row[2])) for row in rows]

    def _mark_published(self, row_ids: list[int], *, settled: bool = False) -> None:
        now = self.clock()
        values = {"published_at": now, "settled_at": now} if settled else {"published_at": now}
        with transaction(self.engine) as session:
            session.execute(update(self.model).where(col(self.model.id).in_(row_ids)).values(**values))

    def _record_failure(self, row_id: int, error: Exception) -> None:
        m = self.model
        with transaction(self.engine) as session:
            session.execute(
                update(m)
                .where(col(m.id) == row_id)
                .values(publish_attempts=col(m.publish_attempts) + 1, last_error=repr(error)[:2000])
            )


def _dumps(envelope: dict[str, Any]) -> str:
    return json.dumps(envelope, separators=(",", ":"))


def _committed_on_event_loop(session: Session) -> bool:
    """The sync session inside an AsyncSession (its engine speaks an async driver) commits on the event loop.

    Asked of the session, not of asyncio: a thread may have a loop registered that is not running right now
    (Playwright's sync API leaves one in the main thread), and work handed to it would never run."""
    try:
        return bool(session.get_bind().dialect.is_async)
    except UnboundExecutionError:
        return False


def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
