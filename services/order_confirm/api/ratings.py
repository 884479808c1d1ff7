"""`GET /api/v1/me/ratings`: an operator reads their own survey ratings. There is no write route: ratings
come only from the survey (see service/surveys.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from services.order_confirm.api.deps import SessionDep, WorkerScope
from services.order_confirm.service.ratings import own_ratings

router = APIRouter(prefix="/api/v1/me", tags=["ratings"])


class RatingView(BaseModel):
    attempt_id: int
    order_id: int
    tenant: str
    called_at: datetime
    survey_status: str
    csat: int | None
    nps: int | None
    callback_requested: bool


class RatingsView(BaseModel):
    surveys: int
    average_csat: float | None
    nps_score: float | None
    ratings: list[RatingView]


@router.get("/ratings", response_model=RatingsView)
def my_ratings(
    session: SessionDep,
    scope: WorkerScope,
    since: Annotated[AwareDatetime | None, Query(description="Only calls started at or after this time")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RatingsView:
    return RatingsView.model_validate(asdict(own_ratings(session, scope, since=since, limit=limit)))
