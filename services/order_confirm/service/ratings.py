"""An operator's own survey ratings: read-only, their attempts only, in the tenants they work for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from services.order_confirm.domain.survey_outcome import NPS_DETRACTOR_MAX
from services.order_confirm.models import Attempt, Tenant
from services.order_confirm.service.scope import Scope

NPS_PROMOTER_MIN = 9
RATED = ("completed", "partial")


@dataclass(frozen=True)
class Rating:
    attempt_id: int
    order_id: int
    tenant: str
    called_at: datetime
    survey_status: str
    csat: int | None
    nps: int | None
    callback_requested: bool


@dataclass(frozen=True)
class RatingsSummary:
    surveys: int
    average_csat: float | None
    nps_score: float | None  # % promoters (9-10) minus % detractors (0-6), over answers with an NPS
    ratings: list[Rating]


def own_ratings(session: Session, scope: Scope, *, since: datetime | None, limit: int) -> RatingsSummary:
    query = (
        select(Attempt, Tenant.slug)
        .join(Tenant, col(Tenant.id) == col(Attempt.tenant_id))
        .where(
            Attempt.operator_id == scope.operator_id,
            col(Attempt.tenant_id).in_(scope.tenant_ids),
            col(Attempt.survey_status).in_(RATED),
        )
        .order_by(col(Attempt.started_at).desc())
    )
    if since is not None:
        query = query.where(col(Attempt.started_at) >= since)
    rows = session.exec(query).all()
    csats = [a.csat for a, _ in rows if a.csat is not None]
    npss = [a.nps for a, _ in rows if a.nps is not None]
    nps_score = None
    if npss:
        promoters = sum(1 for n in npss if n >= NPS_PROMOTER_MIN)
        detractors = sum(1 for n in npss if n <= NPS_DETRACTOR_MAX)
        nps_score = round(100 * (promoters - detractors) / len(npss), 1)
    return RatingsSummary(
        surveys=len(rows),
        average_csat=round(sum(csats) / len(csats), 2) if csats else None,
        nps_score=nps_score,
        ratings=[
            Rating(
                attempt_id=a.id or 0,
                order_id=a.order_id,
                tenant=slug,
                called_at=a.started_at,
                survey_status=a.survey_status or "",
                csat=a.csat,
                nps=a.nps,
                callback_requested=a.survey_callback_requested,
            )
            for a, slug in rows[:limit]
        ],
    )
