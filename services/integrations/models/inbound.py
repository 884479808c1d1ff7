"""Raw inbound orders: every accepted webhook body exactly as the shop signed it, before any filtering.

`InboundOrder` is one row per shop order (tenant + external id): it carries the stable reference the
webhook answers with and the hash of the last accepted version, which makes a re-sent identical version a
duplicate. `InboundPayload` is one row per accepted delivery and keeps the raw body for the ERP and for
tracing (`OrderSnapshot.source_ref` is its id).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field

from services.common.types import utc_field
from services.integrations.models.base import IntegrationsModel


class InboundOrder(IntegrationsModel, table=True):
    __tablename__ = "inbound_orders"
    __table_args__ = (UniqueConstraint("tenant_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="integration_tenants.id")
    external_id: str = Field(max_length=128)
    order_ref: str = Field(max_length=36, unique=True)  # what the webhook answers as `order_id`
    last_content_hash: str | None = Field(default=None, max_length=64)
    last_payload_id: int | None = None
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class InboundPayload(IntegrationsModel, table=True):
    __tablename__ = "inbound_payloads"
    __table_args__ = (UniqueConstraint("tenant_id", "webhook_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="integration_tenants.id")
    inbound_order_id: int = Field(foreign_key="inbound_orders.id", index=True)
    source: str = Field(max_length=20)  # "webhook"
    webhook_id: str = Field(max_length=255)
    event_type: str = Field(max_length=40)
    content_hash: str = Field(max_length=64)
    body: str = Field(sa_type=Text)  # the exact signed body: unknown fields stay here and go nowhere else
    received_at: datetime = utc_field(index=True)
