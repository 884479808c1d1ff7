"""What the QA reports read: the current version of every submitted regular evaluation of the calls made in
the period (by the call's local day, so a week's quality is the quality of that week's calls), and the
survey ratings of the same calls' period. Loaded in a few queries; the figures are computed in
`domain/figures.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from services.order_confirm.domain.report_periods import check_range, local_midnight
from services.order_confirm.models import Attempt, Operator, Tenant
from services.order_confirm.qa.domain.figures import EvaluatedCall, RatedCall
from services.order_confirm.qa.domain.weeks import monday_of
from services.order_confirm.qa.models import QaAnswer, QaDispute, QaEvaluation
from services.order_confirm.qa.service.evaluations import REGULAR, SUBMITTED
from services.order_confirm.qa.service.tenant_settings import qa_settings

MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    tz: ZoneInfo
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ReportData:
    period: Period
    calls: list[EvaluatedCall]
    ratings: list[RatedCall]
    operators: dict[int, Operator]  # everyone the rows name
    versions: set[int]  # scorecard versions the evaluations were scored on


def period_of(tenant: Tenant, first_day: date, last_day: date) -> Period:
    check_range(first_day, last_day, MAX_DAYS)
    tz = ZoneInfo(tenant.timezone)
    return Period(
        first_day,
        last_day,
        tz,
        local_midnight(first_day, tz),
        local_midnight(date.fromordinal(last_day.toordinal() + 1), tz),
    )


def week_label(moment: datetime, tz: ZoneInfo) -> str:
    year, number, _ = monday_of(moment.astimezone(tz).date()).isocalendar()
    return f"{year}-W{number:02d}"


def load(session: Session, tenant: Tenant, period: Period, operators: set[int] | None) -> ReportData:
    evaluated = _evaluations(session, tenant, period, operators)
    ids = [row.id for row, _ in evaluated]
    answers: dict[int, dict[str, str]] = {}
    for answer in session.exec(select(QaAnswer).where(col(QaAnswer.evaluation_id).in_(ids))):
        answers.setdefault(answer.evaluation_id, {})[answer.criterion_key] = answer.answer
    disputes = {
        d.lineage: d
        for d in session.exec(
            select(QaDispute).where(col(QaDispute.lineage).in_([row.lineage for row, _ in evaluated]))
        )
    }
    disputed_scores = dict(
        session.exec(
            select(QaEvaluation.id, QaEvaluation.score_hundredths).where(
                col(QaEvaluation.id).in_([d.evaluation_id for d in disputes.values()])
            )
        ).all()
    )
    ratings = _ratings(session, tenant, period, operators)
    people = {row.operator_id for row, _ in evaluated} | {operator_id for operator_id, *_ in ratings}
    staff = {o.id: o for o in session.exec(select(Operator).where(col(Operator.id).in_(sorted(people)))) if o.id}
    teams = {o.supervisor_id for o in staff.values() if o.supervisor_id is not None} - set(staff)
    staff |= {o.id: o for o in session.exec(select(Operator).where(col(Operator.id).in_(sorted(teams)))) if o.id}
    threshold = qa_settings(tenant).coaching_threshold * 100
    calls = []
    for row, started_at in evaluated:
        assert row.id is not None and row.score_hundredths is not None
        dispute = disputes.get(row.lineage)
        before = disputed_scores.get(dispute.evaluation_id) if dispute and dispute.status == "upheld" else None
        calls.append(
            EvaluatedCall(
                evaluation_id=row.id,
                operator_id=row.operator_id,
                team_id=staff[row.operator_id].supervisor_id,
                week=week_label(started_at, period.tz),
                score_hundredths=row.score_hundredths,
                critical=bool(row.critical_failures),
                below_threshold=bool(row.critical_failures) or row.score_hundredths < threshold,
                answers=answers.get(row.id, {}),
                dispute=dispute.status if dispute else None,
                score_change_hundredths=None if before is None else row.score_hundredths - before,
            )
        )
    rated = [
        RatedCall(operator_id, staff[operator_id].supervisor_id, week_label(started_at, period.tz), csat, nps)
        for operator_id, started_at, csat, nps in ratings
    ]
    return ReportData(period, calls, rated, staff, {row.scorecard_version_id for row, _ in evaluated})


def _evaluations(
    session: Session, tenant: Tenant, period: Period, operators: set[int] | None
) -> list[tuple[QaEvaluation, datetime]]:
    query = (
        select(QaEvaluation, Attempt.started_at)
        .join(Attempt, col(Attempt.id) == col(QaEvaluation.attempt_id))
        .where(
            QaEvaluation.tenant_id == tenant.id,
            QaEvaluation.status == SUBMITTED,
            QaEvaluation.kind == REGULAR,
            col(QaEvaluation.superseded_by_id).is_(None),
            col(Attempt.started_at) >= period.start,
            col(Attempt.started_at) < period.end,
        )
        .order_by(col(QaEvaluation.id))
    )
    if operators is not None:
        query = query.where(col(QaEvaluation.operator_id).in_(sorted(operators)))
    return [(row, started_at) for row, started_at in session.exec(query)]


def _ratings(
    session: Session, tenant: Tenant, period: Period, operators: set[int] | None
) -> list[tuple[int, datetime, int | None, int | None]]:
    query = select(Attempt.operator_id, Attempt.started_at, Attempt.csat, Attempt.nps).where(
        Attempt.tenant_id == tenant.id,
        col(Attempt.started_at) >= period.start,
        col(Attempt.started_at) < period.end,
        col(Attempt.csat).isnot(None) | col(Attempt.nps).isnot(None),
    )
    if operators is not None:
        query = query.where(col(Attempt.operator_id).in_(sorted(operators)))
    return [(operator_id, started_at, csat, nps) for operator_id, started_at, csat, nps in session.exec(query)]
