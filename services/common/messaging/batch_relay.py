"""The batch relay: publishes what committed requests hand it, many at a time, off their critical path.

A hot path that wrote its outbox row with Core (not through `Outbox.add`) already holds the envelope it
stored, so there is nothing to read back: after its commit it hands the relay (row id, type, JSON) and
answers at once. One thread per relay drains everything handed in meanwhile: one Redis pipeline for the
whole batch, then one UPDATE marking the rows published. Under load the batches grow by themselves (the
thread takes what piled up while it was busy); idle, a batch is one message.

Delivery is the outbox's, unchanged: a row is marked published only after Redis took it. A process that dies
with a batch in hand, a broker that refuses it or a relay switched off (`Outbox.relay_enabled`) leaves the
rows unpublished, and the outbox sweep sends them after its grace period; settlement re-sends whatever the
consumer never acknowledged. A message may therefore go out twice; consumers are idempotent.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

import structlog
from sqlalchemy import Connection, bindparam, update

from services.common.messaging.broker import publish_envelopes
from services.common.messaging.outbox import Outbox

log = structlog.get_logger(__name__)

MAX_BATCH = 500
IDLE_SECONDS = 30.0  # an idle relay's thread ends (tests build many runtimes); the next `hold` starts one
# A busy relay keeps its PostgreSQL connection from one batch to the next (a checkout and a return cost a third
# of the batch's UPDATE in CPU) and gives it back to the pool after this long without a batch.
KEEP_CONNECTION_SECONDS = 1.0


@dataclass(frozen=True)
class Held:
    """One committed outbox row and the exact envelope JSON to publish for it."""

    row_id: int
    message_type: str
    envelope_json: str


class BatchRelay:
    """Publishes held rows of one outbox from a thread of its own; `hold` never blocks on I/O."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        table = outbox.model.__table__  # type: ignore[attr-defined]
        # Core on a plain connection, one statement built once: the ORM's bulk UPDATE cost more CPU than the
        # rest of the batch (its session, per-call compile-cache lookups and synchronize-session machinery).
        self._mark = (
            update(table).where(table.c.id.in_(bindparam("ids", expanding=True))).values(published_at=bindparam("at"))
        )
        self._pending: list[Held] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._marker: Connection | None = None  # the relay thread's own, between batches (PostgreSQL only)

    def hold(self, held: Held) -> None:
        """Publish `held` soon (its transaction has committed)."""
        if not self.outbox.relay_enabled:
            return  # tests simulate a crash between commit and publish; the sweep takes the row
        with self._lock:
            self._pending.append(held)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="okno-batch-relay", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            woken = self._wake.wait(IDLE_SECONDS if self._marker is None else KEEP_CONNECTION_SECONDS)
            self._wake.clear()
            while batch := self._take():
                self.publish(batch)
            if not woken and self._marker is not None:  # quiet for a moment: the connection goes back first
                self._release_marker()
            elif not woken:
                with self._lock:  # `hold` starts a new thread once this one has said so under the lock
                    if not self._pending:
                        self._thread = None
                        return

    def _take(self) -> list[Held]:
        with self._lock:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        return batch

    def publish(self, batch: list[Held]) -> None:
        """One pipeline, one UPDATE; on any failure the rows stay unpublished for the sweep."""
        ids = [held.row_id for held in batch]
        try:
            if self.outbox.before_publish is not None:
                self.outbox.before_publish(ids)
            if self.outbox.confirm_on_delivery:  # the in-process broker: rows are marked when handled
                self.outbox.publish_pending(ids)
                return
            publish_envelopes(self.outbox.broker, [(held.message_type, held.envelope_json) for held in batch])
            self._mark_published(ids)
        except Exception as error:  # broker or database down: the sweep publishes these rows later
            log.warning("outbox.batch_relay_failed", count=len(ids), first_outbox_id=ids[0], error=repr(error))

    def _mark_published(self, ids: list[int]) -> None:
        engine = self.outbox.engine
        values = {"ids": ids, "at": self.outbox.clock()}
        if engine.dialect.name == "postgresql" and threading.current_thread() is self._thread:
            # One UPDATE is atomic by itself: in autocommit it is one round trip, not BEGIN, UPDATE, COMMIT.
            # (Not on SQLite: resetting AUTOCOMMIT on return would undo the engine's BEGIN IMMEDIATE set-up.)
            if self._marker is None:
                self._marker = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                self._marker.execute(self._mark, values)
            except Exception:
                self._release_marker()  # a broken connection is not kept for the next batch
                raise
            return
        if engine.dialect.name == "postgresql":  # `publish` called from another thread: a connection of its own
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(self._mark, values)
            return
        with engine.begin() as connection:
            connection.execute(self._mark, values)

    def _release_marker(self) -> None:
        marker, self._marker = self._marker, None
        if marker is not None:
            with contextlib.suppress(Exception):  # a dead connection: the pool has already let it go
                marker.close()
