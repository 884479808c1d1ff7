"""Tenants (shops), operators (outsourcer staff and shop managers) and who works for which tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field

from services.common.types import json_field, utc_field
from services.order_confirm.models.base import OrderConfirmModel


class Tenant(OrderConfirmModel, table=True):
    __tablename__ = "tenants"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64, default="Europe/Moscow")
    country: str = Field(max_length=2, default="RU")  # default region for phone numbers
    language: str = Field(max_length=5, default="ru")
    # Workflow policy (retry delays, calling hours, grace periods, SLA target); parsed by domain.policy.
    policy: dict[str, Any] = json_field(default_factory=dict)
    created_at: datetime = utc_field()


class Operator(OrderConfirmModel, table=True):
    __tablename__ = "operators"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20, index=True)  # domain.vocabulary.Role
    password_hash: str = Field(max_length=255)
    status: str = Field(max_length=20, default="offline")  # domain.vocabulary.OperatorStatus
    status_changed_at: datetime = utc_field()
    capacity: int = Field(default=200, ge=0)  # max active customers owned
    # Owned customers with an open order, across tenants: kept by database triggers in the transaction that
    # changes an order's open/closed state or a customer's owner (migration "active_customer_counters").
    active_customers: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Ties between equally loaded operators go to the one idle longest (domain.ownership).
    last_assigned_at: datetime | None = utc_field(nullable=True, default=None)
    supervisor_id: int | None = Field(default=None, foreign_key="operators.id")
    language: str = Field(max_length=5, default="ru")
    active: bool = True
    created_at: datetime = utc_field()


class OperatorStatusChange(OrderConfirmModel, table=True):
    """Every change of an operator's shift status, for adherence (planned vs actual). An operator may work for
    several tenants and has one status, so the row has no tenant: readers reach it through scoped operators."""

    __tablename__ = "operator_status_changes"
    __table_args__ = (Index("ix_operator_status_changes_operator_time", "operator_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operators.id")
    status: str = Field(max_length=20)  # domain.vocabulary.OperatorStatus
    changed_at: datetime = utc_field()
    actor: str = Field(max_length=100)  # login, or "system:<component>"


class OperatorTenant(OrderConfirmModel, table=True):
    """Which tenants an operator, supervisor or shop manager works for."""

    __tablename__ = "operator_tenants"

    operator_id: int = Field(foreign_key="operators.id", primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", primary_key=True)


class CoverRule(OrderConfirmModel, table=True):
    """While `owner_id` is off shift, tasks falling due for their customers go to `cover_id` (ownership stays)."""

    __tablename__ = "cover_rules"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    owner_id: int = Field(foreign_key="operators.id", index=True)
    cover_id: int = Field(foreign_key="operators.id")
    created_by_id: int | None = Field(default=None, foreign_key="operators.id")
    created_at: datetime = utc_field()
