"""Planned shifts: create, change, delete, assign, copy a week, import a CSV — all within one tenant,
all audited, none overlapping another shift of the same operator (in any tenant: one person, one time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from services.common.problems import Unprocessable
from services.order_confirm.domain.report_periods import local_midnight
from services.order_confirm.models import Operator, OperatorTenant, Tenant
from services.order_confirm.planning.access import row_of
from services.order_confirm.planning.domain.shifts import RowError, ShiftTimes, overlapping, parse_csv, shift_errors
from services.order_confirm.planning.models import PlannedShift
from services.order_confirm.service import audit
from services.order_confirm.service.scope import Scope, get_operator_in_tenant

MAX_LISTED_DAYS = 62


class InvalidShift(Unprocessable):
    code, title = "invalid_shift", "The shift is not valid"


class OverlappingShift(Unprocessable):
    code, title = "overlapping_shift", "The operator already has a shift at that time"


class InvalidShiftImport(Unprocessable):
    code, title = "invalid_shift_import", "The CSV has bad rows; nothing was imported"


@dataclass(frozen=True)
class ShiftSpec:
    operator_id: int | None
    times: ShiftTimes


def times_of(shift: PlannedShift) -> ShiftTimes:
    return ShiftTimes(shift.starts_at, shift.ends_at, shift.break_starts_at, shift.break_ends_at)


def _snapshot(shift: PlannedShift) -> dict[str, object]:
    return {
        "operator_id": shift.operator_id,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "break_starts_at": shift.break_starts_at.isoformat() if shift.break_starts_at else None,
        "break_ends_at": shift.break_ends_at.isoformat() if shift.break_ends_at else None,
    }


def _audit(
    session: Session,
    scope: Scope,
    action: str,
    shift: PlannedShift,
    now: datetime,
    before: dict[str, object] | None = None,
) -> None:
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action=action,
        entity="planned_shift",
        entity_id=shift.id or 0,
        tenant_id=shift.tenant_id,
        before=before,
        after=_snapshot(shift) if action != "shift.deleted" else None,
    )


def list_shifts(session: Session, tenant: Tenant, first_day: date, days: int) -> list[PlannedShift]:
    if not 1 <= days <= MAX_LISTED_DAYS:
        raise InvalidShift(f"`days` is 1 to {MAX_LISTED_DAYS}.")
    tz = ZoneInfo(tenant.timezone)
    start, end = local_midnight(first_day, tz), local_midnight(first_day + timedelta(days=days), tz)
    query = (
        select(PlannedShift)
        .where(
            PlannedShift.tenant_id == tenant.id, col(PlannedShift.ends_at) > start, col(PlannedShift.starts_at) < end
        )
        .order_by(col(PlannedShift.starts_at), col(PlannedShift.id))
    )
    return list(session.exec(query))


def _check_operator(session: Session, scope: Scope, tenant: Tenant, operator_id: int | None) -> None:
    if operator_id is not None:
        assert tenant.id is not None
        get_operator_in_tenant(session, scope, operator_id, tenant.id)


def _check_free(session: Session, operator_id: int | None, times: ShiftTimes, ignore_id: int | None = None) -> None:
    """The operator has no other shift (in any tenant) overlapping `times`; locks their shifts meanwhile."""
    if operator_id is None:
        return
    session.exec(select(Operator.id).where(Operator.id == operator_id).with_for_update()).first()
    clash = session.exec(
        select(PlannedShift).where(
            PlannedShift.operator_id == operator_id,
            col(PlannedShift.starts_at) < times.ends_at,
            col(PlannedShift.ends_at) > times.starts_at,
            col(PlannedShift.id) != (ignore_id or 0),
        )
    ).first()
    if clash is not None:
        raise OverlappingShift(
            f"Operator {operator_id} already works {clash.starts_at.isoformat()} – {clash.ends_at.isoformat()}.",
            errors=[{"field": "starts_at", "message": "overlaps another shift of this operator"}],
        )


def _validated(times: ShiftTimes) -> ShiftTimes:
    errors = shift_errors(times)
    if errors:
        raise InvalidShift("The shift is not valid; see `errors`.", errors=errors)
    return times


def create_shift(
    session: Session, scope: Scope, tenant: Tenant, spec: ShiftSpec, *, now: datetime, source: str = "manual"
) -> PlannedShift:
    _validated(spec.times)
    _check_operator(session, scope, tenant, spec.operator_id)
    _check_free(session, spec.operator_id, spec.times)
    assert tenant.id is not None
    shift = PlannedShift(
        tenant_id=tenant.id,
        operator_id=spec.operator_id,
        starts_at=spec.times.starts_at,
        ends_at=spec.times.ends_at,
        break_starts_at=spec.times.break_starts_at,
        break_ends_at=spec.times.break_ends_at,
        source=source,
        created_by_id=scope.operator_id,
        created_at=now,
    )
    session.add(shift)
    session.flush()
    _audit(session, scope, "shift.created", shift, now)
    return shift


def change_shift(
    session: Session, scope: Scope, tenant: Tenant, shift_id: int, spec: ShiftSpec, *, now: datetime
) -> PlannedShift:
    assert tenant.id is not None
    shift = row_of(session, PlannedShift, shift_id, tenant.id, for_update=True)
    before = _snapshot(shift)
    _validated(spec.times)
    _check_operator(session, scope, tenant, spec.operator_id)
    _check_free(session, spec.operator_id, spec.times, ignore_id=shift.id)
    shift.operator_id = spec.operator_id
    shift.starts_at, shift.ends_at = spec.times.starts_at, spec.times.ends_at
    shift.break_starts_at, shift.break_ends_at = spec.times.break_starts_at, spec.times.break_ends_at
    session.add(shift)
    _audit(session, scope, "shift.changed", shift, now, before)
    return shift


def delete_shift(session: Session, scope: Scope, tenant: Tenant, shift_id: int, *, now: datetime) -> None:
    assert tenant.id is not None
    shift = row_of(session, PlannedShift, shift_id, tenant.id, for_update=True)
    _audit(session, scope, "shift.deleted", shift, now, _snapshot(shift))
    session.delete(shift)


def copy_week(
    session: Session, scope: Scope, tenant: Tenant, source_monday: date, target_monday: date, *, now: datetime
) -> list[PlannedShift]:
    """Every shift starting in the local week of `source_monday`, again in the week of `target_monday`,
    at the same local wall times. All or nothing: one overlap refuses the whole copy."""
    if source_monday.weekday() or target_monday.weekday():
        raise InvalidShift("Weeks start on a Monday: give the Mondays of both weeks.")
    if source_monday == target_monday:
        raise InvalidShift("The target week is the source week.")
    tz = ZoneInfo(tenant.timezone)
    week_start = local_midnight(source_monday, tz)
    sources = [s for s in list_shifts(session, tenant, source_monday, 7) if s.starts_at >= week_start]
    delta = target_monday - source_monday
    copies = [ShiftSpec(s.operator_id, _moved(times_of(s), delta, tz)) for s in sources]
    _check_batch(session, copies)
    return [create_shift(session, scope, tenant, spec, now=now, source="copy") for spec in copies]


def _moved(times: ShiftTimes, days: timedelta, tz: ZoneInfo) -> ShiftTimes:
    """The same local wall times `days` later (a clock change in between keeps 09:00 at 09:00)."""

    def move(instant: datetime | None) -> datetime | None:
        return (
            None
            if instant is None
            else (instant.astimezone(tz).replace(tzinfo=None) + days).replace(tzinfo=tz).astimezone(instant.tzinfo)
        )

    moved = [move(t) for t in (times.starts_at, times.ends_at, times.break_starts_at, times.break_ends_at)]
    assert moved[0] is not None and moved[1] is not None
    return ShiftTimes(moved[0], moved[1], moved[2], moved[3])


def _check_batch(session: Session, specs: list[ShiftSpec]) -> None:
    by_operator: dict[int, list[tuple[object, ShiftTimes]]] = {}
    for n, spec in enumerate(specs):
        if spec.operator_id is not None:
            by_operator.setdefault(spec.operator_id, []).append((n, spec.times))
    for operator_id, items in by_operator.items():
        if overlapping(items):
            raise OverlappingShift(f"Two of the new shifts of operator {operator_id} overlap.")


def import_csv(session: Session, scope: Scope, tenant: Tenant, text: str, *, now: datetime) -> list[PlannedShift]:
    """All rows or none: every bad row (format, unknown operator, overlap) is reported in one 422."""
    assert tenant.id is not None
    rows, errors = parse_csv(text, ZoneInfo(tenant.timezone))
    logins = {row.login for row in rows}
    known = dict(
        session.exec(
            select(Operator.login, Operator.id)
            .join(OperatorTenant, col(OperatorTenant.operator_id) == col(Operator.id))
            .where(
                col(Operator.login).in_(sorted(logins)),
                OperatorTenant.tenant_id == tenant.id,
                col(Operator.active).is_(True),
            )
        ).all()
    )
    by_operator: dict[int, list[tuple[object, ShiftTimes]]] = {}
    for row in rows:
        operator_id = known.get(row.login)
        if operator_id is None:
            errors.append(RowError(row.line, "operator", f"{row.login!r} is not an operator of this shop"))
            continue
        by_operator.setdefault(operator_id, []).append((row.line, row.times))
        clash = session.exec(
            select(PlannedShift.id).where(
                PlannedShift.operator_id == operator_id,
                col(PlannedShift.starts_at) < row.times.ends_at,
                col(PlannedShift.ends_at) > row.times.starts_at,
            )
        ).first()
        if clash is not None:
            errors.append(RowError(row.line, "start", f"overlaps planned shift {clash} of {row.login}"))
    for items in by_operator.values():
        for first, second in overlapping(items):
            errors.append(RowError(int(str(second)), "start", f"overlaps row {first} of the same operator"))
    if errors:
        rows_json = [e.as_json() for e in sorted(errors, key=lambda e: (e.line, e.field))]
        raise InvalidShiftImport(
            f"{len({e.line for e in errors})} row(s) are not valid; nothing was imported.", errors=rows_json
        )
    specs = [ShiftSpec(known[row.login], row.times) for row in rows]
    return [create_shift(session, scope, tenant, spec, now=now, source="import") for spec in specs]
