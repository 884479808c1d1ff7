"""Transactional outbox: a message row commits with the state change; a relay publishes after commit.

The relay publishes right after the commit; a periodic sweep republishes whatever is still unsent (broker
down, process killed between commit and publish). Both may publish a row twice; consumers are idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import dramatiq
import structlog
from pydantic import BaseModel
from sqlalchemy import Engine, event, select, update
from sqlmodel import Session

from contracts.envelope import Envelope
from services.common.clock import Clock, utc_now
from services.common.db import is_sqlite, transaction
from services.common.logs import current_request_id
from services.common.messaging.broker import publish_envelope
from services.common.messaging.tables import OutboxColumns

log = structlog.get_logger(__name__)
_PENDING_KEY = "okno_outbox_pending"


def new_envelope(message_type: str, tenant: str, payload: BaseModel, *, now: datetime) -> Envelope[Any]:
    return Envelope[Any](
        message_type=message_type,
        tenant=tenant,
        occurred_at=now,
        request_id=current_request_id(),
        payload=payload,
    )


class Outbox:
    """One service's outbox: `add` inside a transaction, `publish_pending` after it, `sweep` periodically."""

    def __init__(
        self,
        model: type[OutboxColumns],
        engine: Engine,
        broker: dramatiq.Broker,
        *,
        clock: Clock = utc_now,
        sweep_grace: timedelta = timedelta(seconds=10),
    ) -> None:
        self.model = model
        self.engine = engine
        self.broker = broker
        self.clock = clock
        self.sweep_grace = sweep_grace
        # Tests switch this off to simulate a crash between commit and publish.
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
            envelope=json.loads(envelope.model_dump_json()),
            created_at=self.clock(),
        )
        session.add(row)
        session.flush()
        pending: list[int] = session.info.setdefault(_PENDING_KEY, [])
        if not pending:
            event.listen(session, "after_commit", self._after_commit, once=True)
            event.listen(session, "after_rollback", _forget_pending, once=True)
        assert row.id is not None
        pending.append(row.id)
        return envelope

    def _after_commit(self, session: Session) -> None:
        ids: list[int] = session.info.pop(_PENDING_KEY, [])
        if ids and self.relay_enabled:
            self.publish_pending(ids)

    def publish_pending(self, ids: list[int] | None = None, *, limit: int = 500) -> int:
        """Publish unsent rows (the given ones, or the oldest); returns how many were published."""
        if self.before_publish is not None and ids is not None:
            self.before_publish(ids)
        rows = self._load_unsent(ids, limit)
        published: list[int] = []
        for row_id, message_type, envelope in rows:
            try:
                publish_envelope(self.broker, message_type, json.dumps(envelope))
            except Exception as error:  # broker down: the row stays for the sweep
                self._record_failure(row_id, error)
                log.warning("outbox.publish_failed", outbox_id=row_id, error=repr(error))
                break
            published.append(row_id)
        if published:
            with transaction(self.engine) as session:
                session.execute(
                    update(self.model)
                    .where(self.model.id.in_(published))  # type: ignore[union-attr]
                    .values(published_at=self.clock())
                )
        return len(published)

    def sweep(self) -> int:
        """Republish rows that stayed unsent longer than the grace period (the relay missed them)."""
        return self.publish_pending(None)

    def _load_unsent(self, ids: list[int] | None, limit: int) -> list[tuple[int, str, dict[str, Any]]]:
        m = self.model
        query = select(m.id, m.message_type, m.envelope).where(m.published_at.is_(None))  # type: ignore[union-attr,attr-defined]
        if ids is not None:
            query = query.where(m.id.in_(ids))  # type: ignore[union-attr]
        else:
            query = query.where(m.created_at < self.clock() - self.sweep_grace)
        query = query.order_by(m.id).limit(limit)  # type: ignore[arg-type]
        with Session(self.engine) as session:
            return [(int(r[0]), str(r[1]), dict(r[2])) for r in session.execute(query).all()]

    def _record_failure(self, row_id: int, error: Exception) -> None:
        with transaction(self.engine) as session:
            session.execute(
                update(self.model)
                .where(self.model.id == row_id)  # type: ignore[arg-type]
                .values(
                    publish_attempts=self.model.publish_attempts + 1,
                    last_error=repr(error)[:2000],
                )
            )

    def lag_seconds(self) -> float:
        """Age of the oldest unsent message (0 when everything is out): the outbox-lag metric."""
        m = self.model
        with Session(self.engine) as session:
            oldest = session.execute(
                select(m.created_at).where(m.published_at.is_(None)).order_by(m.id).limit(1)  # type: ignore[union-attr,arg-type]
            ).scalar()
        return 0.0 if oldest is None else max(0.0, (self.clock() - oldest).total_seconds())

    @property
    def uses_sqlite(self) -> bool:
        return is_sqlite(self.engine)


def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
