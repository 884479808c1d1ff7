"""Reports as they cross services: the daily report of a tenant, ready for the shop (order_confirm -> integrations).

integrations pushes it to the shop's webhook URL as event `report.daily`; the figures are the `total` rows of
the report API for that local day, so the shop sees exactly what the console and the XLSX show.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AwareDatetime, Field

from contracts.envelope import Strict

# Report name ("speed", "outcomes", ...) -> column key -> figure (counts, seconds, 0..1 shares, minor units).
Figure = int | float | str | None
DailyFigures = dict[str, dict[str, Figure]]

DAILY_REPORT_EVENT = "report.daily"


class DailyReportReady(Strict):
    tenant_id: int
    day: dt.date  # the tenant's local calendar day the report covers
    timezone: Annotated[str, Field(min_length=1, max_length=64)]
    period_start: AwareDatetime  # local midnight of `day`, inclusive
    period_end: AwareDatetime  # next local midnight, exclusive
    generated_at: AwareDatetime
    xlsx_url: Annotated[str, Field(min_length=1, max_length=1000)]  # needs the shop manager's login
    figures: DailyFigures
