"""What operators see of payment links: a projection fed by integrations (which alone holds credentials)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from services.common.types import utc_field
from services.order_confirm.models.base import OrderConfirmModel


class PaymentLink(OrderConfirmModel, table=True):
    __tablename__ = "order_payment_links"
    __table_args__ = (Index("ix_order_payment_links_tenant_order", "tenant_id", "order_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    order_id: int = Field(foreign_key="orders.id")
    link_id: str = Field(max_length=40, unique=True)  # integrations' id
    status: str = Field(max_length=20)  # contracts.payments.PaymentLinkStatus
    provider: str = Field(max_length=20)
    url: str | None = Field(default=None, max_length=2000)
    amount_minor: int
    currency: str = Field(max_length=3)
    expires_at: datetime = utc_field()
    slot_id: str | None = Field(default=None, max_length=100)
    slot_starts_at: datetime | None = utc_field(nullable=True, default=None)
    slot_ends_at: datetime | None = utc_field(nullable=True, default=None)
    sms_status: str | None = Field(default=None, max_length=20)
    paid_at: datetime | None = utc_field(nullable=True, default=None)
    failure_reason: str | None = Field(default=None, max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="operators.id")
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
