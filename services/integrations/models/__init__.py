"""Tables of integrations. Importing this package registers all of them on `metadata`."""

from services.integrations.models.base import IntegrationsModel, metadata
from services.integrations.models.deliveries import (
    Delivery,
    DeliveryAttempt,
    EndpointBreaker,
    SchedulerLease,
    ShopWebhookEndpoint,
)
from services.integrations.models.erp import ErpConnection, ErpCursor, ErpDocument
from services.integrations.models.inbound import InboundOrder, InboundPayload
from services.integrations.models.messaging import (
    DeadLetter,
    InboxMessage,
    OutboxMessage,
)
from services.integrations.models.payments import PaymentEvent, PaymentLink, PaymentSetup
from services.integrations.models.same_day import CourierSetup, Shipment, SlotCapacity
from services.integrations.models.tenants import IntegrationTenant

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "EndpointBreaker",
    "ErpConnection",
    "ErpCursor",
    "ErpDocument",
    "SchedulerLease",
    "ShopWebhookEndpoint",
    "CourierSetup",
    "PaymentEvent",
    "PaymentLink",
    "PaymentSetup",
    "Shipment",
    "SlotCapacity",
    "DeadLetter",
    "InboundOrder",
    "InboundPayload",
    "InboxMessage",
    "IntegrationTenant",
    "OutboxMessage",
    "IntegrationsModel",
    "metadata",
]
