"""SQL building blocks shared by the reports, written once for PostgreSQL and SQLite.

Both databases must give the same figures for the same history, so durations are whole seconds between
whole-second epochs and percentiles use PostgreSQL's own `percentile_cont` definition on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    case,
    cast,
    column,
    func,
    literal,
    select,
    values,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session

from services.common.types import UTCDateTime
from services.order_confirm.domain.report_periods import Bucket


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970 of a stored UTC timestamp."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(floor(extract(epoch from {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


def seconds_between(start: Any, end: Any) -> ColumnElement[int]:
    return epoch_seconds(end) - epoch_seconds(start)


def bucket_table(periods: Sequence[Bucket]) -> CTE:
    """The report's periods as a table (`idx`, `starts`, `ends`, `how`) to join facts against."""
    rows = values(
        column("idx", Integer),
        column("starts", UTCDateTime),
        column("ends", UTCDateTime),
        column("how", Integer),
        name="periods",
    ).data([(bucket.index, bucket.start, bucket.end, bucket.hour_of_week) for bucket in periods])
    return rows.cte("periods")


def counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """COUNT of rows matching `condition` (portable FILTER)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def percentiles(
    session: Session, facts: Select[Any], fractions: Sequence[float]
) -> dict[Any, tuple[float | None, ...]]:
    """Continuous percentiles (`percentile_cont`) of `facts`' `value` column per `key` column.

    `facts` selects two labelled columns, `key` and `value`, one row per observation.
    """
    source = facts.subquery("facts")
    if session.get_bind().dialect.name == "postgresql":
        query = select(
            source.c.key,
            *(func.percentile_cont(fraction).within_group(cast(source.c.value, Float)) for fraction in fractions),
        ).group_by(source.c.key)
    else:
        query = _ranked_percentiles(source, fractions)
    return {
        row[0]: tuple(None if value is None else float(value) for value in row[1:]) for row in session.execute(query)
    }


def _ranked_percentiles(source: Any, fractions: Sequence[float]) -> Select[Any]:
    """percentile_cont by hand: rank the values, take the two around p·(n−1) and interpolate linearly,
    in the same float arithmetic as PostgreSQL (lo + fraction·(hi − lo))."""
    ranked = select(
        source.c.key,
        cast(source.c.value, Float).label("value"),
        (func.row_number().over(partition_by=source.c.key, order_by=source.c.value) - 1).label("rank"),
        func.count().over(partition_by=source.c.key).label("n"),
    ).subquery("ranked")
    columns: list[ColumnElement[Any]] = []
    for fraction in fractions:
        position = literal(fraction, Float) * (ranked.c.n - 1)
        low = cast(position, Integer)  # truncation = floor, as position >= 0
        high = case((position > low, low + 1), else_=low)
        low_value = func.max(case((ranked.c.rank == low, ranked.c.value)))
        high_value = func.max(case((ranked.c.rank == high, ranked.c.value)))
        columns.append(low_value + func.max(position - low) * (high_value - low_value))
    return select(ranked.c.key, *columns).group_by(ranked.c.key)
