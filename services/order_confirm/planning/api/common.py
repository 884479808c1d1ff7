"""What every planning route shares: the tenant path id and the role checks."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import Path
from pydantic import AfterValidator, AwareDatetime

from contracts.bounds import PublishedSpan
from services.order_confirm.api.deps import DB_INT_MAX
from services.order_confirm.planning.domain.intervals import FIRST_PLANNABLE_DAY, LAST_PLANNABLE_DAY


def _plannable_instant(value: datetime) -> datetime:
    if not FIRST_PLANNABLE_DAY <= value.date() <= LAST_PLANNABLE_DAY:
        raise ValueError(f"must lie in {FIRST_PLANNABLE_DAY.year}–{LAST_PLANNABLE_DAY.year}")
    return value


# Dates and times outside these years are a 422 naming the field, never an overflow deeper down.
PlanningDay = Annotated[
    date, Ge(FIRST_PLANNABLE_DAY), Le(LAST_PLANNABLE_DAY), PublishedSpan(FIRST_PLANNABLE_DAY, LAST_PLANNABLE_DAY)
]
PlanningInstant = Annotated[
    AwareDatetime,
    AfterValidator(_plannable_instant),
    PublishedSpan(datetime.combine(FIRST_PLANNABLE_DAY, time.min), datetime.combine(LAST_PLANNABLE_DAY, time.max)),
]
TenantId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The tenant (shop) the plan belongs to")]
PREFIX = "/api/v1/planning/tenants/{tenant_id}"
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such tenant or row, or your role does not plan (operators)"},
    422: {"description": "Not valid: problem+json with `errors` (field or CSV row, and the reason)"},
}
