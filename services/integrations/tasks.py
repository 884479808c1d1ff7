"""dramatiq actors of integrations: thin consumers of `contracts` messages (idempotent via the inbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contracts.routing import Queue
from services.common.messaging.consumers import ConsumerRegistry
from services.integrations.models import InboxMessage

if TYPE_CHECKING:
    from services.integrations.runtime import IntegrationsRuntime

consumers: ConsumerRegistry[IntegrationsRuntime] = ConsumerRegistry(Queue.INTEGRATIONS, InboxMessage)
