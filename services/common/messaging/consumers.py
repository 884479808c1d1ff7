"""Idempotent consumers: each (message_id, actor) is applied once, in the same transaction as its effect.

A service declares handlers on a `ConsumerRegistry` at import time and binds them to a broker at start-up,
so no actor is tied to a global broker and tests can run several brokers side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import dramatiq
import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from contracts.envelope import RawEnvelope
from contracts.routing import MessageType, Queue, actor_name
from services.common.clock import utc_now
from services.common.messaging.group_commit import GroupCommit
from services.common.messaging.tables import InboxColumns

log = structlog.get_logger(__name__)

DepsT = TypeVar("DepsT")
PayloadT = TypeVar("PayloadT", bound=BaseModel)
Handler = Callable[[DepsT, Session, RawEnvelope, Any], None]
# A whole batch's messages at once (group_commit.py `apply_many`): (envelope, payload) in arrival order.
BatchHandler = Callable[[DepsT, Session, list[tuple[RawEnvelope, Any]]], None]


class InvalidMessage(ValueError):
    """A message that does not match its contract, described by field and error type only: pydantic's own
    message quotes the input, and the input is a customer's name, phone and address."""

    def __init__(self, actor: str, error: ValidationError) -> None:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['type']}"
            for e in error.errors(include_url=False, include_input=False)
        )
        super().__init__(f"{actor}: message does not match its contract ({problems})")


@dataclass(frozen=True)
class RetryOptions:
    max_retries: int = 8
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 300_000


@dataclass
class _Registration(Generic[DepsT]):
    message_type: MessageType
    payload_model: type[BaseModel]
    handler: Callable[[DepsT, Session, RawEnvelope, Any], None]
    batch_limit: int = 1
    batch_handler: BatchHandler[DepsT] | None = None


class ConsumerRegistry(Generic[DepsT]):
    def __init__(self, queue: Queue, inbox_model: type[InboxColumns]) -> None:
        self.queue = queue
        self.inbox_model = inbox_model
        self._registrations: list[_Registration[DepsT]] = []

    def handler(
        self,
        message_type: MessageType,
        payload_model: type[PayloadT],
        *,
        batch_limit: int = 1,
        batch_handler: BatchHandler[DepsT] | None = None,
    ) -> Callable[[Callable[[DepsT, Session, RawEnvelope, PayloadT], None]], Callable[..., None]]:
        """`batch_limit` > 1: up to that many messages of a worker's threads share a transaction
        (group_commit.py). For hot handlers that keep no state outside the session: a batch holds its row
        locks until its last message is applied, and a deadlock with another batch costs a retry one by one.
        `batch_handler`: applies a batch's messages at once (set-based); the handler still applies a message
        alone, and every message of a batch that failed."""

        def register(
            fn: Callable[[DepsT, Session, RawEnvelope, PayloadT], None],
        ) -> Callable[..., None]:
            self._registrations.append(_Registration(message_type, payload_model, fn, batch_limit, batch_handler))
            return fn

        return register

    def bind(
        self, broker: dramatiq.Broker, deps: DepsT, engine: Engine, retry: RetryOptions
    ) -> list[dramatiq.Actor[Any, Any]]:
        """Declare one dramatiq actor per handler on `broker`."""
        actors = []
        for registration in self._registrations:
            name = actor_name(self.queue, registration.message_type)
            if name in broker.actors:
                continue
            actors.append(
                dramatiq.Actor(
                    _make_actor_fn(name, registration, deps, engine, self.inbox_model),
                    broker=broker,
                    actor_name=name,
                    queue_name=self.queue.value,
                    priority=0,
                    options={
                        "max_retries": retry.max_retries,
                        "min_backoff": retry.min_backoff_ms,
                        "max_backoff": retry.max_backoff_ms,
                    },
                )
            )
        return actors


def _make_actor_fn(
    name: str,
    registration: _Registration[DepsT],
    deps: DepsT,
    engine: Engine,
    inbox_model: type[InboxColumns],
) -> Callable[[str], None]:
    def apply_alone(message_id: str, apply: Callable[[Session], None]) -> bool:
        return consume_once(engine, inbox_model, name, message_id, apply)

    batch_handler = registration.batch_handler

    def apply_many(session: Session, messages: list[tuple[RawEnvelope, Any]]) -> None:
        assert batch_handler is not None
        batch_handler(deps, session, messages)

    batches = (
        GroupCommit(
            engine,
            inbox_model,
            name,
            apply_alone,
            limit=registration.batch_limit,
            apply_many=apply_many if batch_handler is not None else None,
        )
        if registration.batch_limit > 1
        else None
    )

    def consume(envelope_json: str) -> None:
        try:
            envelope = RawEnvelope.model_validate_json(envelope_json)
            payload = registration.payload_model.model_validate(envelope.payload)
        except ValidationError as error:
            raise InvalidMessage(name, error) from None
        context = {"request_id": envelope.request_id, "message_id": str(envelope.message_id), "actor": name}

        def apply(session: Session) -> None:
            # Bound here, not only around `consume`: in a batch, another thread may apply this message.
            with structlog.contextvars.bound_contextvars(**context):
                registration.handler(deps, session, envelope, payload)

        with structlog.contextvars.bound_contextvars(**context):
            message_id = str(envelope.message_id)
            applied = (
                batches.submit(message_id, apply, (envelope, payload)) if batches else apply_alone(message_id, apply)
            )
            log.info("message.consumed" if applied else "message.duplicate_ignored")

    consume.__name__ = name.replace(".", "_")
    return consume


def consume_once(
    engine: Engine,
    inbox_model: type[InboxColumns],
    actor: str,
    message_id: str,
    apply: Callable[[Session], None],
) -> bool:
    """Apply `apply` and record the message in one transaction; False (and nothing applied) for a repeat."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            session.add(inbox_model(message_id=message_id, actor_name=actor, processed_at=utc_now()))
            # Flushing first takes the row lock: a concurrent duplicate waits here and then fails below.
            session.flush()
        except IntegrityError:
            session.rollback()
            return False
        try:
            apply(session)
            session.commit()
        except IntegrityError:
            session.rollback()
            if _already_processed(engine, inbox_model, actor, message_id):
                return False
            raise
        except BaseException:
            session.rollback()
            raise
    return True


def _already_processed(engine: Engine, inbox_model: type[InboxColumns], actor: str, message_id: str) -> bool:
    with Session(engine) as session:
        return session.get(inbox_model, (message_id, actor)) is not None
