"""Transactional outbox: a message row commits with the state change; a relay publishes after commit.

The relay publishes right after the commit; a periodic sweep republishes whatever is still unsent (broker
down, process killed between commit and publish). Both may publish a row twice; consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import dramatiq
import structlog
from pydantic import BaseModel
from sqlalchemy import Engine, any_, bindparam, event, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import UnboundExecutionError
from sqlmodel import Session, col

from contracts.envelope import Envelope
from services.common.bulk import copy_rows, is_one_of, next_ids, supports_copy
from services.common.clock import Clock, utc_now
from services.common.db import transaction
from services.common.logs import current_request_id
from services.common.messaging.backlog import Backlog
from services.common.messaging.broker import publish_envelope, publish_envelopes
from services.common.messaging.tables import OutboxColumns
from services.common.random_ids import random_uuid_strings, random_uuids

log = structlog.get_logger(__name__)
_READ_BACK = 500  # rows per relay batch: one read (if not held), one pipeline, one UPDATE
# Rows in hand per pipeline and UPDATE: an ERP pull's page of up to 1 000 in one (one commit per page, not two);
# ~2 MB of envelopes at most.
_HELD_BATCH = 1_000
_PENDING_KEY = "okno_outbox_pending"
_HELD_KEY = "okno_outbox_held"  # row id -> (message type, envelope JSON) of rows `add_many` wrote
_COPIED_COLUMNS = (
    "id",
    "message_id",
    "message_type",
    "tenant",
    "envelope",
    "created_at",
    "publish_attempts",
    "republish_count",
)
_SCHEMA_VERSION = Envelope.model_fields["schema_version"].default
_BLANK_ID = uuid.UUID(int=0)


# A committed outbox row in hand: (row id, message type, envelope JSON as published).
HeldRow = tuple[int, str, str]


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
        # In-process delivery: rows waiting for room in the broker's memory (backlog.py).
        self.backlog: Backlog | None = None
        # Core statements built once: the ORM's bulk UPDATE cost more CPU than a page's Redis pipeline.
        table = model.__table__  # type: ignore[attr-defined]
        ids = table.c.id
        if engine.dialect.name == "postgresql":  # one array parameter, not a placeholder per id
            member = ids == any_(bindparam("ids", type_=ARRAY(ids.type)))
        else:
            member = ids.in_(bindparam("ids", expanding=True))
        self._mark = update(table).where(member).values(published_at=bindparam("at"))
        self._settle = update(table).where(member).values(published_at=bindparam("at"), settled_at=bindparam("at"))

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
        envelopes, held = self._insert_many(session, message_type, tenant, payloads)
        # The batch is in hand: the relay publishes it as written instead of reading every row back.
        in_hand: dict[int, tuple[str, str]] = session.info.setdefault(_HELD_KEY, {})
        in_hand.update((row_id, (kind, body)) for row_id, kind, body in held)
        self._publish_after_commit(session, [row_id for row_id, _, _ in held])
        return envelopes

    def write_many_json(
        self, session: Session, message_type: str, tenant: str, payloads: Sequence[str]
    ) -> list[HeldRow]:
        """`add_many` without the relay, for payloads already serialized (each a model's `model_dump_json`): the
        caller hands the rows to `relay` once its transaction committed (an ERP pull relays page N from a thread
        while it writes page N + 1, its snapshots prepared as JSON in another process). Rows never handed over
        (a crash) are the sweep's, like any other unpublished row."""
        return self._written_bodies(session, message_type, tenant, payloads)

    def relay(self, held: Sequence[HeldRow]) -> None:
        """Publish committed rows from `write_many_json`, as the relay would have after the commit."""
        if not held or not self.relay_enabled:
            return
        if self.confirm_on_delivery:
            self._publish_committed([row_id for row_id, _, _ in held], {})
        else:
            self.publish_held(held)

    def _insert_many(
        self, session: Session, message_type: str, tenant: str, payloads: Sequence[BaseModel]
    ) -> tuple[list[Envelope[Any]], list[HeldRow]]:
        if not payloads:
            return [], []
        now = self.clock()
        # Stamped with the source already, so the row holds exactly what is published (one serialization);
        # built without validation: every field is typed here and each payload is a validated model. Every
        # field is given: `model_construct` inspects a default factory's signature on each call, which cost
        # more than the rest of the envelope (and one random read per page is cheaper than one per message).
        request_id, construct = current_request_id(), Envelope[Any].model_construct
        envelopes = [
            construct(
                message_id=message_id,
                message_type=message_type,
                tenant=tenant,
                occurred_at=now,
                schema_version=_SCHEMA_VERSION,
                request_id=request_id,
                source=self.source,
                payload=payload,
            )
            for message_id, payload in zip(random_uuids(len(payloads)), payloads, strict=True)
        ]
        bodies = [(str(e.message_id), e.model_dump_json()) for e in envelopes]
        return envelopes, self._write_rows(session, message_type, tenant, bodies, now)

    def _written_bodies(
        self, session: Session, message_type: str, tenant: str, payloads: Sequence[str]
    ) -> list[HeldRow]:
        """`_insert_many` without an `Envelope` per message: each envelope's JSON is its payload's JSON inside
        the frame the batch shares (the same bytes `model_dump_json` gives: tests/common/test_outbox_frame.py),
        about half the envelope's serializing CPU on an ERP pull's page."""
        if not payloads:
            return []
        now = self.clock()
        frame = envelope_frame(message_type, tenant, now, current_request_id(), self.source)
        ids = random_uuid_strings(len(payloads))
        bodies = [
            (message_id, f'{{"message_id":"{message_id}",{frame}{payload}}}')
            for message_id, payload in zip(ids, payloads, strict=True)
        ]
        return self._write_rows(session, message_type, tenant, bodies, now)

    def _write_rows(
        self, session: Session, message_type: str, tenant: str, bodies: list[tuple[str, str]], now: datetime
    ) -> list[HeldRow]:
        """One row per (message id, envelope JSON), in one COPY (PostgreSQL) or one multi-row INSERT."""
        if supports_copy(session):
            ids = next_ids(session, self.model, len(bodies))
            copy_rows(
                session,
                self.model,
                _COPIED_COLUMNS,
                (
                    (row_id, message_id, message_type, tenant, body, now, 0, 0)
                    for row_id, (message_id, body) in zip(ids, bodies, strict=True)
                ),
            )
        else:
            rows = [
                {
                    "message_id": message_id,
                    "message_type": message_type,
                    "tenant": tenant,
                    "envelope": json.loads(body),
                    "created_at": now,
                }
                for message_id, body in bodies
            ]
            inserted = session.scalars(insert(self.model).returning(col(self.model.id)), rows).all()
            ids = [row_id for row_id in inserted if row_id is not None]
        return [(row_id, message_type, body) for row_id, (_, body) in zip(ids, bodies, strict=True)]

    def _publish_after_commit(self, session: Session, ids: list[int]) -> None:
        pending: list[int] = session.info.setdefault(_PENDING_KEY, [])
        if not pending:
            event.listen(session, "after_commit", self._after_commit, once=True)
            event.listen(session, "after_rollback", _forget_pending, once=True)
        pending.extend(ids)

    def _after_commit(self, session: Session) -> None:
        ids: list[int] = session.info.pop(_PENDING_KEY, [])
        held: dict[int, tuple[str, str]] = session.info.pop(_HELD_KEY, {})
        if ids and self.relay_enabled:
            # The session still holds its connection during after_commit; publishing there needs a second
            # one, and under load every pooled connection ends up waiting for a second (pool starvation).
            # after_transaction_end of the root transaction runs once its connection is back in the pool.
            on_loop = _committed_on_event_loop(session)
            event.listen(session, "after_transaction_end", lambda *_: self._relay(ids, held, on_loop), once=True)

    def _relay(self, ids: list[int], held: dict[int, tuple[str, str]], on_loop: bool) -> None:
        if not on_loop:  # a sync session in a worker or threadpool thread: publish right here
            self._publish_committed(ids, held)
            return
        # An AsyncSession committed on the event loop: the relay's sync reads, writes and broker call would
        # block the loop (on SQLite, while another request's transaction waits for the loop to finish).
        asyncio.get_running_loop().run_in_executor(None, self._publish_committed, ids, held)

    def _publish_committed(self, ids: list[int], held: dict[int, tuple[str, str]]) -> None:
        """Rows held in memory go out in one pipeline and one UPDATE; the rest are read back, all of them."""
        rest = ids
        if held and not self.confirm_on_delivery:  # in-process delivery marks rows as the worker handles them
            mine = [i for i in ids if i in held]
            rest = [i for i in ids if i not in held]
            self.publish_held([(i, *held[i]) for i in mine])
        for start in range(0, len(rest), _READ_BACK):
            self.publish_pending(rest[start : start + _READ_BACK], limit=_READ_BACK)

    def publish_held(self, rows: Sequence[HeldRow]) -> None:
        """Publish committed rows (id, message type, envelope JSON as published) in batches: one Redis
        pipeline and one UPDATE each. On failure the rest stay unpublished for the sweep."""
        for start in range(0, len(rows), _HELD_BATCH):
            batch = rows[start : start + _HELD_BATCH]
            row_ids = [row_id for row_id, _, _ in batch]
            try:
                if self.before_publish is not None:
                    self.before_publish(row_ids)
                publish_envelopes(self.broker, [(message_type, body) for _, message_type, body in batch])
            except Exception as error:  # broker down: these rows and the ones after them wait for the sweep
                log.warning("outbox.publish_failed", count=len(row_ids), first_outbox_id=row_ids[0], error=repr(error))
                return
            self._mark_published(row_ids)

    def publish_pending(self, ids: list[int] | None = None, *, limit: int = 500) -> int:
        """Publish unsent rows (the given ones, or the oldest past the grace period); returns how many. With
        in-process delivery, rows beyond the room in the broker's memory wait in `backlog` (published later)."""
        if self.before_publish is not None and ids is not None:
            self.before_publish(ids)
        if self.backlog is None:
            return self._publish_unsent(ids, limit)
        if ids is not None:  # in-process delivery: they go out as the broker's memory has room
            return self.backlog.add(ids, self._publish_unsent)
        with self.backlog.publishing:
            published = self._publish_unsent(None, min(limit, self.backlog.room()))
        return published + self.backlog.release(self._publish_unsent)

    def _publish_unsent(self, ids: list[int] | None, limit: int | None = None) -> int:
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
        if self.backlog is not None:
            self.backlog.release(self._publish_unsent)
        return True

    def lag_seconds(self) -> float:
        """Age of the oldest unsent message (0 when everything is out): the outbox-lag metric."""
        m = self.model
        query = select(col(m.created_at)).where(col(m.published_at).is_(None)).order_by(col(m.id)).limit(1)
        with Session(self.engine) as session:
            oldest = session.execute(query).scalar()
        return 0.0 if oldest is None else max(0.0, (self.clock() - oldest).total_seconds())

    def _load_unsent(self, ids: list[int] | None, limit: int | None) -> list[tuple[int, str, dict[str, Any]]]:
        m = self.model
        query = select(col(m.id), col(m.message_type), col(m.envelope)).where(col(m.published_at).is_(None))
        with Session(self.engine) as session:
            if ids is not None:
                query = query.where(is_one_of(session, col(m.id), ids))
            else:
                query = query.where(col(m.created_at) < self.clock() - self.sweep_grace)
            rows = session.execute(query.order_by(col(m.id)).limit(limit)).all()
        return [(int(row[0]), str(row[1]), dict(row[2])) for row in rows]

    def _mark_published(self, row_ids: list[int], *, settled: bool = False) -> None:
        with self.engine.begin() as connection:
            connection.execute(self._settle if settled else self._mark, {"ids": row_ids, "at": self.clock()})

    def _record_failure(self, row_id: int, error: Exception) -> None:
        m = self.model
        with transaction(self.engine) as session:
            session.execute(
                update(m)
                .where(col(m.id) == row_id)
                .values(publish_attempts=col(m.publish_attempts) + 1, last_error=repr(error)[:2000])
            )


def envelope_frame(message_type: str, tenant: str, now: datetime, request_id: str | None, source: str | None) -> str:
    """The envelope's JSON between its `message_id` and its payload's value, from the model itself (a new
    field lands here by itself): `{"message_id":"<id>",` + frame + payload JSON + `}` is `model_dump_json`."""
    blank = (
        Envelope[Any]
        .model_construct(
            message_id=_BLANK_ID,
            message_type=message_type,
            tenant=tenant,
            occurred_at=now,
            schema_version=_SCHEMA_VERSION,
            request_id=request_id,
            source=source,
            payload=None,
        )
        .model_dump_json()
    )
    head, tail = f'{{"message_id":"{_BLANK_ID}",', "null}"
    if not (blank.startswith(head) and blank.endswith(tail)):  # the fields were reordered: framing is wrong
        raise RuntimeError(f"Envelope's JSON no longer starts with message_id and ends with payload: {blank}")
    return blank[len(head) : -len(tail)]


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
    session.info.pop(_HELD_KEY, None)
