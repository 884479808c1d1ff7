"""The range of dates and moments any API accepts, in one place.

Python's dates run from year 1 to 9999, and arithmetic near either end overflows: `0001-01-01` in a Moscow
report is midnight minus three hours, before year 1 (OverflowError, a 500). No order, shift or report of this
product lies outside 1900–2999, so every date and date-time an endpoint reads is validated against that span
(422 `validation_failed`), and the span is published in OpenAPI as `formatMinimum` / `formatMaximum`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import annotated_types
from pydantic import AwareDatetime, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2999, 12, 31, tzinfo=UTC)


class PublishedSpan:
    """Adds the span to the JSON schema (the validation itself is `annotated_types.Interval`)."""

    def __init__(self, earliest: date, latest: date) -> None:
        self.earliest, self.latest = earliest.isoformat(), latest.isoformat()

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema: dict[str, Any] = handler(schema)
        json_schema.update(formatMinimum=self.earliest, formatMaximum=self.latest)
        return json_schema


BoundedDate = Annotated[
    date,
    annotated_types.Interval(ge=EARLIEST_DAY, le=LATEST_DAY),
    PublishedSpan(EARLIEST_DAY, LATEST_DAY),
]
BoundedDatetime = Annotated[
    datetime,
    annotated_types.Interval(ge=EARLIEST_MOMENT, le=LATEST_MOMENT),
    PublishedSpan(EARLIEST_MOMENT, LATEST_MOMENT),
]
BoundedAwareDatetime = Annotated[
    AwareDatetime,
    annotated_types.Interval(ge=EARLIEST_MOMENT, le=LATEST_MOMENT),
    PublishedSpan(EARLIEST_MOMENT, LATEST_MOMENT),
]
