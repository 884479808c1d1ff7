"""Customer ratings from the post-call survey: CSAT (1–5) average and distribution, NPS, response rate.

Ratings belong to the call (attempt) they rate, so they group by its time and its operator.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col

from services.order_confirm.domain.service_level import average, net_promoter_score, share
from services.order_confirm.models import Attempt
from services.order_confirm.service.reports.frame import ReportFrame
from services.order_confirm.service.reports.grouping import Facts, labelled
from services.order_confirm.service.reports.sql import counted
from services.order_confirm.service.reports.table import GROUP_COLUMNS, Column, Kind, ReportTable

# Survey calls that rang the customer (contracts.calls.SurveyStatus without "skipped").
PLACED = ("completed", "partial", "no_answer", "busy", "failed", "voicemail")

COLUMNS = [
    *GROUP_COLUMNS,
    Column("surveys_placed", "Survey calls placed", Kind.COUNT),
    Column("surveys_answered", "Surveys answered", Kind.COUNT),
    Column("response_rate", "Response rate", Kind.SHARE),
    Column("csat_count", "CSAT answers", Kind.COUNT),
    Column("csat_average", "CSAT average", Kind.NUMBER),
    *(Column(f"csat.{score}", f"CSAT {score}", Kind.COUNT) for score in range(1, 6)),
    Column("nps_count", "NPS answers", Kind.COUNT),
    Column("promoters", "Promoters (9–10)", Kind.COUNT),
    Column("passives", "Passives (7–8)", Kind.COUNT),
    Column("detractors", "Detractors (0–6)", Kind.COUNT),
    Column("nps", "NPS", Kind.NUMBER),
]


def quality_report(session: Session, frame: ReportFrame) -> ReportTable:
    facts = Facts(frame, col(Attempt.started_at), col(Attempt.operator_id), col(Attempt.tenant_id))
    csat, nps = col(Attempt.csat), col(Attempt.nps)
    answered = (csat.isnot(None)) | (nps.isnot(None))
    query = facts.select(
        Attempt,
        counted(col(Attempt.survey_status).in_(PLACED)).label("placed"),
        counted(answered).label("answered"),
        func.count(csat).label("csat_count"),
        func.coalesce(func.sum(csat), 0).label("csat_sum"),
        *(counted(csat == score).label(f"csat_{score}") for score in range(1, 6)),
        func.count(nps).label("nps_count"),
        counted(nps >= 9).label("promoters"),
        counted(and_(nps >= 7, nps <= 8)).label("passives"),
        counted(nps <= 6).label("detractors"),
    ).where(col(Attempt.survey_status).isnot(None) | answered)
    figures = {row.key: _figures(row) for row in session.execute(query)}
    return ReportTable(
        "quality", "Customer ratings", COLUMNS, labelled(session, frame, figures, lambda: _figures(None))
    )


def _figures(row: Any) -> dict[str, Any]:
    def n(name: str) -> int:
        return int(getattr(row, name)) if row else 0

    return {
        "surveys_placed": n("placed"),
        "surveys_answered": n("answered"),
        "response_rate": share(n("answered"), n("placed")),
        "csat_count": n("csat_count"),
        "csat_average": average(n("csat_sum"), n("csat_count")),
        **{f"csat.{score}": n(f"csat_{score}") for score in range(1, 6)},
        "nps_count": n("nps_count"),
        "promoters": n("promoters"),
        "passives": n("passives"),
        "detractors": n("detractors"),
        "nps": net_promoter_score(n("promoters"), n("detractors"), n("nps_count")),
    }
