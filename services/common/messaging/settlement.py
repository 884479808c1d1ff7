"""Settlement: a published message is done when its consumer says so; what none settled is sent again.

That Redis took a message proves little: a Redis that comes back empty (no AOF, a failover to an empty
replica, FLUSHALL) loses every message it held, and the outbox had marked them published (issue 12). So:

- every published envelope names its publisher (`source`: the publisher's queue, stamped by the outbox);
- a consumer's worker, once a message is applied (or seen again: the inbox said it was applied) or recorded
  as a dead letter, sends the publisher a receipt (`messages.settled`, contracts/receipts.py), batched;
- the publisher marks those outbox rows settled, and `Settlement.republish_unsettled` (a periodic job)
  publishes again every row published longer than the grace period ago without a receipt, counting it
  (`republish_count`: `/metrics`, `okno check`).

Services never read each other's database: the consumer's inbox is the truth, and the receipt is an
ordinary contracts message. A lost receipt costs one duplicate (the consumer ignores it and answers with a
receipt again), never a lost message. The grace period must exceed the consumer's whole retry span, or a
message still being retried is sent twice (harmless, but noise).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import dramatiq
import structlog
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware
from sqlalchemy import func, select, update
from sqlmodel import Session, col

from contracts.receipts import MAX_RECEIPT_IDS, MessagesSettled
from contracts.routing import RECEIPT_TYPE, Queue, receipt_route
from services.common.db import transaction
from services.common.messaging.broker import is_redis_broker, publish_envelope
from services.common.messaging.consumers import RetryOptions
from services.common.messaging.dead_letters import DEAD_LETTERED, DeadLetterMiddleware
from services.common.messaging.outbox import Outbox

log = structlog.get_logger(__name__)


class Settlement:
    """The publisher's side: receipts mark outbox rows settled; the reconciliation re-sends the rest."""

    def __init__(self, outbox: Outbox, grace: timedelta) -> None:
        self.outbox = outbox
        self.grace = grace

    def mark_settled(self, message_ids: list[str]) -> int:
        m = self.outbox.model
        with transaction(self.outbox.engine) as session:
            result = session.execute(
                update(m)
                .where(col(m.message_id).in_(message_ids), col(m.settled_at).is_(None))
                .values(settled_at=self.outbox.clock())
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def republish_unsettled(self, *, limit: int = 500) -> int:
        """Publish again the rows published before the grace period without a receipt; returns how many."""
        m = self.outbox.model
        now = self.outbox.clock()
        query = (
            select(col(m.id), col(m.message_type), col(m.envelope))
            .where(col(m.settled_at).is_(None), col(m.published_at) < now - self.grace)
            .order_by(col(m.id))
            .limit(limit)
            .with_for_update(skip_locked=True)  # two schedulers share the work instead of doubling it
        )
        republished: list[int] = []
        with transaction(self.outbox.engine) as session:
            for row_id, message_type, envelope in session.execute(query).all():
                try:
                    publish_envelope(self.outbox.broker, str(message_type), self.outbox.serialize(dict(envelope)))
                except Exception as error:  # broker down: the next run tries again
                    log.warning("outbox.republish_failed", outbox_id=row_id, error=error.__class__.__name__)
                    break
                republished.append(int(row_id))
            if republished:
                session.execute(
                    update(m)
                    .where(col(m.id).in_(republished))
                    .values(published_at=now, republish_count=col(m.republish_count) + 1)
                )
        if republished:
            log.warning("outbox.unsettled_republished", count=len(republished), grace_seconds=self.grace.seconds)
        return len(republished)

    def overdue(self, session: Session, now: datetime) -> int:
        """Rows published before the grace period without a receipt: what the next reconciliation re-sends."""
        m = self.outbox.model
        query = select(func.count()).where(col(m.settled_at).is_(None), col(m.published_at) < now - self.grace)
        return int(session.execute(query).scalar_one())

    def republished(self, session: Session) -> int:
        """Re-sends ever made (a row re-sent twice counts twice)."""
        m = self.outbox.model
        query = select(func.coalesce(func.sum(col(m.republish_count)), 0)).where(col(m.republish_count) > 0)
        return int(session.execute(query).scalar_one())


class Receipts:
    """The consumer's side: settled message ids, batched per publisher, sent by `flush` (about every second)."""

    def __init__(self, broker: dramatiq.Broker, *, max_pending: int = 100_000) -> None:
        self.broker = broker
        self.max_pending = max_pending
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], list[str]] = defaultdict(list)

    def settled(self, publisher: str, consumer: str, message_id: str) -> None:
        with self._lock:
            batch = self._pending[(publisher, consumer)]
            if len(batch) < self.max_pending:  # beyond it a receipt is dropped: one duplicate later, no loss
                batch.append(message_id)

    def flush(self) -> int:
        with self._lock:
            pending, self._pending = self._pending, defaultdict(list)
        sent = 0
        for (publisher, consumer), ids in pending.items():
            for start in range(0, len(ids), MAX_RECEIPT_IDS):
                chunk = ids[start : start + MAX_RECEIPT_IDS]
                try:
                    self._send(publisher, consumer, chunk)
                except Exception as error:  # Redis down: keep them for the next flush
                    log.warning("receipts.send_failed", publisher=publisher, error=error.__class__.__name__)
                    for message_id in ids[start:]:
                        self.settled(publisher, consumer, message_id)
                    break
                sent += len(chunk)
        return sent

    def _send(self, publisher: str, consumer: str, message_ids: list[str]) -> None:
        route = receipt_route(Queue(publisher))
        receipt = {"consumer": consumer, "message_ids": message_ids}
        self.broker.enqueue(
            dramatiq.Message(
                queue_name=route.queue.value,
                actor_name=route.actor_name,
                args=(json.dumps(receipt, separators=(",", ":")),),
                kwargs={},
                options={},
            )
        )


