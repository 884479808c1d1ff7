"""A tenant's QA settings (defaults, refusals) and the local weeks QA works in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from services.order_confirm.qa.domain.policy import InvalidQaPolicy, QaPolicy, parse_qa_policy
from services.order_confirm.qa.domain.weeks import NotAMonday, current_week, last_finished_week, week_of

BERLIN = ZoneInfo("Europe/Berlin")


def test_missing_settings_take_the_defaults_and_other_areas_keys_are_left_alone() -> None:
    assert parse_qa_policy(None) == QaPolicy(5, 80, 95, Fraction(2), 5)
    policy = parse_qa_policy({"max_attempts": 3, "qa": {"sample_per_operator": 8, "long_call_factor": 2.5}})
    assert (policy.sample_per_operator, policy.long_call_factor, policy.target) == (8, Fraction(5, 2), 95)


@pytest.mark.parametrize(
    "document",
    [{"target": 101}, {"sample_per_operator": -1}, {"long_call_factor": 0.5}, {"coaching_threshhold": 70}],
)
def test_wrong_settings_are_refused_with_the_field(document: dict[str, object]) -> None:
    with pytest.raises(InvalidQaPolicy) as refused:
        parse_qa_policy({"qa": document})
    assert next(iter(document)) in refused.value.detail


def test_weeks_run_monday_to_monday_in_local_time_across_a_clock_change() -> None:
    week = week_of(date(2026, 10, 19), BERLIN)  # the clocks go back on Sunday 25 October
    assert week.start == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)
    assert week.end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # 169 hours later
    assert week.label == "2026-W43" and len(week.days()) == 7
    sunday_night = datetime(2026, 10, 25, 22, 30, tzinfo=UTC)  # 23:30 local, still that week
    assert current_week(sunday_night, BERLIN) == week
    assert last_finished_week(week.end, BERLIN) == week
    with pytest.raises(NotAMonday, match="name a week by its Monday, e.g. 2026-10-19"):
        week_of(date(2026, 10, 21), BERLIN)
