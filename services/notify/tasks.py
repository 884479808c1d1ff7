"""dramatiq actors of notify: thin consumers of `contracts` messages (idempotent via the inbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contracts.routing import Queue
from services.common.messaging.consumers import ConsumerRegistry
from services.notify.models import InboxMessage

if TYPE_CHECKING:
    from services.notify.runtime import NotifyRuntime

consumers: ConsumerRegistry[NotifyRuntime] = ConsumerRegistry(Queue.NOTIFY, InboxMessage)
