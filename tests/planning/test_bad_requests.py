"""Extreme dates and malformed parameters on every planning route: a 422 problem+json naming the field,
never a 500 from date arithmetic overflowing (year 1 and year 9999 did), and nothing stored."""

from __future__ import annotations

from typing import Any

from tests.planning.world import World

SHIFT = {"starts_at": "2026-12-08T09:00:00+03:00", "ends_at": "2026-12-08T18:00:00+03:00"}
CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("GET", "/plan?from=9999-12-31", {}, "query.from"),
    ("GET", "/plan?from=9999-12-20&days=14", {}, "query.from"),
    ("GET", "/plan?from=0001-01-01", {}, "query.from"),
    ("GET", "/plan?from=2026-13-01", {}, "query.from"),
    ("GET", "/plan?from=today", {}, "query.from"),
    ("GET", "/plan?days=0", {}, "query.days"),
    ("GET", "/plan?days=32", {}, "query.days"),
    ("GET", "/plan?days=1e9", {}, "query.days"),
    ("GET", "/plan/export?from=9999-12-31", {}, "query.from"),
    ("GET", "/plan/export?from=0001-01-01&format=xlsx", {}, "query.from"),
    ("GET", "/plan/export?format=pdf", {}, "query.format"),
    ("GET", "/shifts?from=9999-12-31&days=62", {}, "query.from"),
    ("GET", "/shifts?from=0001-01-01", {}, "query.from"),
    ("GET", "/shifts", {}, "query.from"),
    ("GET", "/adherence?day=9999-12-31", {}, "query.day"),
    ("GET", "/adherence?day=0001-01-01", {}, "query.day"),
    ("GET", "/adherence", {}, "query.day"),
    ("PUT", "/overrides/9999-12-31", {"json": {"factor": 1.2}}, "path.day"),
    ("PUT", "/overrides/2026-02-30", {"json": {"factor": 1.2}}, "path.day"),
    ("POST", "/rosters", {"json": {"first_day": "9999-12-31", "days": 28}}, "first_day"),
    ("POST", "/rosters", {"json": {"first_day": "0001-01-01"}}, "first_day"),
    ("POST", "/shifts/copy-week", {"json": {"from_week": "9999-12-27", "to_week": "2026-12-14"}}, "from_week"),
    ("POST", "/shifts/copy-week", {"json": {"from_week": "2026-12-07", "to_week": "9999-12-27"}}, "to_week"),
    ("POST", "/shifts", {"json": {**SHIFT, "starts_at": "0001-01-01T00:00:00+03:00"}}, "starts_at"),
    ("POST", "/shifts", {"json": {**SHIFT, "ends_at": "9999-12-31T23:00:00-05:00"}}, "ends_at"),
]


def test_extreme_dates_and_bad_parameters_are_422_naming_the_field(world: World) -> None:
    for method, path, kwargs, field in CASES:
        response = world.call(method, "sveta", path, **kwargs)
        assert response.status_code == 422, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"] == "validation_failed", (path, body)
        assert field in {error["field"] for error in body["errors"]}, (path, body["errors"])
    assert world.call("GET", "sveta", "/overrides").json() == []
    assert world.call("GET", "sveta", "/shifts?from=2026-12-07&days=14").json() == []
    assert world.call("GET", "sveta", "/plan?from=2099-12-01&days=31").status_code == 200  # the last plannable days


def test_a_csv_row_with_an_extreme_date_is_a_bad_row_and_nothing_is_imported(world: World) -> None:
    csv_text = (
        "operator,date,start,end\n"
        "anna,2026-12-08,09:00,18:00\n"
        "anna,9999-12-31,22:00,06:00\n"
        "boris,0001-01-01,00:00,01:00\n"
    )
    headers = {**world.headers("sveta"), "content-type": "text/csv"}
    response = world.api.post(world.url("/shifts/import"), content=csv_text, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_shift_import"
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(3, "date"), (4, "date")]
    assert world.call("GET", "sveta", "/shifts?from=2026-12-07").json() == []
