"""Who sees which figures (out of scope = 404), and exports that carry exactly the API's numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.reports.history import History, login

PERIOD = {"from": "2026-11-23", "to": "2026-11-24"}


def get(api: TestClient, who: str, name: str, **params: Any) -> Any:
    return api.get(f"/api/v1/reports/{name}", params={**PERIOD, **params}, headers=login(api, who))


def totals(api: TestClient, who: str, name: str, **params: Any) -> dict[str, Any]:
    response = get(api, who, name, group_by="total", **params)
    assert response.status_code == 200, response.text
    row: dict[str, Any] = response.json()["rows"][0]
    return row


def test_an_operator_sees_only_their_own_figures(api: TestClient, history: History) -> None:
    anna = totals(api, "anna", "outcomes")
    assert (anna["orders"], anna["confirmed"], anna["unreachable"], anna["cancelled"]) == (3, 1, 1, 1)
    assert totals(api, "anna", "outcomes", operator_id=history.operators["anna"])["orders"] == 3

    for params in (
        {"operator_id": history.operators["boris"]},
        {"tenant_id": history.tenants["rival"]},
        {"operator_id": history.operators["oleg"]},
    ):
        response = get(api, "anna", "speed", **params)
        assert response.status_code == 404, params
        assert response.json()["code"] == "not_found"
    assert get(api, "anna", "arrivals").status_code == 404


def test_a_supervisor_sees_the_team_and_the_shop_manager_the_whole_shop(api: TestClient, history: History) -> None:
    assert totals(api, "sveta", "outcomes")["orders"] == 9
    assert totals(api, "sveta", "speed", operator_id=history.operators["boris"])["called"] == 2
    assert get(api, "sveta", "speed", operator_id=history.operators["oleg"]).status_code == 404

    shop = totals(api, "masha", "outcomes")
    assert (shop["orders"], shop["confirmed"]) == (9, 2)
    operators = {row["group"] for row in get(api, "masha", "quality", group_by="operator").json()["rows"]}
    assert operators == {"Anna", "Boris"}  # names only; the rival's operator never appears
    assert get(api, "masha", "outcomes", tenant_id=history.tenants["rival"]).status_code == 404
    assert get(api, "masha", "outcomes", operator_id=history.operators["oleg"]).status_code == 404

    rival = totals(api, "rita", "quality")
    assert (rival["csat_count"], rival["csat_average"], rival["nps"]) == (1, 1.0, -100.0)
    tenants = {row["group"]: row["orders"] for row in get(api, "root", "outcomes", group_by="tenant").json()["rows"]}
    assert tenants == {"Shop": 9, "Rival": 1}


def test_bad_periods_get_a_specific_problem(api: TestClient, history: History) -> None:
    backwards = get(api, "sveta", "speed", **{"from": "2026-11-24", "to": "2026-11-23"})
    assert backwards.status_code == 422
    assert backwards.headers["content-type"].startswith("application/problem+json")
    assert backwards.json()["code"] == "invalid_report_period"
    too_long = get(api, "sveta", "speed", group_by="hour", **{"from": "2026-01-01", "to": "2026-03-01"})
    assert (too_long.status_code, too_long.json()["code"]) == (422, "invalid_report_period")
    assert get(api, "sveta", "speed", tz="Mars/Olympus").json()["code"] == "invalid_report_period"
    assert get(api, "sveta", "no_such_report").status_code == 422


def test_csv_and_xlsx_exports_match_the_api(api: TestClient, history: History) -> None:
    for name in ("speed", "outcomes", "handle_time", "quality", "same_day", "arrivals"):
        body = get(api, "masha", name, group_by="day").json()
        keys = [column["key"] for column in body["columns"]]
        expected = [[_text(row.get(key)) for key in keys] for row in body["rows"]]

        exported = get(api, "masha", name, group_by="day", format="csv")
        assert exported.headers["content-type"].startswith("text/csv")
        assert f"okno-{name}-2026-11-23-2026-11-24.csv" in exported.headers["content-disposition"]
        lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert lines == [keys, *expected], name

        workbook = load_workbook(io.BytesIO(get(api, "masha", name, group_by="day", format="xlsx").content))
        sheet = workbook[name]
        cells = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert cells == [keys, *[[row.get(key) for key in keys] for row in body["rows"]]], name
    assert expected  # the last report (arrivals) had rows to compare


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def test_a_figure_drills_down_to_the_orders_behind_it(api: TestClient, history: History) -> None:
    speed = get(api, "masha", "speed", group_by="day").json()["rows"][0]  # Monday: 2 missed the target
    params = {"received_from": speed["starts"], "received_before": speed["ends"], "target": "missed", "caller": "first"}
    found = api.get("/api/v1/reports/orders", params=params, headers=login(api, "masha")).json()
    assert [item["external_id"] for item in found["items"]] == ["O2", "O6"]
    assert (found["total"], found["items"][0]["operator"], found["items"][0]["wait_seconds"]) == (2, "Anna", 1800)

    period = {"received_from": "2026-11-23T00:00:00+03:00", "received_before": "2026-11-25T00:00:00+03:00"}
    cancelled = {**period, "status": "cancelled", "close_reason": "found_cheaper"}
    found = api.get("/api/v1/reports/orders", params=cancelled, headers=login(api, "masha")).json()
    assert [(item["external_id"], item["operator"]) for item in found["items"]] == [("O3", "Boris")]

    # Anna's own drill-down holds only orders credited to her; Rita (the rival shop) sees none of these.
    anna = api.get("/api/v1/reports/orders", params=period, headers=login(api, "anna")).json()
    assert [item["external_id"] for item in anna["items"]] == ["O1", "O4", "O9"]
    rival = api.get("/api/v1/reports/orders", params=period, headers=login(api, "rita")).json()
    assert [item["external_id"] for item in rival["items"]] == ["R1"]
    other = api.get(
        "/api/v1/reports/orders", params={**period, "tenant_id": history.tenants["shop"]}, headers=login(api, "rita")
    )
    assert other.status_code == 404
