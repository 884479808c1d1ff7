"""The QA reports as tables (JSON, CSV and XLSX from the same rows, like the other reports):

- `quality`: evaluations, average score against the tenant's target, critical-error rate, calls below the
  coaching threshold, and the customers' CSAT/NPS of the same calls' period — per operator, team, week or
  tenant;
- `criteria`: the criteria failed most;
- `plan`: evaluations done against the weekly sample plan, per week and operator;
- `disputes`: disputes and their outcomes, and how much upheld ones changed the score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from services.common.problems import NotFound
from services.order_confirm.models import Tenant
from services.order_confirm.qa.domain.figures import criteria_tally, dispute_figures, grouped, quality_figures
from services.order_confirm.qa.domain.scorecard import scorecard_from_document
from services.order_confirm.qa.models import QaScorecardVersion
from services.order_confirm.qa.service import plan_report
from services.order_confirm.qa.service.report_data import ReportData, load, period_of
from services.order_confirm.qa.service.tenant_settings import qa_settings
from services.order_confirm.service.reports.table import GROUP_COLUMNS, Column, Kind, ReportTable


class QaReportName(StrEnum):
    QUALITY = "quality"
    CRITERIA = "criteria"
    PLAN = "plan"
    DISPUTES = "disputes"


class QaGrouping(StrEnum):
    OPERATOR = "operator"
    TEAM = "team"
    WEEK = "week"
    TENANT = "tenant"


@dataclass(frozen=True)
class QaReportRequest:
    first_day: date
    last_day: date
    group_by: QaGrouping = QaGrouping.OPERATOR
    operator_id: int | None = None


RATINGS = [
    Column("csat_count", "CSAT answers", Kind.COUNT),
    Column("csat_average", "CSAT average", Kind.NUMBER),
    Column("nps_count", "NPS answers", Kind.COUNT),
    Column("nps", "NPS", Kind.NUMBER),
]
QUALITY = [
    *GROUP_COLUMNS,
    Column("evaluations", "Evaluations", Kind.COUNT),
    Column("score", "Quality, %", Kind.NUMBER),
    Column("target", "Target, %", Kind.NUMBER),
    Column("vs_target", "Against the target, points", Kind.NUMBER),
    Column("critical_errors", "Critical errors", Kind.COUNT),
    Column("critical_error_rate", "Critical-error rate", Kind.SHARE),
    Column("below_threshold", "Below the coaching threshold", Kind.COUNT),
    *RATINGS,
]
DISPUTES = [
    *GROUP_COLUMNS,
    Column("evaluations", "Evaluations", Kind.COUNT),
    Column("disputes", "Disputes", Kind.COUNT),
    Column("dispute_rate", "Dispute rate", Kind.SHARE),
    Column("open", "Open", Kind.COUNT),
    Column("upheld", "Upheld", Kind.COUNT),
    Column("rejected", "Rejected", Kind.COUNT),
    Column("upheld_share", "Upheld of decided", Kind.SHARE),
    Column("upheld_score_change", "Score change when upheld, points", Kind.NUMBER),
]
CRITERIA = [
    Column("criterion", "Criterion", Kind.TEXT),
    Column("title", "Title", Kind.TEXT),
    Column("critical", "Critical", Kind.TEXT),
    Column("applicable", "Applicable", Kind.COUNT),
    Column("yes", "Yes", Kind.COUNT),
    Column("partly", "Partly", Kind.COUNT),
    Column("no", "No", Kind.COUNT),
    Column("fail_rate", "Failed", Kind.SHARE),
]


def build(
    session: Session, tenant: Tenant, name: QaReportName, request: QaReportRequest, operators: set[int] | None
) -> ReportTable:
    if request.operator_id is not None:
        if operators is not None and request.operator_id not in operators:
            raise NotFound(f"No operator {request.operator_id}.")
        operators = {request.operator_id}
    period = period_of(tenant, request.first_day, request.last_day)
    if name is QaReportName.PLAN:
        table = plan_report.plan_table(session, tenant, period, operators)
    else:
        data = load(session, tenant, period, operators)
        table = _BUILDERS[name](session, tenant, data, request.group_by)
    table.meta.update(
        {
            "from": request.first_day.isoformat(),
            "to": request.last_day.isoformat(),
            "group_by": request.group_by.value,
            "timezone": str(period.tz),
            "tenant_id": tenant.id,
            "operator_id": request.operator_id,
            "target": qa_settings(tenant).target,
        }
    )
    return table


def _quality(session: Session, tenant: Tenant, data: ReportData, group_by: QaGrouping) -> ReportTable:
    target = qa_settings(tenant).target
    rows = _rows(tenant, data, group_by, lambda calls, ratings: quality_figures(calls, ratings, target))
    return ReportTable("qa_quality", "Quality against the target", QUALITY, rows)


def _disputes(session: Session, tenant: Tenant, data: ReportData, group_by: QaGrouping) -> ReportTable:
    rows = _rows(tenant, data, group_by, lambda calls, ratings: dispute_figures(calls), with_ratings=False)
    return ReportTable("qa_disputes", "Disputes and their outcome", DISPUTES, rows)


def _criteria(session: Session, tenant: Tenant, data: ReportData, group_by: QaGrouping) -> ReportTable:
    titles: dict[str, tuple[str, bool]] = {}
    versions = session.exec(
        select(QaScorecardVersion).where(col(QaScorecardVersion.id).in_(sorted(data.versions)))
    ).all()
    for version in sorted(versions, key=lambda v: v.id or 0):  # a newer version's title wins
        for criterion in scorecard_from_document(version.document).criteria():
            titles[criterion.key] = (criterion.title, criterion.critical)
    rows = [
        {
            "criterion": tally.key,
            "title": titles.get(tally.key, ("", False))[0],
            "critical": "yes" if titles.get(tally.key, ("", False))[1] else "",
            "applicable": tally.applicable,
            "yes": tally.yes,
            "partly": tally.partly,
            "no": tally.no,
            "fail_rate": tally.fail_rate,
        }
        for tally in criteria_tally(data.calls)
    ]
    return ReportTable("qa_criteria", "Criteria failed most", CRITERIA, rows)


_BUILDERS: dict[QaReportName, Callable[[Session, Tenant, ReportData, QaGrouping], ReportTable]] = {
    QaReportName.QUALITY: _quality,
    QaReportName.DISPUTES: _disputes,
    QaReportName.CRITERIA: _criteria,
}


def _rows(
    tenant: Tenant,
    data: ReportData,
    group_by: QaGrouping,
    figures: Callable[[Any, Any], dict[str, Any]],
    *,
    with_ratings: bool = True,
) -> list[dict[str, Any]]:
    key, label = _grouping(tenant, data, group_by)
    groups = grouped(data.calls, data.ratings if with_ratings else [], key)
    rows = [{"group": label(group), "group_id": group, **figures(*groups[group])} for group in groups]
    return sorted(rows, key=lambda row: (row["group"], row["group_id"]))


def _grouping(
    tenant: Tenant, data: ReportData, group_by: QaGrouping
) -> tuple[Callable[[Any], str], Callable[[str], str]]:
    def name(operator_id: str) -> str:
        operator = data.operators.get(int(operator_id)) if operator_id else None
        return operator.name if operator else ""

    if group_by is QaGrouping.OPERATOR:
        return (lambda call: str(call.operator_id)), name
    if group_by is QaGrouping.TEAM:
        return (lambda call: str(call.team_id or "")), (lambda team: name(team) if team else "No team")
    if group_by is QaGrouping.WEEK:
        return (lambda call: call.week), (lambda week: week)
    return (lambda call: str(tenant.id)), (lambda _: tenant.name)
