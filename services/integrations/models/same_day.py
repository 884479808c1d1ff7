"""Same-day delivery: each tenant's courier setup, slot capacity held by payment links, and shipments.

Courier credentials (CDEK client id/secret) live only here, in `CourierSetup.settings`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field

from services.common.encryption import sealed_json_field
from services.common.types import utc_field
from services.integrations.models.base import SERVICE, IntegrationsModel


class CourierSetup(IntegrationsModel, table=True):
    """Which courier serves a tenant's same-day orders and how (parsed by adapters.couriers.config)."""

    __tablename__ = "courier_setups"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64, unique=True)
    provider: str = Field(max_length=20)  # "own" | "cdek"
    settings: dict[str, Any] = sealed_json_field(SERVICE, default_factory=dict)  # CDEK's secret inside: sealed
    updated_at: datetime = utc_field()


class SlotCapacity(IntegrationsModel, table=True):
    """How many orders hold one own-courier slot; `reserved` only moves by conditional UPDATE (no overbooking)."""

    __tablename__ = "slot_capacities"
    __table_args__ = (UniqueConstraint("tenant", "slot_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64)
    slot_id: str = Field(max_length=100)
    reserved: int = 0


class Shipment(IntegrationsModel, table=True):
    """One courier shipment of a paid same-day order (one per payment link)."""

    __tablename__ = "shipments"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64, index=True)
    link_id: str = Field(max_length=40, unique=True)
    order_id: int
    external_id: str = Field(max_length=128)
    courier: str = Field(max_length=20)
    slot_id: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=20)  # requested | created | in_transit | delivered | not_delivered | rejected
    provider_ref: str | None = Field(default=None, max_length=64, index=True)  # CDEK order uuid
    courier_number: str | None = Field(default=None, max_length=64)  # CDEK number the customer tracks
    courier_status: str | None = Field(default=None, max_length=50)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
