"""Roster proposals: the optimizer's answer for a period of the stored plan, and accepting it, which creates
one open shift per proposed start for the supervisor to assign people to."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from services.common.problems import Conflict, Unprocessable
from services.order_confirm.domain.report_periods import local_midnight
from services.order_confirm.models import Tenant
from services.order_confirm.planning.access import row_of
from services.order_confirm.planning.domain.intervals import INTERVAL, INTERVALS_PER_DAY, interval_of
from services.order_confirm.planning.domain.roster import Template, patterns, propose
from services.order_confirm.planning.models import PlanInterval, PlannedShift, RosterProposal
from services.order_confirm.planning.templates import as_template, list_templates
from services.order_confirm.service import audit
from services.order_confirm.service.scope import Scope

MAX_DAYS = 28


class InvalidRosterRequest(Unprocessable):
    code, title = "invalid_roster_request", "No roster can be proposed for this"


class RosterAccepted(Conflict):
    code, title = "roster_already_accepted", "This roster was accepted already"


def required_grid(session: Session, tenant: Tenant, first_day: date, days: int) -> list[list[int]]:
    tz = ZoneInfo(tenant.timezone)
    grid = [[0] * INTERVALS_PER_DAY for _ in range(days)]
    start, end = local_midnight(first_day, tz), local_midnight(first_day + timedelta(days=days), tz)
    rows = session.exec(
        select(PlanInterval.starts_at, PlanInterval.required).where(
            PlanInterval.tenant_id == tenant.id, col(PlanInterval.starts_at) >= start, col(PlanInterval.starts_at) < end
        )
    ).all()
    for starts_at, required in rows:
        at = interval_of(starts_at, tz)
        grid[(at.day - first_day).days][at.index] = max(grid[(at.day - first_day).days][at.index], required)
    return grid


def propose_roster(
    session: Session, scope: Scope, tenant: Tenant, first_day: date, days: int, *, now: datetime, time_limit: float
) -> RosterProposal:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidRosterRequest(f"`days` is 1 to {MAX_DAYS}.")
    templates: list[Template] = [as_template(row) for row in list_templates(session, tenant)]
    if not templates:
        raise InvalidRosterRequest("Add shift templates first: the roster is built from them.")
    grid = required_grid(session, tenant, first_day, days)
    if not any(any(day) for day in grid):
        raise InvalidRosterRequest("The plan requires nobody in this period (is it computed? see GET …/plan).")
    proposal = propose(grid, first_day, templates, time_limit_seconds=time_limit)
    assert tenant.id is not None
    row = RosterProposal(
        tenant_id=tenant.id,
        first_day=first_day,
        days=days,
        status="proposed",
        solver_status=proposal.status,
        starts=[
            {
                "day": s.day.isoformat(),
                "template_id": s.template_id,
                "start": s.start.strftime("%H:%M"),
                "operators": s.operators,
            }
            for s in proposal.starts
        ],
        shifts=proposal.shifts,
        over_staffing=proposal.over_staffing,
        uncovered=[{"day": d.isoformat(), "interval": i, "operators": n} for d, i, n in proposal.uncovered],
        created_by_id=scope.operator_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def accept_roster(
    session: Session, scope: Scope, tenant: Tenant, roster_id: int, *, now: datetime
) -> list[PlannedShift]:
    """Open shifts (no operator yet) for every proposed start; accepting twice is refused, never doubled."""
    assert tenant.id is not None
    row = row_of(session, RosterProposal, roster_id, tenant.id, for_update=True)
    if row.status == "accepted":
        raise RosterAccepted(f"Roster {roster_id} was accepted at {row.accepted_at}.")
    if row.solver_status not in ("OPTIMAL", "FEASIBLE"):
        raise InvalidRosterRequest(f"The optimizer found no roster ({row.solver_status}); nothing to accept.")
    tz = ZoneInfo(tenant.timezone)
    templates = {t.id: t for t in (as_template(r) for r in list_templates(session, tenant))}
    shifts = []
    for start in row.starts:
        template = templates.get(int(start["template_id"]))
        if template is None:
            raise InvalidRosterRequest(
                f"Template {start['template_id']} was deleted since the proposal; propose again."
            )
        day, begins = date.fromisoformat(start["day"]), time.fromisoformat(start["start"])
        (pattern,) = [p for p in patterns(template) if p.start == begins]
        starts_at = datetime.combine(day, begins, tzinfo=tz)
        working = [i for i, flag in enumerate(pattern.coverage) if flag]
        ends_at = starts_at + (working[-1] - working[0] + 1) * INTERVAL
        breaks = [i for i in range(working[0], working[-1] + 1) if not pattern.coverage[i]]
        break_start = starts_at + (breaks[0] - working[0]) * INTERVAL if breaks else None
        break_end = break_start + len(breaks) * INTERVAL if break_start else None
        for _ in range(int(start["operators"])):
            shift = PlannedShift(
                tenant_id=tenant.id,
                operator_id=None,
                starts_at=starts_at,
                ends_at=ends_at,
                break_starts_at=break_start,
                break_ends_at=break_end,
                template_id=template.id,
                roster_id=row.id,
                source="roster",
                created_by_id=scope.operator_id,
                created_at=now,
            )
            session.add(shift)
            shifts.append(shift)
    row.status, row.accepted_at, row.accepted_by_id = "accepted", now, scope.operator_id
    session.add(row)
    session.flush()
    audit.record(
        session,
        now=now,
        actor=scope.operator,
        action="roster.accepted",
        entity="roster",
        entity_id=roster_id,
        tenant_id=tenant.id,
        after={"shifts": len(shifts), "first_day": row.first_day.isoformat(), "days": row.days},
    )
    return shifts


def list_rosters(session: Session, tenant: Tenant) -> list[RosterProposal]:
    query = select(RosterProposal).where(RosterProposal.tenant_id == tenant.id).order_by(col(RosterProposal.id).desc())
    return list(session.exec(query.limit(20)))
