"""How facts are grouped (by period, operator or tenant) and how each group is labelled in the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session, col

from services.order_confirm.domain.report_periods import Grouping
from services.order_confirm.models import Attempt, Operator, Order
from services.order_confirm.service.reports.frame import ReportFrame
from services.order_confirm.service.reports.sql import bucket_table

NOT_CALLED = "Not called yet"


def first_caller() -> Any:
    """Speed is credited to whoever made the order's first call."""
    return (
        select(col(Attempt.operator_id))
        .where(col(Attempt.order_id) == col(Order.id))
        .order_by(col(Attempt.started_at), col(Attempt.id))
        .limit(1)
        .scalar_subquery()
    )


def last_caller() -> Any:
    """An order's outcome is credited to whoever made its last call (the one that decided it)."""
    return (
        select(col(Attempt.operator_id))
        .where(col(Attempt.order_id) == col(Order.id))
        .order_by(col(Attempt.started_at).desc(), col(Attempt.id).desc())
        .limit(1)
        .scalar_subquery()
    )


class Facts:
    """The periods table and the group key for one report over facts timed by `moment`."""

    def __init__(self, frame: ReportFrame, moment: Any, operator: Any, tenant: Any) -> None:
        self.frame = frame
        self.periods: CTE = bucket_table(frame.buckets)
        self.operator = operator
        self.moment = moment
        self.key: ColumnElement[Any] = {
            Grouping.OPERATOR: operator,
            Grouping.TENANT: tenant,
        }.get(frame.grouping, self.periods.c.idx)
        self.tenant = tenant
        self.where: list[ColumnElement[bool]] = [
            moment >= frame.start,  # lets the database use its (tenant, time) index before joining periods
            moment < frame.end,
            frame.in_tenants(tenant),
            frame.attributed(operator),
        ]

    def select(self, source: Any, *figures: ColumnElement[Any]) -> Select[Any]:
        """`figures` per group: SELECT key, figures FROM source JOIN periods WHERE in scope GROUP BY key."""
        in_period = and_(self.moment >= self.periods.c.starts, self.moment < self.periods.c.ends)
        return (
            select(self.key.label("key"), *figures)
            .select_from(source)
            .join(self.periods, in_period)
            .where(*self.where)
            .group_by(self.key)
        )

    def observations(self, source: Any, value: ColumnElement[Any], *where: ColumnElement[bool]) -> Select[Any]:
        """One (key, value) row per fact, for percentiles."""
        in_period = and_(self.moment >= self.periods.c.starts, self.moment < self.periods.c.ends)
        return (
            select(self.key.label("key"), value.label("value"))
            .select_from(source)
            .join(self.periods, in_period)
            .where(*self.where, *where)
        )


def labelled(
    session: Session, frame: ReportFrame, figures: dict[Any, dict[str, Any]], empty: Callable[[], dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per group, in a stable order; every period appears (empty ones with zero figures)."""
    if frame.grouping.by_time or frame.grouping is Grouping.TOTAL:
        return [
            {
                "group": bucket.label,
                "group_id": bucket.index,
                "starts": bucket.start.isoformat(),
                "ends": bucket.end.isoformat(),
                **figures.get(bucket.index, empty()),
            }
            for bucket in frame.buckets
        ]
    if frame.grouping is Grouping.TENANT:
        names = {tenant.id: tenant.name for tenant in frame.tenants}
    else:
        ids = [key for key in figures if key is not None]
        query = select(col(Operator.id), col(Operator.name)).where(col(Operator.id).in_(ids))
        names = {row[0]: row[1] for row in session.execute(query)}
    keys = sorted(figures, key=lambda key: (key is None, str(names.get(key, "")), key or 0))
    return [{"group": names.get(key, NOT_CALLED), "group_id": key, **figures[key]} for key in keys]
