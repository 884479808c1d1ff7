"""Tables of integrations. Importing this package registers all of them on `metadata`."""

from services.integrations.models.base import IntegrationsModel, metadata
from services.integrations.models.messaging import (
    DeadLetter,
    InboxMessage,
    OutboxMessage,
)

__all__ = [
    "DeadLetter",
    "InboxMessage",
    "OutboxMessage",
    "IntegrationsModel",
    "metadata",
]
