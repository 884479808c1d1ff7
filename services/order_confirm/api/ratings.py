"""`GET /api/v1/me/ratings`: an operator reads their own survey ratings. There is no write route: ratings
come only from the survey (see service/surveys.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from contracts.bounds import BoundedAwareDatetime
from services.order_confirm.api.deps import SessionDep, WorkerScope
from services.order_confirm.service.ratings import RatingsSummary, own_ratings

router = APIRouter(prefix="/api/v1/me", tags=["ratings"])


@router.get("/ratings", response_model=RatingsSummary)
def my_ratings(
    session: SessionDep,
    scope: WorkerScope,
    since: Annotated[BoundedAwareDatetime | None, Query(description="Only calls started at or after this time")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RatingsSummary:
    return own_ratings(session, scope, since=since, limit=limit)
