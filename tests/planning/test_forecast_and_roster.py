"""Forecast method choice by backtest, the too-little-history fallbacks, and the roster optimizer."""

from __future__ import annotations

from datetime import date, time

import pytest

from bench.forecast import FIRST_DAY, expected, generated_history
from services.order_confirm.planning.domain.forecast import (
    BACKTEST_DAYS,
    Method,
    daily_totals,
    forecast,
    seasonal_naive,
    wape,
)
from services.order_confirm.planning.domain.intervals import INTERVALS_PER_DAY
from services.order_confirm.planning.domain.roster import InvalidTemplate, Template, patterns, propose


def test_backtest_on_a_known_weekly_season_picks_the_method_that_beats_seasonal_naive() -> None:
    history = generated_history(weeks=8, seed=3)
    result = forecast(history, FIRST_DAY, 14)
    assert result.backtest is not None
    naive = result.backtest.wape[Method.SEASONAL_NAIVE.value]
    chosen = result.backtest.wape[result.method.value]
    assert result.method is Method.HOLT_WINTERS
    assert chosen is not None and naive is not None and chosen < naive
    assert result.backtest.days == BACKTEST_DAYS and len(result.backtest.daily_actual) == BACKTEST_DAYS
    # the forecast keeps the known shape: Friday above Sunday, midday above night
    days = daily_totals(result.values)
    friday, sunday = days[4], days[6]  # the forecast starts on a Monday (8 whole weeks after FIRST_DAY)
    assert friday > 1.8 * sunday
    assert result.values[26] > 10 * result.values[4]
    # and its daily totals are near the truth that generated the history
    truth = [sum(expected(56 + d, i) for i in range(INTERVALS_PER_DAY)) for d in range(14)]
    assert (wape(days, truth) or 1) < 0.1


def test_too_little_history_says_so_and_falls_back_to_the_baseline() -> None:
    three_weeks = generated_history(weeks=3)
    result = forecast(three_weeks, FIRST_DAY, 14)
    assert result.method is Method.SEASONAL_NAIVE and result.backtest is None
    assert "too little history" in result.notes[0]
    assert result.values[: 7 * INTERVALS_PER_DAY] == seasonal_naive(three_weeks, 7)

    two_days = generated_history(weeks=1)[: 2 * INTERVALS_PER_DAY]
    short = forecast(two_days, FIRST_DAY, 14)
    assert short.method is Method.DAILY_MEAN and "too little history (2 days" in short.notes[0]

    nothing = forecast([], FIRST_DAY, 14)
    assert nothing.method is Method.NONE and nothing.notes == ["no history yet"]
    assert len(nothing.values) == 14 * INTERVALS_PER_DAY and not any(nothing.values)


def _need(day: list[int], start: str, end: str, operators: int) -> None:
    first, last = (int(t[:2]) * 2 + int(t[3:]) // 30 for t in (start, end))
    for i in range(first, last):
        day[i] += operators


def test_roster_covers_a_known_case_with_the_minimal_number_of_shifts() -> None:
    day = [0] * INTERVALS_PER_DAY
    _need(day, "09:00", "17:00", 2)
    _need(day, "13:00", "21:00", 3)
    templates = [
        Template(1, "early", (time(9, 0), time(10, 0)), 480),
        Template(2, "late", (time(13, 0),), 480),
        Template(3, "long", (time(9, 0),), 720, break_after_minutes=240, break_minutes=30),
    ]
    proposal = propose([day, day], date(2026, 12, 7), templates, time_limit_seconds=10)
    assert proposal.status == "OPTIMAL"
    assert proposal.shifts == 10  # 2 early + 3 late, each day: fewer cannot cover 5 people at 13:00-17:00
    assert proposal.over_staffing == 0
    assert {(s.template_id, s.start, s.operators) for s in proposal.starts} == {(1, time(9), 2), (2, time(13), 3)}
    assert all(staffed >= need for staffed, need in zip(proposal.staffed[0], day, strict=True))


def test_roster_reports_what_no_template_can_cover_and_counts_over_staffing() -> None:
    day = [0] * INTERVALS_PER_DAY
    _need(day, "06:00", "07:00", 1)  # no template starts before 09:00
    _need(day, "09:00", "13:00", 1)  # one four-hour need, but the only template is eight hours
    proposal = propose([day], date(2026, 12, 7), [Template(1, "day", (time(9),), 480)], time_limit_seconds=5)
    assert proposal.shifts == 1
    assert proposal.over_staffing == 8  # 13:00-17:00 staffed without need
    assert [(i, need) for _, i, need in proposal.uncovered] == [(12, 1), (13, 1)]


def test_a_break_leaves_a_gap_in_the_pattern_and_bad_templates_are_refused() -> None:
    (pattern,) = patterns(Template(1, "with lunch", (time(9),), 480, break_after_minutes=240, break_minutes=60))
    assert pattern.working_intervals == 14 and pattern.coverage[26:28] == (0, 0) and pattern.coverage[25] == 1
    with pytest.raises(InvalidTemplate) as refused:
        patterns(Template(2, "bad", (time(20, 15), time(22, 0)), 200, break_minutes=30))
    messages = {e["field"]: e["message"] for e in refused.value.extra["errors"]}
    assert set(messages) == {"starts", "length_minutes", "break_after_minutes"}


def test_two_weeks_of_requirement_for_200_operators_are_covered() -> None:
    day = [0] * INTERVALS_PER_DAY
    _need(day, "08:00", "22:00", 60)
    _need(day, "10:00", "20:00", 80)
    _need(day, "12:00", "16:00", 60)
    templates = [
        Template(n, f"t{n}", tuple(time(h) for h in range(8, 15)), length) for n, length in ((1, 480), (2, 360))
    ]
    proposal = propose([day] * 14, date(2026, 12, 7), templates, time_limit_seconds=20)
    assert proposal.status in ("OPTIMAL", "FEASIBLE")
    assert all(s >= r for s, r in zip(proposal.staffed[13], day, strict=True))
