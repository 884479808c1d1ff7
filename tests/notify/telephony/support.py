"""Feeding notify's telephony projection the messages order_confirm sends, through the real consumers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from contracts.envelope import Envelope
from contracts.routing import MessageType, Queue, actor_name
from services.common.messaging.broker import make_broker
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.telephony.models import VoiceCustomer, VoiceNumber, VoicePresence
from services.notify.wiring import build
from tests.support import FrozenClock

TENANT = "shop"


@contextmanager
def notify_runtime(database_url: str, clock: FrozenClock, **settings: Any) -> Iterator[NotifyRuntime]:
    runtime = build(NotifySettings(database_url=database_url, **settings), broker=make_broker(None), clock=clock)
    runtime.outbox.relay_enabled = False  # tests read what notify sends from its outbox
    try:
        yield runtime
    finally:
        runtime.engine.dispose()


def deliver(
    runtime: NotifyRuntime,
    message_type: MessageType,
    payload: BaseModel,
    *,
    tenant: str = TENANT,
    message_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> None:
    """Run notify's actor for one message exactly as the worker would (envelope JSON in, inbox and all)."""
    envelope = Envelope[Any](
        message_id=message_id or uuid.uuid4(),
        message_type=message_type.value,
        tenant=tenant,
        occurred_at=now or runtime.clock(),
        payload=payload,
    )
    actor = runtime.broker.get_actor(actor_name(Queue.NOTIFY, message_type))
    actor.fn(envelope.model_dump_json())


def numbers(runtime: NotifyRuntime) -> dict[str, str]:
    with Session(runtime.engine) as session:
        return {row.number: row.tenant_id for row in session.exec(select(VoiceNumber)).all()}


def presence(runtime: NotifyRuntime, operator_id: int, tenant: str = TENANT) -> VoicePresence | None:
    with Session(runtime.engine) as session:
        return session.get(VoicePresence, (tenant, operator_id))


def customers(runtime: NotifyRuntime, tenant: str = TENANT) -> dict[int, tuple[str | None, int | None, int]]:
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(VoiceCustomer).where(col(VoiceCustomer.tenant_id) == tenant).order_by(col(VoiceCustomer.customer_id))
        ).all()
        return {row.customer_id: (row.phone, row.owner_id, row.revision) for row in rows}
