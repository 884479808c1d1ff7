"""Adherence (planned vs actual status per operator and interval) and the live gap on the floor (required,
planned and present operators for the current interval and the next two; an alert when the next hour is
short by more than the tenant's threshold, also a /metrics gauge)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlmodel import Session, col, select

from services.order_confirm.domain.report_periods import local_midnight
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Operator, OperatorStatusChange, OperatorTenant, Tenant
from services.order_confirm.planning.domain.adherence import Cell, adherence, cells, on_shift_spans
from services.order_confirm.planning.domain.intervals import INTERVAL, INTERVALS_PER_DAY, Interval, interval_of
from services.order_confirm.planning.domain.targets import targets_from_policy
from services.order_confirm.planning.models import PlanInterval, PlannedShift
from services.order_confirm.planning.shifts import times_of

ON_SHIFT = frozenset({OperatorStatus.AVAILABLE.value, OperatorStatus.BUSY.value})
GAP_INTERVALS = 3


@dataclass(frozen=True)
class OperatorAdherence:
    operator: Operator
    cells: list[Cell]
    adherence: float | None


def adherence_of_day(session: Session, tenant: Tenant, day: date) -> tuple[list[datetime], list[OperatorAdherence]]:
    """Every operator with a planned shift that day (local), interval by interval."""
    tz = ZoneInfo(tenant.timezone)
    start, end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    starts = [Interval(day, i).starts_at(tz) for i in range(INTERVALS_PER_DAY)]
    shifts = session.exec(
        select(PlannedShift).where(
            PlannedShift.tenant_id == tenant.id,
            col(PlannedShift.operator_id).is_not(None),
            col(PlannedShift.ends_at) > start,
            col(PlannedShift.starts_at) < end,
        )
    ).all()
    by_operator: dict[int, list[PlannedShift]] = {}
    for shift in shifts:
        assert shift.operator_id is not None
        by_operator.setdefault(shift.operator_id, []).append(shift)
    operators = session.exec(
        select(Operator).where(col(Operator.id).in_(sorted(by_operator))).order_by(col(Operator.name))
    ).all()
    out = []
    for operator in operators:
        assert operator.id is not None
        spans = on_shift_spans(*_status_history(session, operator.id, start, end), start, end)
        grid = cells([times_of(s) for s in by_operator[operator.id]], spans, starts, INTERVAL)
        out.append(OperatorAdherence(operator, grid, adherence(grid)))
    return starts, out


def _status_history(
    session: Session, operator_id: int, start: datetime, end: datetime
) -> tuple[list[tuple[datetime, bool]], bool]:
    before = session.exec(
        select(OperatorStatusChange.status)
        .where(OperatorStatusChange.operator_id == operator_id, col(OperatorStatusChange.changed_at) <= start)
        .order_by(col(OperatorStatusChange.changed_at).desc(), col(OperatorStatusChange.id).desc())
    ).first()
    changes = session.exec(
        select(OperatorStatusChange.changed_at, OperatorStatusChange.status)
        .where(
            OperatorStatusChange.operator_id == operator_id,
            col(OperatorStatusChange.changed_at) > start,
            col(OperatorStatusChange.changed_at) < end,
        )
        .order_by(col(OperatorStatusChange.changed_at), col(OperatorStatusChange.id))
    ).all()
    return [(at, status in ON_SHIFT) for at, status in changes], before in ON_SHIFT


@dataclass(frozen=True)
class GapInterval:
    starts_at: datetime
    required: int | None  # None: no plan covers this interval
    planned: int
    present: int | None  # only the current interval has people present

    @property
    def short(self) -> int:
        staffed = self.planned if self.present is None else min(self.planned, self.present)
        return max(0, (self.required or 0) - staffed)


@dataclass(frozen=True)
class TenantGap:
    tenant: Tenant
    intervals: list[GapInterval]
    next_hour_short: int
    alert: bool


def gap_of(session: Session, tenant: Tenant, now: datetime) -> TenantGap:
    tz = ZoneInfo(tenant.timezone)
    current = interval_of(now, tz)
    first = current.starts_at(tz)
    starts = [first + n * INTERVAL for n in range(GAP_INTERVALS)]
    required = dict(
        session.exec(
            select(PlanInterval.starts_at, PlanInterval.required).where(
                PlanInterval.tenant_id == tenant.id, col(PlanInterval.starts_at).in_(starts)
            )
        ).all()
    )
    shifts = session.exec(
        select(PlannedShift).where(
            PlannedShift.tenant_id == tenant.id,
            col(PlannedShift.operator_id).is_not(None),
            col(PlannedShift.starts_at) < starts[-1] + INTERVAL,
            col(PlannedShift.ends_at) > first,
        )
    ).all()
    present = session.exec(
        select(Operator.id)
        .join(OperatorTenant, col(OperatorTenant.operator_id) == col(Operator.id))
        .where(
            OperatorTenant.tenant_id == tenant.id,
            col(Operator.status).in_(sorted(ON_SHIFT)),
            col(Operator.active).is_(True),
            Operator.role == Role.OPERATOR.value,
        )
    ).all()
    intervals = [
        GapInterval(
            starts_at=at,
            required=required.get(at),
            # planned for (most of) the interval: working at its middle
            planned=sum(1 for s in shifts if times_of(s).working_at(at + INTERVAL / 2)),
            present=len(present) if n == 0 else None,
        )
        for n, at in enumerate(starts)
    ]
    next_hour_short = max(item.short for item in intervals[1:])
    threshold = targets_from_policy(tenant.policy).short_alert_operators
    return TenantGap(tenant, intervals, next_hour_short, next_hour_short > threshold)


def floor_gaps(session: Session, tenant_ids: frozenset[int], now: datetime) -> list[TenantGap]:
    tenants = session.exec(
        select(Tenant).where(col(Tenant.id).in_(sorted(tenant_ids))).order_by(col(Tenant.name))
    ).all()
    return [gap_of(session, tenant, now) for tenant in tenants]


def gap_metrics(session: Session, now: datetime) -> Iterator[Metric]:
    """`okno_planning_next_hour_short{tenant}`: operators missing in the worse half hour of the next hour
    (required minus planned), for tenants with a plan; `okno_planning_short_alert{tenant}` is 1 above the threshold."""
    short = GaugeMetricFamily(
        "okno_planning_next_hour_short", "Operators short of the plan's requirement in the next hour", labels=["tenant"]
    )
    alert = GaugeMetricFamily(
        "okno_planning_short_alert",
        "1 when the next hour is short by more than the tenant's threshold",
        labels=["tenant"],
    )
    planned = session.exec(
        select(PlanInterval.tenant_id).where(col(PlanInterval.starts_at) >= now - INTERVAL).distinct()
    ).all()
    for tenant in session.exec(select(Tenant).where(col(Tenant.id).in_(sorted(planned)))).all():
        gap = gap_of(session, tenant, now)
        short.add_metric([tenant.slug], gap.next_hour_short)
        alert.add_metric([tenant.slug], 1 if gap.alert else 0)
    yield from (short, alert)
