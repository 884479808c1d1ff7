"""Group commit: the messages a worker's threads hold for one actor are applied together, one transaction per
batch instead of one per message.

Each dramatiq worker thread keeps owning its message. It hands the message over and waits; one of the
waiting threads at a time leads: it takes up to `limit` waiting messages, applies them in one transaction and
wakes their threads, which then return (dramatiq acks) or raise (dramatiq retries and finally dead-letters,
as for any consumer). Leadership then passes to the oldest message still waiting, so no thread leads for
long and an idle queue still applies each message at once (a batch of one). Nothing waits for a batch to
fill: a batch is whatever arrived while the previous one was being applied.

Guarantees, as with one transaction per message (`consumers.consume_once`):
- exactly once: the batch's inbox rows are inserted first (`ON CONFLICT DO NOTHING`; a message applied
  before, or twice in the batch, is applied once) and commit with the effects, or not at all;
- nothing lost: a message is acked only after its batch committed; a worker killed mid-batch acks none of
  them, Redis hands them out again and the inbox decides;
- a bad message fails alone: if anything in the batch fails (a handler's error, a deadlock with another
  batch, a constraint at commit) the whole transaction is rolled back and every message of the batch is
  applied again alone, each in its own thread and transaction, so only the bad one raises;
- order: a batch applies its messages in arrival order in one session, so a later message sees what an
  earlier one wrote (handlers that must not let an older version win check versions, as they must anyway
  with several worker threads and processes).

An actor may also apply a whole batch at once (`apply_many`, given each message's `item`): set-based
statements, one per table per batch instead of one per message (order_confirm's snapshot intake). The
guarantees above hold unchanged: it runs in the batch's transaction, on the messages not applied before,
in arrival order, and if it fails every message is applied again alone by its `apply`. Such an actor's batch
of one goes through `apply_many` too, so its hot path is one code path whatever the load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from services.common.clock import utc_now
from services.common.messaging.tables import InboxColumns

log = structlog.get_logger(__name__)

Apply = Callable[[Session], None]
# A waiting thread wakes this often: dramatiq's asynchronous interrupts (time limit, shutdown) reach a thread
# only when it runs Python code, never inside an untimed wait.
_INTERRUPTIBLE_EVERY_SECONDS = 1.0
ApplyAlone = Callable[[str, Apply], bool]
# Applies the items of a batch's fresh messages (arrival order, each once) in the batch's session.
ApplyMany = Callable[[Session, list[Any]], None]


@dataclass(eq=False)
class _Held:
    """One thread's message while it waits for its batch."""

    message_id: str
    apply: Apply
    item: object = None  # what `apply_many` takes of this message (None: applied by `apply` only)
    wake: threading.Event = field(default_factory=threading.Event)
    settled: bool = False
    applied: bool = False
    alone: bool = False  # its batch failed: the thread applies it in a transaction of its own
    error: BaseException | None = None

    def settle(self, *, applied: bool = False, alone: bool = False, error: BaseException | None = None) -> None:
        self.applied, self.alone, self.error, self.settled = applied, alone, error, True
        self.wake.set()


