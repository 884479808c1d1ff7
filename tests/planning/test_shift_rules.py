"""Shift rules without a database: the CSV import's row checks, overlaps and adherence arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.order_confirm.planning.domain.adherence import adherence, cells, on_shift_spans
from services.order_confirm.planning.domain.shifts import ShiftTimes, overlapping, parse_csv

MOSCOW = ZoneInfo("Europe/Moscow")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW).astimezone(UTC)


def test_csv_rows_become_local_shifts_and_every_bad_row_is_reported() -> None:
    good = (
        "operator,date,start,end,break_start,break_minutes\n"
        "anna,2026-12-07,09:00,18:00,13:00,60\n"
        "boris,2026-12-07,22:00,06:00,,\n"
    )
    rows, errors = parse_csv(good, MOSCOW)
    assert errors == []
    assert rows[0].times == ShiftTimes(
        at("2026-12-07 09:00"), at("2026-12-07 18:00"), at("2026-12-07 13:00"), at("2026-12-07 14:00")
    )
    assert rows[1].times.ends_at == at("2026-12-08 06:00")  # an end before the start is the next morning
    bad = (
        "\ufeffoperator,date,start,end,break_start,break_minutes\n"
        "anna,2026-12-07,09:00,18:00,,\n"
        ",2026-12-07,09:00,18:00,,\n"
        "boris,07.12.2026,9am,18:00,,\n"
        "vera,2026-12-07,09:00,18:00,20:00,30\n"
    )
    rows, errors = parse_csv(bad, MOSCOW)
    assert [row.login for row in rows] == ["anna"]
    assert [(e.line, e.field) for e in errors] == [(3, "operator"), (4, "date"), (4, "start"), (5, "break")]
    _, header = parse_csv("login,day\nanna,2026-12-07\n", MOSCOW)
    assert header[0].field == "header" and "operator" in header[0].message


def test_overlaps_are_found_between_touching_and_crossing_shifts() -> None:
    a = ShiftTimes(at("2026-12-07 09:00"), at("2026-12-07 13:00"))
    b = ShiftTimes(at("2026-12-07 13:00"), at("2026-12-07 17:00"))  # touches a: fine
    c = ShiftTimes(at("2026-12-07 12:00"), at("2026-12-07 14:00"))  # crosses both
    assert overlapping([("a", a), ("b", b)]) == []
    assert sorted(overlapping([("a", a), ("b", b), ("c", c)])) == [("a", "c"), ("c", "b")]


def test_adherence_counts_planned_time_on_shift() -> None:
    shift = ShiftTimes(at("2026-12-07 09:00"), at("2026-12-07 11:00"), at("2026-12-07 10:00"), at("2026-12-07 10:30"))
    changes = [(at("2026-12-07 09:15"), True), (at("2026-12-07 10:45"), False)]
    spans = on_shift_spans(changes, False, at("2026-12-07 09:00"), at("2026-12-07 11:00"))
    assert spans == [(at("2026-12-07 09:15"), at("2026-12-07 10:45"))]
    starts = [at("2026-12-07 09:00") + timedelta(minutes=30 * n) for n in range(4)]
    grid = cells([shift], spans, starts, timedelta(minutes=30))
    assert [c.planned_seconds / 60 for c in grid] == [30, 30, 0, 30]
    assert [c.adherent_seconds / 60 for c in grid] == [15, 30, 0, 15]
    assert [c.on_shift_seconds / 60 for c in grid] == [15, 30, 30, 15]
    assert adherence(grid) == round(60 / 90, 4)
