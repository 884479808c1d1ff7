"""The plan through the API on both databases: computed by the scheduler's job, read by planners and the
shop's manager, overridden for a promotion, exported; impossible targets refused; operators see nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from services.order_confirm.planning import compute
from tests.planning.world import World


def _plan(world: World, login: str = "sveta", **params: object) -> dict:  # type: ignore[type-arg]
    response = world.call("GET", login, "/plan", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _day_orders(plan: dict, day: str) -> float:  # type: ignore[type-arg]
    return sum(row["orders"] or 0 for row in plan["intervals"] if row["local"].startswith(day))


def test_a_supervisor_computes_the_plan_and_the_shop_manager_reads_and_plans_a_promotion(world: World) -> None:
    empty = _plan(world)
    assert empty["plan"] is None  # nothing computed yet
    # No inbound call is on record: every plan answer says so outright, before and after a computation.
    assert empty["inbound"]["available"] is False and "No inbound calls" in empty["inbound"]["message"]
    queued = world.call("POST", "sveta", "/plan/recompute")
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    again = world.call("POST", "sveta", "/plan/recompute")
    assert again.json()["id"] == queued.json()["id"]  # a double click queues one run

    assert compute.sweep(world.runtime) == 2  # the shop's, and the rival's nightly plan
    plan = _plan(world)
    assert plan["run"]["status"] == "ready"
    orders = plan["plan"]["orders"]
    assert orders["history_days"] == 28 and orders["backtest"] is not None
    assert set(orders["backtest"]["wape"]) == {"seasonal_naive", "holt_winters"}
    assert orders["method"] in ("seasonal_naive", "holt_winters")
    assert plan["plan"]["inbound"]["notes"] == ["no inbound history yet"]
    assert plan["inbound"] == empty["inbound"]
    assert plan["plan"]["measures"] == {
        "attempts_per_order": 1.0,
        "outbound_aht_seconds": 150.0,
        "inbound_aht_seconds": 150.0,
    }
    rows = {row["local"]: row for row in plan["intervals"]}
    assert len(plan["intervals"]) == 14 * 48
    # Every past Monday had an order at 10:35, no Sunday had; nights none — and nobody is needed at night.
    assert 0.7 <= rows["2026-12-07 10:30"]["orders"] <= 1.3
    assert rows["2026-12-13 10:30"]["orders"] <= 0.3
    assert rows["2026-12-07 10:00"]["required"] >= 1 and rows["2026-12-07 03:00"]["required"] == 0
    assert rows["2026-12-07 10:00"]["outbound_service_level"] >= 0.8
    assert rows["2026-12-07 09:00"]["actual_orders"] == 0 and rows["2026-12-07 11:00"]["actual_orders"] is None

    # The shop's manager reads the same plan and marks Friday as a promotion day (+40 %).
    assert _plan(world, "masha")["intervals"] == plan["intervals"]
    friday_before = _day_orders(plan, "2026-12-11")
    promo = world.call(
        "PUT", "masha", "/overrides/2026-12-11", json={"factor": 1.4, "stream": "orders", "note": "Sale"}
    )
    assert promo.status_code == 200, promo.text
    assert (
        world.call(
            "PUT", "masha", "/overrides/2026-12-11", json={"factor": 1.4, "stream": "orders", "note": "Sale"}
        ).json()["id"]
        == promo.json()["id"]
    )
    assert compute.sweep(world.runtime) == 1  # the override queued a new computation
    after = _plan(world, "masha")
    assert abs(_day_orders(after, "2026-12-11") - 1.4 * friday_before) < 0.01
    assert world.call("PUT", "masha", "/settings", json={"shrinkage": 0.2}).status_code == 404  # managers do not plan
    assert world.call("POST", "masha", "/plan/recompute").status_code == 404
    past = world.call("PUT", "masha", "/overrides/2026-12-01", json={"factor": 0})
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "day"

    # Exports carry the API's rows.
    exported = world.call("GET", "sveta", "/plan/export", params={"format": "csv", "days": 1})
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(table) == 48 and table[20]["required"] == str(after["intervals"][20]["required"])
    xlsx = world.call("GET", "sveta", "/plan/export", params={"format": "xlsx", "days": 1})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 2 + 48


def test_impossible_targets_are_refused_and_good_ones_kept(world: World) -> None:
    bad = world.call(
        "PUT", "sveta", "/settings", json={"inbound_share": 1.0, "inbound_within_seconds": 0, "shrinkage": -0.1}
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_planning_targets"
    assert {e["field"] for e in bad.json()["errors"]} == {"inbound_share", "inbound_within_seconds", "shrinkage"}
    assert world.call("GET", "sveta", "/settings").json()["shrinkage"] == 0.3  # nothing changed
    good = world.call(
        "PUT", "sveta", "/settings", json={"inbound_share": 0.9, "inbound_within_seconds": 15, "shrinkage": 0.25}
    )
    assert good.status_code == 200 and good.json()["inbound_within_seconds"] == 15
    assert world.call("GET", "masha", "/settings").json()["shrinkage"] == 0.25
    audit = world.api.get("/api/v1/audit", params={"action": "planning.targets_changed"}, headers=world.headers("root"))
    assert audit.json()[0]["after"]["shrinkage"] == 0.25


def test_operators_and_other_shops_get_404_everywhere(world: World) -> None:
    for method, path in (
        ("GET", "/plan"),
        ("POST", "/plan/recompute"),
        ("GET", "/shifts?from=2026-12-07"),
        ("GET", "/settings"),
        ("GET", "/templates"),
        ("GET", "/adherence?day=2026-12-07"),
    ):
        assert world.call(method, "anna", path).status_code == 404, path
        assert world.call(method, "oleg", path).status_code == 404, path
    assert world.call("GET", "oleg", "/plan", tenant="rival").status_code == 200
    assert date.fromisoformat(_plan(world)["from"]) == date(2026, 12, 7)


def test_the_planning_page_lists_the_shops_each_role_may_open_and_what_it_may_do(world: World) -> None:
    def tenants(login: str) -> list[dict]:  # type: ignore[type-arg]
        response = world.api.get("/api/v1/planning/tenants", headers=world.headers(login))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    shop = world.tenants["shop"]
    assert [(t["id"], t["can_plan"], t["can_override"]) for t in tenants("sveta")] == [(shop, True, True)]
    assert [(t["id"], t["can_plan"], t["can_override"]) for t in tenants("masha")] == [(shop, False, True)]
    assert [t["id"] for t in tenants("oleg")] == [world.tenants["rival"]]
    assert world.api.get("/api/v1/planning/tenants", headers=world.headers("anna")).status_code == 404
