"""Planning tables (order_confirm metadata; registered by services.order_confirm.models). Every row belongs to
one tenant and every query filters by it (services.order_confirm.planning.access)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from services.common.types import json_field, utc_field
from services.order_confirm.models.base import OrderConfirmModel


class ShiftTemplate(OrderConfirmModel, table=True):
    """A kind of shift the roster may propose: its length, the times it may start, one optional break."""

    __tablename__ = "planning_shift_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    name: str = Field(max_length=100)
    starts: list[str] = json_field()  # local "HH:MM" on the half-hour grid
    length_minutes: int
    break_after_minutes: int | None = None
    break_minutes: int = 0
    created_at: datetime = utc_field()


class PlannedShift(OrderConfirmModel, table=True):
    """One operator's planned working time (or an open slot of an accepted roster, `operator_id` None)."""

    __tablename__ = "planning_shifts"
    __table_args__ = (
        Index("ix_planning_shifts_tenant_start", "tenant_id", "starts_at"),
        Index("ix_planning_shifts_operator_start", "operator_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    operator_id: int | None = Field(default=None, foreign_key="operators.id")
    starts_at: datetime = utc_field()
    ends_at: datetime = utc_field()
    break_starts_at: datetime | None = utc_field(nullable=True, default=None)
    break_ends_at: datetime | None = utc_field(nullable=True, default=None)
    template_id: int | None = Field(default=None, foreign_key="planning_shift_templates.id")
    roster_id: int | None = Field(default=None, foreign_key="planning_rosters.id")
    source: str = Field(max_length=20)  # manual | copy | import | roster
    created_by_id: int | None = Field(default=None, foreign_key="operators.id")
    created_at: datetime = utc_field()


class ForecastOverride(OrderConfirmModel, table=True):
    """The shop manager's knowledge the history lacks: a promotion day (+40 % = 1.4), a holiday (0)."""

    __tablename__ = "planning_forecast_overrides"
    __table_args__ = (UniqueConstraint("tenant_id", "day", "stream"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    day: date  # the tenant's local day
    stream: str = Field(max_length=20)  # all | orders | inbound
    factor: float
    note: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="operators.id")
    created_at: datetime = utc_field()


class PlanRun(OrderConfirmModel, table=True):
    """One computation of a tenant's plan: queued by a planner or the nightly sweep, run by the scheduler."""

    __tablename__ = "planning_runs"
    __table_args__ = (Index("ix_planning_runs_tenant_status", "tenant_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    status: str = Field(max_length=20)  # queued | running | ready | failed
    requested_by_id: int | None = Field(default=None, foreign_key="operators.id")
    requested_at: datetime = utc_field()
    started_at: datetime | None = utc_field(nullable=True, default=None)
    finished_at: datetime | None = utc_field(nullable=True, default=None)
    first_day: date | None = None
    days: int = 14
    summary: dict[str, Any] = json_field(default_factory=dict)  # methods, backtests, notes, measures, targets
    error: str | None = Field(default=None, max_length=500)


class PlanInterval(OrderConfirmModel, table=True):
    """The plan for one tenant and half hour. A newer plan overwrites future intervals; past ones keep what
    was forecast last before they happened (the "forecast vs actual" chart reads them)."""

    __tablename__ = "planning_intervals"

    tenant_id: int = Field(foreign_key="tenants.id", primary_key=True)
    starts_at: datetime = utc_field(primary_key=True)
    run_id: int = Field(foreign_key="planning_runs.id", index=True)
    orders: float
    outbound_calls: float
    inbound_calls: float
    agents: int  # on the phones
    required: int  # scheduled, shrinkage included
    outbound_service_level: float | None = None
    inbound_service_level: float | None = None


class RosterProposal(OrderConfirmModel, table=True):
    """What the optimizer proposed for a period; accepting it creates open shifts to assign people to."""

    __tablename__ = "planning_rosters"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    first_day: date
    days: int
    status: str = Field(max_length=20)  # proposed | accepted
    solver_status: str = Field(max_length=20)
    starts: list[dict[str, Any]] = json_field()  # [{day, template_id, start, operators}]
    shifts: int
    over_staffing: int
    uncovered: list[dict[str, Any]] = json_field()
    created_by_id: int | None = Field(default=None, foreign_key="operators.id")
    created_at: datetime = utc_field()
    accepted_by_id: int | None = Field(default=None, foreign_key="operators.id")
    accepted_at: datetime | None = utc_field(nullable=True, default=None)
