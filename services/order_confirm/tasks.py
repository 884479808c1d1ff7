"""dramatiq actors of order_confirm: thin consumers of `contracts` messages (idempotent via the inbox).

Each handler validates its `contracts` model, calls one service function in the consumer's transaction,
and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contracts.routing import Queue
from services.common.messaging.consumers import ConsumerRegistry
from services.order_confirm.models import InboxMessage

if TYPE_CHECKING:
    from services.order_confirm.runtime import OrderConfirmRuntime

consumers: ConsumerRegistry[OrderConfirmRuntime] = ConsumerRegistry(Queue.ORDER_CONFIRM, InboxMessage)