class GroupCommit:
    """One actor's batches. `apply_alone` is the one-transaction-per-message path (`consume_once`)."""

    def __init__(
        self,
        engine: Engine,
        inbox_model: type[InboxColumns],
        actor: str,
        apply_alone: ApplyAlone,
        *,
        limit: int,
        apply_many: ApplyMany | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError("a batch holds at least one message")
        self.engine = engine
        self.inbox_model = inbox_model
        self.actor = actor
        self.apply_alone = apply_alone
        self.limit = limit
        self.apply_many = apply_many
        self._lock = threading.Lock()
        self._waiting: list[_Held] = []
        self._leading = False  # invariant: False only while nothing waits

    @property
    def waiting(self) -> int:
        """Messages handed over and not yet taken into a batch."""
        with self._lock:
            return len(self._waiting)

    def submit(self, message_id: str, apply: Apply, item: object = None) -> bool:
        """Apply one message within a batch; False (nothing applied) for a message applied before. Returns
        once the batch is committed; raises what the message's handler raised. `item`: this message for
        `apply_many`."""
        held = _Held(message_id, apply, item)
        with self._lock:
            self._waiting.append(held)
            if not self._leading:
                self._leading = True
                held.wake.set()
        try:
            while not held.wake.wait(timeout=_INTERRUPTIBLE_EVERY_SECONDS):
                pass
        except BaseException:  # dramatiq interrupts a thread past its time limit, or at shutdown
            self._withdraw(held)
            raise
        if not held.settled:  # woken to lead: it is the oldest waiting message, so in the batch it takes
            self._lead()
        if held.error is not None:
            raise held.error
        if held.alone:
            return self.apply_alone(message_id, apply)
        return held.applied

    def _withdraw(self, held: _Held) -> None:
        """An interrupted thread's message leaves the queue (dramatiq retries it); if it had just been made
        leader, the lead passes on, or every later message would wait for a leader that never comes."""
        with self._lock:
            if held not in self._waiting:
                return  # taken into a batch: its leader settles it, and the inbox keeps its retry a no-op
            was_head = self._waiting[0] is held
            self._waiting.remove(held)
            if was_head and held.wake.is_set():
                if self._waiting:
                    self._waiting[0].wake.set()
                else:
                    self._leading = False

    def _lead(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting[: self.limit], self._waiting[self.limit :]
        try:
            if len(batch) == 1 and self.apply_many is None:  # the plain path, still leading meanwhile
                self._apply_one(batch[0])
            else:
                self._apply(batch)
        finally:
            for held in batch:
                if not held.settled:  # the leader was interrupted (shutdown, time limit)
                    held.settle(alone=True)
            with self._lock:
                if self._waiting:
                    self._waiting[0].wake.set()
                else:
                    self._leading = False

    def _apply_one(self, held: _Held) -> None:
        try:
            applied = self.apply_alone(held.message_id, held.apply)
        except Exception as error:  # raised in its own thread: the one leading is the one that holds it
            held.settle(error=error)
        else:
            held.settle(applied=applied)

    def _apply(self, batch: list[_Held]) -> None:
        applied: set[str] = set()
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                fresh = self._record(session, batch)
                to_apply: list[_Held] = []
                for held in batch:
                    if held.message_id in fresh and held.message_id not in applied:
                        to_apply.append(held)
                        applied.add(held.message_id)
                self._apply_in(session, to_apply)
                session.commit()
        except Exception as error:  # whichever message or the commit failed: each alone decides
            log.warning(
                "message.batch_failed_applying_one_by_one",
                actor=self.actor,
                size=len(batch),
                error=error.__class__.__name__,
            )
            for held in batch:
                held.settle(alone=True)
            return
        seen: set[str] = set()
        for held in batch:
            held.settle(applied=held.message_id in applied and held.message_id not in seen)
            seen.add(held.message_id)

    def _apply_in(self, session: Session, messages: list[_Held]) -> None:
        if self.apply_many is not None and messages and all(held.item is not None for held in messages):
            self.apply_many(session, [held.item for held in messages])
            return
        for held in messages:
            held.apply(session)

    def _record(self, session: Session, batch: list[_Held]) -> set[str]:
        """Insert the batch's inbox rows; the ids that were not there yet (the messages to apply). Sorted, so
        two batches sharing a message lock their rows in the same order."""
        now = utc_now()
        ids = sorted({held.message_id for held in batch})
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        table = self.inbox_model.__table__  # type: ignore[attr-defined]  # a table model
        insert = dialect.insert(table).on_conflict_do_nothing().returning(table.c.message_id)
        # Compiled once and written as one multi-row INSERT ("insertmanyvalues"), outside the ORM's bookkeeping;
        # in no particular order (asking for the rows' order would send them one by one: the key is not a serial).
        rows = [{"message_id": i, "actor_name": self.actor, "processed_at": now} for i in ids]
        return set(session.connection().execute(insert, rows).scalars())
