"""Dead letters: messages whose retries are exhausted are kept with their error, listable and replayable."""

from __future__ import annotations

import json
from typing import Any

import dramatiq
import structlog
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware, Retries
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from services.common.clock import Clock, utc_now
from services.common.db import transaction
from services.common.messaging.tables import DeadLetterColumns

log = structlog.get_logger(__name__)

# Set on a message once its dead letter is stored: only then may its consumer report it settled.
DEAD_LETTERED = "okno_dead_lettered"


class DeadLetterNotFound(LookupError):
    pass


class DeadLetters:
    """One service's dead-letter list."""

    def __init__(self, model: type[DeadLetterColumns], engine: Engine, *, clock: Clock = utc_now) -> None:
        self.model = model
        self.engine = engine
        self.clock = clock

    def record(self, message: MessageProxy, error: str) -> None:
        envelope = json.loads(message.args[0]) if message.args else {}
        with transaction(self.engine) as session:
            session.add(
                self.model(
                    message_id=str(envelope.get("message_id", message.message_id)),
                    message_type=str(envelope.get("message_type", "")),
                    tenant=str(envelope.get("tenant", "")),
                    queue_name=message.queue_name,
                    actor_name=message.actor_name,
                    envelope=envelope,
                    error=error[-8000:],
                    retries=int(message.options.get("retries", 0)),
                    failed_at=self.clock(),
                )
            )
        log.error(
            "message.dead_lettered",
            message_id=envelope.get("message_id"),
            actor=message.actor_name,
        )

    def list(
        self,
        *,
        tenant: str | None = None,
        include_replayed: bool = False,
        limit: int = 100,
    ) -> list[DeadLetterColumns]:
        query = select(self.model).order_by(col(self.model.id).desc()).limit(limit)
        if tenant is not None:
            query = query.where(col(self.model.tenant) == tenant)
        if not include_replayed:
            query = query.where(col(self.model.replayed_at).is_(None))
        with Session(self.engine) as session:
            return list(session.execute(query).scalars().all())

    def replay(self, broker: dramatiq.Broker, dead_letter_id: int, *, tenant: str | None = None) -> DeadLetterColumns:
        """Send the original envelope to the same actor again, with a fresh retry budget."""
        with transaction(self.engine) as session:
            row = session.get(self.model, dead_letter_id)
            if row is None or (tenant is not None and row.tenant != tenant):
                raise DeadLetterNotFound(dead_letter_id)
            broker.enqueue(
                dramatiq.Message(
                    queue_name=row.queue_name,
                    actor_name=row.actor_name,
                    args=(json.dumps(row.envelope),),
                    kwargs={},
                    options={},
                )
            )
            row.replayed_at = self.clock()
            row.replay_count += 1
            session.add(row)
        return row


class DeadLetterMiddleware(Middleware):
    """Runs after dramatiq's Retries: when it gives up on a message, the owning service records it."""

    def __init__(self) -> None:
        self.by_queue: dict[str, DeadLetters] = {}

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or not message.failed:
            return
        dead_letters = self.by_queue.get(message.queue_name.removesuffix(".DQ"))
        if dead_letters is None:
            return
        error = str(message.options.get("traceback") or repr(exception))
        dead_letters.record(message, error)
        message.options[DEAD_LETTERED] = True


def attach_dead_letters(broker: dramatiq.Broker, queue: str, dead_letters: DeadLetters) -> None:
    for middleware in broker.middleware:
        if isinstance(middleware, DeadLetterMiddleware):
            middleware.by_queue[queue] = dead_letters
            return
    middleware = DeadLetterMiddleware()
    middleware.by_queue[queue] = dead_letters
    # "after" hooks run in reverse order: sitting before Retries, this one sees its verdict.
    broker.add_middleware(middleware, before=Retries)
