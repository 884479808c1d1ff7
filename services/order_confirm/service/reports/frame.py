"""What a report request may see: which tenants, whose figures, which periods, in which timezone.

Scope (DESIGN.md "Roles and isolation"): an operator sees figures attributed to themselves; a supervisor
those of their team (and orders nobody has called yet); a client manager and an admin their tenants.
Asking for a tenant or operator outside that is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlmodel import Session, col, select

from services.common.problems import NotFound
from services.order_confirm.domain.report_periods import Bucket, Grouping, InvalidPeriod, buckets
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Operator, OperatorTenant, Tenant
from services.order_confirm.service.scope import Scope


@dataclass(frozen=True)
class ReportRequest:
    first_day: date
    last_day: date
    grouping: Grouping = Grouping.DAY
    tenant_id: int | None = None
    operator_id: int | None = None
    timezone: str | None = None  # default: the tenant's when one tenant is in view, else UTC


@dataclass(frozen=True)
class ReportFrame:
    request: ReportRequest
    tenants: tuple[Tenant, ...]
    tz: ZoneInfo
    buckets: tuple[Bucket, ...]
    # None = figures of every operator (and of orders not called yet); otherwise only these operators',
    # plus the not-yet-called orders when `unattributed` is set.
    operator_ids: tuple[int, ...] | None
    unattributed: bool

    @property
    def grouping(self) -> Grouping:
        return self.request.grouping

    @property
    def tenant_ids(self) -> list[int]:
        return sorted(tenant.id for tenant in self.tenants if tenant.id is not None)

    @property
    def start(self) -> Any:
        return self.buckets[0].start

    @property
    def end(self) -> Any:
        return self.buckets[-1].end

    def in_tenants(self, column: Any) -> ColumnElement[bool]:
        return col(column).in_(self.tenant_ids) if self.tenant_ids else false()

    def attributed(self, operator: Any) -> ColumnElement[bool]:
        """The WHERE clause keeping figures the caller may see, given the expression naming their operator."""
        if self.operator_ids is None:
            return true()
        mine = operator.in_(self.operator_ids) if self.operator_ids else false()
        return or_(mine, operator.is_(None)) if self.unattributed else and_(mine)


def frame_for(session: Session, scope: Scope, request: ReportRequest) -> ReportFrame:
    tenants = tenants_in_view(session, scope, request.tenant_id)
    tz = _timezone(request.timezone, tenants)
    operator_ids, unattributed = operators_in_view(session, scope, request.operator_id)
    periods = tuple(buckets(request.first_day, request.last_day, tz, request.grouping))
    return ReportFrame(request, tenants, tz, periods, operator_ids, unattributed)


def tenants_in_view(session: Session, scope: Scope, tenant_id: int | None) -> tuple[Tenant, ...]:
    if tenant_id is not None and not scope.has_tenant(tenant_id):
        raise NotFound(f"No tenant {tenant_id}.")
    wanted = [tenant_id] if tenant_id is not None else sorted(scope.tenant_ids)
    return tuple(session.exec(select(Tenant).where(col(Tenant.id).in_(wanted)).order_by(col(Tenant.id))).all())


def _timezone(name: str | None, tenants: tuple[Tenant, ...]) -> ZoneInfo:
    if name is None:
        zones = {tenant.timezone for tenant in tenants}
        name = zones.pop() if len(zones) == 1 else "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidPeriod(f"Unknown timezone {name!r}; use an IANA name such as 'Europe/Moscow'.") from None


def operators_in_view(session: Session, scope: Scope, operator_id: int | None) -> tuple[tuple[int, ...] | None, bool]:
    if scope.role is Role.OPERATOR:
        if operator_id not in (None, scope.operator_id):
            raise NotFound(f"No operator {operator_id}.")
        return (scope.operator_id,), False
    if scope.role is Role.SUPERVISOR:
        team = set(session.exec(select(Operator.id).where(Operator.supervisor_id == scope.operator_id)).all())
        team.add(scope.operator_id)
        if operator_id is None:
            return tuple(sorted(member for member in team if member is not None)), True
        if operator_id not in team:
            raise NotFound(f"No operator {operator_id}.")
        return (operator_id,), False
    if operator_id is None:
        return None, True
    works_here = session.exec(
        select(OperatorTenant.operator_id).where(
            OperatorTenant.operator_id == operator_id, col(OperatorTenant.tenant_id).in_(sorted(scope.tenant_ids))
        )
    ).first()
    if works_here is None:
        raise NotFound(f"No operator {operator_id}.")
    return (operator_id,), False
