"""Every figure of the known history (tests/reports/history.py), per day, per hour and per operator,
as the shop's supervisor sees them; identical on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.reports.history import History, login


def report(api: TestClient, who: str, name: str, **params: Any) -> dict[str, Any]:
    query = {"from": "2026-11-23", "to": "2026-11-24", **params}
    response = api.get(f"/api/v1/reports/{name}", params=query, headers=login(api, who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_group(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["group"]: row for row in body["rows"]}


def pick(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: row[key] for key in keys}


SPEED = ("orders", "called", "median_seconds", "p90_seconds", "within_target", "missed_target", "service_level")


def test_speed_to_first_call_per_day_hour_and_operator(api: TestClient, history: History) -> None:
    days = by_group(report(api, "sveta", "speed", group_by="day"))
    # Monday: waits 300, 1800, 600, 1200 s; O5 was cancelled by the shop within 20 min, O6 after it.
    assert pick(days["2026-11-23"], *SPEED) == {
        "orders": 6, "called": 4, "median_seconds": 900.0, "p90_seconds": 1620.0,
        "within_target": 3, "missed_target": 2, "service_level": 0.6,
    }  # fmt: skip
    # Tuesday: waits 60 and 2400 s; O8 arrived 10 minutes ago and is still in time.
    assert pick(days["2026-11-24"], *SPEED) == {
        "orders": 3, "called": 2, "median_seconds": 1230.0, "p90_seconds": 2166.0,
        "within_target": 1, "missed_target": 1, "service_level": 0.5,
    }  # fmt: skip

    hours = by_group(report(api, "sveta", "speed", group_by="hour", to="2026-11-23"))
    assert len(hours) == 24
    assert pick(hours["2026-11-23T10:00+03:00"], *SPEED) == {
        "orders": 2, "called": 2, "median_seconds": 1050.0, "p90_seconds": 1650.0,
        "within_target": 1, "missed_target": 1, "service_level": 0.5,
    }  # fmt: skip
    assert hours["2026-11-23T14:00+03:00"]["within_target"] == 1  # exactly 20 minutes is within target
    assert pick(hours["2026-11-23T16:00+03:00"], "orders", "called", "missed_target", "service_level") == {
        "orders": 1, "called": 0, "missed_target": 1, "service_level": 0.0,
    }  # fmt: skip
    assert pick(hours["2026-11-23T03:00+03:00"], "orders", "median_seconds", "service_level") == {
        "orders": 0, "median_seconds": None, "service_level": None,
    }  # fmt: skip

    operators = by_group(report(api, "sveta", "speed", group_by="operator"))
    assert pick(operators["Anna"], *SPEED) == {
        "orders": 4, "called": 4, "median_seconds": 1500.0, "p90_seconds": 2220.0,
        "within_target": 2, "missed_target": 2, "service_level": 0.5,
    }  # fmt: skip
    assert pick(operators["Boris"], *SPEED) == {
        "orders": 2, "called": 2, "median_seconds": 330.0, "p90_seconds": 546.0,
        "within_target": 2, "missed_target": 0, "service_level": 1.0,
    }  # fmt: skip
    assert pick(operators["Not called yet"], "orders", "called", "missed_target") == {
        "orders": 3, "called": 0, "missed_target": 1,
    }  # fmt: skip


OUTCOMES = (
    "orders", "confirmed", "confirmed_with_changes", "cancelled", "unreachable", "cancelled_by_shop", "in_progress",
    "confirmation_rate", "attempts_per_order", "first_attempt_resolution",
)  # fmt: skip


def test_outcomes_with_cancel_reasons_per_day_and_operator(api: TestClient, history: History) -> None:
    days = by_group(report(api, "sveta", "outcomes"))
    assert pick(days["2026-11-23"], *OUTCOMES) == {
        "orders": 6, "confirmed": 1, "confirmed_with_changes": 1, "cancelled": 1, "unreachable": 1,
        "cancelled_by_shop": 2, "in_progress": 0,
        "confirmation_rate": 0.5, "attempts_per_order": 1.5, "first_attempt_resolution": 0.5,
    }  # fmt: skip
    assert days["2026-11-23"]["cancelled.found_cheaper"] == 1
    assert pick(days["2026-11-24"], *OUTCOMES) == {
        "orders": 3, "confirmed": 1, "confirmed_with_changes": 0, "cancelled": 1, "unreachable": 0,
        "cancelled_by_shop": 0, "in_progress": 1,
        "confirmation_rate": 0.5, "attempts_per_order": 1.0, "first_attempt_resolution": 1.0,
    }  # fmt: skip
    assert (days["2026-11-24"]["cancelled.other"], days["2026-11-24"]["cancelled.found_cheaper"]) == (1, 0)

    operators = by_group(report(api, "sveta", "outcomes", group_by="operator"))
    # The last call decides whose outcome it is: O2 was Anna's no-answer, then Boris's confirmation.
    assert pick(operators["Anna"], "orders", "confirmed", "unreachable", "cancelled", "confirmation_rate") == {
        "orders": 3, "confirmed": 1, "unreachable": 1, "cancelled": 1, "confirmation_rate": 0.3333,
    }  # fmt: skip
    assert pick(operators["Boris"], "orders", "confirmed", "confirmed_with_changes", "cancelled") == {
        "orders": 3, "confirmed": 1, "confirmed_with_changes": 1, "cancelled": 1,
    }  # fmt: skip
    assert pick(operators["Not called yet"], "orders", "cancelled_by_shop", "in_progress") == {
        "orders": 3, "cancelled_by_shop": 2, "in_progress": 1,
    }  # fmt: skip


def test_handle_time_and_ratings_per_operator(api: TestClient, history: History) -> None:
    handle = by_group(report(api, "sveta", "handle_time", group_by="operator"))
    keys = (
        "attempts", "reached", "talk_seconds_total", "talk_seconds_avg", "wrap_up_seconds_avg", "handle_seconds_avg",
    )  # fmt: skip
    assert pick(handle["Anna"], *keys) == {
        "attempts": 5, "reached": 2, "talk_seconds_total": 370, "talk_seconds_avg": 74.0,
        "wrap_up_seconds_avg": 18.0, "handle_seconds_avg": 92.0,
    }  # fmt: skip
    assert pick(handle["Boris"], *keys) == {
        "attempts": 3, "reached": 3, "talk_seconds_total": 450, "talk_seconds_avg": 150.0,
        "wrap_up_seconds_avg": 36.7, "handle_seconds_avg": 186.7,
    }  # fmt: skip

    quality = by_group(report(api, "sveta", "quality", group_by="operator"))
    assert pick(quality["Anna"], "surveys_placed", "surveys_answered", "response_rate", "csat_average", "nps") == {
        "surveys_placed": 2, "surveys_answered": 1, "response_rate": 0.5, "csat_average": 5.0, "nps": 100.0,
    }  # fmt: skip
    boris = quality["Boris"]
    assert [boris[f"csat.{score}"] for score in range(1, 6)] == [0, 1, 1, 1, 0]
    assert pick(boris, "csat_average", "nps_count", "promoters", "passives", "detractors", "nps") == {
        "csat_average": 3.0, "nps_count": 2, "promoters": 0, "passives": 1, "detractors": 1, "nps": -50.0,
    }  # fmt: skip

    days = by_group(report(api, "sveta", "quality"))
    assert pick(days["2026-11-23"], "surveys_placed", "csat_count", "csat_average", "nps") == {
        "surveys_placed": 3, "csat_count": 3, "csat_average": 3.7, "nps": 50.0,
    }  # fmt: skip


def test_arrivals_by_hour_of_week_feed_staffing(api: TestClient, history: History) -> None:
    rows = {row["group"]: row for row in report(api, "masha", "arrivals")["rows"]}
    assert len(rows) == 168
    assert pick(rows["Mon 10:00"], "orders", "weeks", "orders_per_week") == {
        "orders": 2, "weeks": 1, "orders_per_week": 2.0,
    }  # fmt: skip
    assert rows["Tue 09:00"]["orders"] == 2
    assert rows["Wed 09:00"] == {**rows["Wed 09:00"], "orders": 0, "weeks": 0, "orders_per_week": None}
    assert sum(row["orders"] for row in rows.values()) == 9  # the rival shop's order is not counted
