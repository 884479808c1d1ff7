"""Daily reports kept for download: one per tenant and local day, generated once by the scheduler."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlmodel import Field

from services.common.types import json_field, utc_field
from services.order_confirm.models.base import OrderConfirmModel


class DailyReport(OrderConfirmModel, table=True):
    __tablename__ = "daily_reports"
    # Two scheduler replicas (or a restart mid-run) may both try a day; the second insert fails here,
    # its transaction rolls back, and so does its outbox message: the shop gets the report once.
    __table_args__ = (UniqueConstraint("tenant_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    day: date  # the tenant's local calendar day
    timezone: str = Field(max_length=64)
    period_start: datetime = utc_field()
    period_end: datetime = utc_field()
    figures: dict[str, Any] = json_field()  # report name -> the `total` row, as sent to the shop
    xlsx: bytes = Field(sa_type=LargeBinary)
    generated_at: datetime = utc_field()
