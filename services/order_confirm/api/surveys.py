"""`GET /api/v1/surveys`: survey results one by one (read-only; ratings come only from the survey itself)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts.bounds import BoundedDatetime
from contracts.calls import SurveyStatus
from services.order_confirm.api.deps import DB_INT_MAX, CurrentScope, QueryId, SessionDep
from services.order_confirm.domain.report_periods import InvalidPeriod
from services.order_confirm.service.reports.surveys import NpsGroup, SurveySearch, search_surveys

router = APIRouter(prefix="/api/v1/surveys", tags=["reports"])


@router.get("")
def list_surveys(
    session: SessionDep,
    scope: CurrentScope,
    called_from: BoundedDatetime,
    called_before: BoundedDatetime,
    tenant_id: QueryId | None = None,
    operator_id: QueryId | None = None,
    status: Annotated[
        list[SurveyStatus] | None, Query(description="Survey statuses; default every placed survey")
    ] = None,
    csat: Annotated[int | None, Query(ge=1, le=5)] = None,
    nps_group: NpsGroup | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> dict[str, Any]:
    """Ratings of calls started in [called_from, called_before): `{total, items: [{external_id, operator (name),
    called_at, survey_status, csat, nps, callback_requested, ...}]}`, newest first."""
    if called_from.tzinfo is None or called_before.tzinfo is None:
        raise InvalidPeriod("`called_from` and `called_before` need a UTC offset, e.g. 2026-11-23T00:00:00+03:00.")
    search = SurveySearch(
        called_from, called_before, tenant_id, operator_id, tuple(status or ()), csat, nps_group, limit, offset
    )
    return search_surveys(session, scope, search)
