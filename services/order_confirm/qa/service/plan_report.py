"""Evaluations done against the sample plan: per week (drawn) and operator, the conversations sampled, how
many of them have a submitted evaluation, and the same for the flagged ones. A week appears once its sample
has been drawn (by the scheduler after the week, or when its work queue was first opened)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from services.order_confirm.domain.service_level import share
from services.order_confirm.models import Operator, Tenant
from services.order_confirm.qa.domain.weeks import monday_of, week_of
from services.order_confirm.qa.models import QaEvaluation, QaSampleItem, QaSampleWeek
from services.order_confirm.qa.service.evaluations import REGULAR, SUBMITTED
from services.order_confirm.qa.service.report_data import Period
from services.order_confirm.qa.service.work_queue import SAMPLE
from services.order_confirm.service.reports.table import Column, Kind, ReportTable

COLUMNS = [
    Column("week", "Week", Kind.TEXT),
    Column("operator", "Operator", Kind.TEXT),
    Column("operator_id", "Operator id", Kind.TEXT),
    Column("planned", "Sampled (plan)", Kind.COUNT),
    Column("sample_evaluated", "Sample evaluated", Kind.COUNT),
    Column("plan_done", "Plan done", Kind.SHARE),
    Column("flagged", "Flagged", Kind.COUNT),
    Column("flagged_evaluated", "Flagged evaluated", Kind.COUNT),
]


def plan_table(session: Session, tenant: Tenant, period: Period, operators: set[int] | None) -> ReportTable:
    weeks = session.exec(
        select(QaSampleWeek).where(
            QaSampleWeek.tenant_id == tenant.id,
            col(QaSampleWeek.week) >= monday_of(period.first_day),
            col(QaSampleWeek.week) <= period.last_day,
        )
    ).all()
    mondays = [week.week for week in weeks]
    items = session.exec(
        select(QaSampleItem).where(QaSampleItem.tenant_id == tenant.id, col(QaSampleItem.week).in_(mondays))
    ).all()
    evaluated = set(
        session.exec(
            select(QaEvaluation.attempt_id).where(
                col(QaEvaluation.attempt_id).in_([item.attempt_id for item in items]),
                QaEvaluation.status == SUBMITTED,
                QaEvaluation.kind == REGULAR,
            )
        ).all()
    )
    wanted = {(w.week, int(o)) for w in weeks for o in w.planned} | {(i.week, i.operator_id) for i in items}
    if operators is not None:
        wanted = {(week, operator) for week, operator in wanted if operator in operators}
    names = dict(
        session.exec(select(Operator.id, Operator.name).where(col(Operator.id).in_({o for _, o in wanted}))).all()
    )
    planned = {(w.week, int(o)): count for w in weeks for o, count in w.planned.items()}
    rows = []
    for week, operator_id in sorted(wanted):
        mine = [i for i in items if i.week == week and i.operator_id == operator_id]
        sampled = [i for i in mine if any(r["kind"] == SAMPLE for r in i.reasons)]
        flagged = [i for i in mine if any(r["kind"] != SAMPLE for r in i.reasons)]
        done = sum(1 for i in sampled if i.attempt_id in evaluated)
        plan = planned.get((week, operator_id), 0)
        rows.append(
            {
                "week": week_of(week, period.tz).label,
                "operator": names.get(operator_id, ""),
                "operator_id": str(operator_id),
                "planned": plan,
                "sample_evaluated": done,
                "plan_done": share(done, plan),
                "flagged": len(flagged),
                "flagged_evaluated": sum(1 for i in flagged if i.attempt_id in evaluated),
            }
        )
    return ReportTable("qa_plan", "Evaluations against the sample plan", COLUMNS, rows)