class ReceiptMiddleware(Middleware):
    """Notes every settled message of the worker and sends the receipts from a thread of its own."""

    def __init__(self, receipts: Receipts, flush_seconds: float = 1.0) -> None:
        self.receipts = receipts
        self.flush_seconds = flush_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if message.actor_name.endswith(f".{RECEIPT_TYPE}"):
            return
        if exception is not None and not (message.failed and message.options.get(DEAD_LETTERED)):
            return  # it will be retried, or its dead letter could not be stored: not settled
        envelope = _envelope_of(message)
        publisher, message_id = envelope.get("source"), envelope.get("message_id")
        if publisher in _QUEUES and message_id:
            self.receipts.settled(str(publisher), message.queue_name.removesuffix(".DQ"), str(message_id))

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="okno-receipts", daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.receipts.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.receipts.flush()


_QUEUES = {queue.value for queue in Queue}


def _envelope_of(message: MessageProxy) -> dict[str, Any]:
    try:
        envelope = json.loads(message.args[0]) if message.args else {}
    except (TypeError, ValueError):
        return {}
    return envelope if isinstance(envelope, dict) else {}


def bind_settlement(broker: dramatiq.Broker, queue: Queue, settlement: Settlement, retry: RetryOptions) -> None:
    """The receipts actor on the service's queue, and (on Redis) receipts for every message its worker settles.

    The in-process broker needs neither: its outbox marks a row settled when the worker has handled it."""
    route = receipt_route(queue)
    if route.actor_name not in broker.actors:

        def settle(receipt_json: str) -> None:
            receipt = MessagesSettled.model_validate_json(receipt_json)
            settlement.mark_settled([str(message_id) for message_id in receipt.message_ids])

        settle.__name__ = route.actor_name.replace(".", "_")
        dramatiq.Actor(
            settle,
            broker=broker,
            actor_name=route.actor_name,
            queue_name=queue.value,
            priority=0,
            options={
                "max_retries": retry.max_retries,
                "min_backoff": retry.min_backoff_ms,
                "max_backoff": retry.max_backoff_ms,
            },
        )
    if is_redis_broker(broker) and not any(isinstance(m, ReceiptMiddleware) for m in broker.middleware):
        # "after" hooks run in reverse order: sitting before the dead-letter middleware, this one sees
        # whether the dead letter was stored.
        before = DeadLetterMiddleware if any(isinstance(m, DeadLetterMiddleware) for m in broker.middleware) else None
        broker.add_middleware(ReceiptMiddleware(Receipts(broker)), before=before)
