"""Planned shifts: the rules every shift obeys, overlap between one operator's shifts, the CSV import's
row checks, and copying a week. Times are aware UTC here; the CSV speaks the tenant's local wall time."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.order_confirm.planning.domain.intervals import plannable

MAX_SHIFT = timedelta(hours=16)
CSV_COLUMNS = ("operator", "date", "start", "end", "break_start", "break_minutes")
MAX_IMPORT_ROWS = 5000


@dataclass(frozen=True)
class ShiftTimes:
    starts_at: datetime
    ends_at: datetime
    break_starts_at: datetime | None = None
    break_ends_at: datetime | None = None

    def overlaps(self, other: ShiftTimes) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def working_at(self, instant: datetime) -> bool:
        if not self.starts_at <= instant < self.ends_at:
            return False
        return not (
            self.break_starts_at and self.break_ends_at and self.break_starts_at <= instant < self.break_ends_at
        )

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of [start, end) this shift works (its break excluded)."""
        seconds = _overlap(self.starts_at, self.ends_at, start, end)
        if self.break_starts_at and self.break_ends_at:
            seconds -= _overlap(self.break_starts_at, self.break_ends_at, start, end)
        return max(0.0, seconds)

    def shifted(self, delta: timedelta) -> ShiftTimes:
        return ShiftTimes(
            self.starts_at + delta,
            self.ends_at + delta,
            self.break_starts_at + delta if self.break_starts_at else None,
            self.break_ends_at + delta if self.break_ends_at else None,
        )


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    return max(0.0, (min(a_end, b_end) - max(a_start, b_start)).total_seconds())


def shift_errors(times: ShiftTimes) -> list[dict[str, str]]:
    errors = []
    if times.starts_at.tzinfo is None or times.ends_at.tzinfo is None:
        errors.append({"field": "starts_at", "message": "needs a UTC offset"})
        return errors
    if times.ends_at <= times.starts_at:
        errors.append({"field": "ends_at", "message": "must be after the start"})
    elif times.ends_at - times.starts_at > MAX_SHIFT:
        errors.append({"field": "ends_at", "message": "a shift lasts at most 16 hours"})
    if (times.break_starts_at is None) != (times.break_ends_at is None):
        errors.append({"field": "break", "message": "a break needs both its start and its end"})
    elif (
        times.break_starts_at
        and times.break_ends_at
        and not times.starts_at <= times.break_starts_at < times.break_ends_at <= times.ends_at
    ):
        errors.append({"field": "break", "message": "the break must lie inside the shift"})
    return errors


def local_times(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A shift on local `day` from `start` to `end`; an end not after the start is on the next day."""
    starts = datetime.combine(day, start, tzinfo=tz)
    ends = datetime.combine(day + timedelta(days=1) if end <= start else day, end, tzinfo=tz)
    return starts.astimezone(UTC), ends.astimezone(UTC)


@dataclass(frozen=True)
class ImportRow:
    line: int
    login: str
    times: ShiftTimes


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def as_json(self) -> dict[str, object]:
        return {"row": self.line, "field": self.field, "message": self.message}


def _parse_row(line: int, row: dict[str, str], tz: ZoneInfo) -> tuple[ImportRow | None, list[RowError]]:
    errors: list[RowError] = []

    def field(name: str, parse, required: bool = True):  # type: ignore[no-untyped-def]
        text = (row.get(name) or "").strip()
        if not text:
            if required:
                errors.append(RowError(line, name, "is empty"))
            return None
        try:
            return parse(text)
        except ValueError:
            errors.append(RowError(line, name, f"{text!r} is not valid"))
            return None

    login = (row.get("operator") or "").strip()
    if not login:
        errors.append(RowError(line, "operator", "is empty"))
    day = field("date", lambda text: plannable(date.fromisoformat(text)))
    start = field("start", time.fromisoformat)
    end = field("end", time.fromisoformat)
    break_start = field("break_start", time.fromisoformat, required=False)
    break_minutes = field("break_minutes", int, required=False) or 0
    if break_minutes < 0 or break_minutes > 240:
        errors.append(RowError(line, "break_minutes", "0 to 240 minutes"))
    if errors or day is None or start is None or end is None:
        return None, errors
    starts_at, ends_at = local_times(day, start, end, tz)
    break_times: tuple[datetime | None, datetime | None] = (None, None)
    if break_start is not None and break_minutes:
        break_day = day if break_start >= start else day + timedelta(days=1)
        begins = datetime.combine(break_day, break_start, tzinfo=tz).astimezone(UTC)
        break_times = (begins, begins + timedelta(minutes=break_minutes))
    times = ShiftTimes(starts_at, ends_at, *break_times)
    errors += [RowError(line, e["field"], e["message"]) for e in shift_errors(times)]
    return (None if errors else ImportRow(line, login, times)), errors


def parse_csv(text: str, tz: ZoneInfo) -> tuple[list[ImportRow], list[RowError]]:
    """Rows of `operator,date,start,end[,break_start,break_minutes]` (local times); every bad row reported."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in CSV_COLUMNS[:4] if name not in header]
    if missing:
        return [], [RowError(1, "header", f"missing column(s): {', '.join(missing)}; expected {','.join(CSV_COLUMNS)}")]
    reader.fieldnames = header
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            errors.append(RowError(number, "file", f"at most {MAX_IMPORT_ROWS} rows per import"))
            break
        parsed, row_errors = _parse_row(number, {k: v for k, v in raw.items() if isinstance(k, str)}, tz)
        errors += row_errors
        if parsed:
            rows.append(parsed)
    if not rows and not errors:
        errors.append(RowError(1, "file", "no rows"))
    return rows, errors


def overlapping(candidates: Sequence[tuple[object, ShiftTimes]]) -> list[tuple[object, object]]:
    """Pairs of keys whose shifts overlap (the caller groups by operator)."""
    ordered = sorted(candidates, key=lambda item: item[1].starts_at)
    pairs = []
    for n, (key, times) in enumerate(ordered):
        for other_key, other in ordered[n + 1 :]:
            if other.starts_at >= times.ends_at:
                break
            pairs.append((key, other_key))
    return pairs
