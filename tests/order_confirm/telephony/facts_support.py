"""Acting as notify: contract messages delivered to order_confirm's own consumers (its dramatiq actors, through
the inbox), and call snapshots built the way notify sends them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from contracts.envelope import Envelope
from contracts.routing import MessageType, Queue, actor_name
from contracts.telephony import CallUpdated
from services.order_confirm.runtime import OrderConfirmRuntime


def deliver(runtime: OrderConfirmRuntime, message_type: MessageType, tenant: str, payload: BaseModel) -> str:
    """Run the consumer of `message_type` on a fresh envelope; returns the envelope JSON (to deliver again)."""
    envelope = Envelope[Any](message_type=message_type.value, tenant=tenant, payload=payload, source="notify")
    body = envelope.model_dump_json()
    redeliver(runtime, message_type, body)
    return body


def redeliver(runtime: OrderConfirmRuntime, message_type: MessageType, body: str) -> None:
    actor = runtime.broker.actors[actor_name(Queue.ORDER_CONFIRM, message_type)]
    actor.fn(body)


def call_updated(call_id: uuid.UUID, revision: int, direction: str, **fields: Any) -> CallUpdated:
    return CallUpdated.model_validate({"call_id": call_id, "revision": revision, "direction": direction, **fields})


def seconds(start: datetime, **delta: float) -> datetime:
    return start + timedelta(**delta)
