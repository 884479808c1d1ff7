"""Adherence: was the operator on shift (status available or busy) when the plan said so?

Per operator and interval: the planned working seconds, the seconds on shift, and the seconds both
(in adherence). Adherence = in-adherence seconds / planned seconds. Status history is a list of
(changed_at, on_shift) in time order; the status before the first change is `initially_on_shift`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.order_confirm.planning.domain.shifts import ShiftTimes


@dataclass(frozen=True)
class Cell:
    starts_at: datetime
    planned_seconds: float
    on_shift_seconds: float
    adherent_seconds: float


def on_shift_spans(
    changes: Sequence[tuple[datetime, bool]], initially_on_shift: bool, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    spans: list[tuple[datetime, datetime]] = []
    current, since = initially_on_shift, start
    for changed_at, on_shift in changes:
        if changed_at >= end:
            break
        at = max(changed_at, start)
        if on_shift != current:
            if current and at > since:
                spans.append((since, at))
            current, since = on_shift, at
    if current and end > since:
        spans.append((since, end))
    return spans


def _overlap(a: tuple[datetime, datetime], start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    lo, hi = max(a[0], start), min(a[1], end)
    return (lo, hi) if hi > lo else None


def cells(
    shifts: Sequence[ShiftTimes],
    spans: Sequence[tuple[datetime, datetime]],
    interval_starts: Sequence[datetime],
    length: timedelta,
) -> list[Cell]:
    out = []
    for begins in interval_starts:
        ends = begins + length
        planned = sum(shift.working_seconds(begins, ends) for shift in shifts)
        on_shift = 0.0
        adherent = 0.0
        for span in spans:
            piece = _overlap(span, begins, ends)
            if piece:
                on_shift += (piece[1] - piece[0]).total_seconds()
                adherent += sum(shift.working_seconds(*piece) for shift in shifts)
        out.append(Cell(begins, planned, on_shift, min(adherent, planned)))
    return out


def adherence(cells_: Sequence[Cell]) -> float | None:
    planned = sum(cell.planned_seconds for cell in cells_)
    return round(sum(cell.adherent_seconds for cell in cells_) / planned, 4) if planned else None
