"""Tables of integrations. Importing this package registers all of them on `metadata`."""

from services.integrations.models.base import IntegrationsModel, metadata
from services.integrations.models.inbound import InboundOrder, InboundPayload
from services.integrations.models.messaging import (
    DeadLetter,
    InboxMessage,
    OutboxMessage,
)
from services.integrations.models.tenants import IntegrationTenant

__all__ = [
    "DeadLetter",
    "InboundOrder",
    "InboundPayload",
    "InboxMessage",
    "IntegrationTenant",
    "OutboxMessage",
    "IntegrationsModel",
    "metadata",
]
