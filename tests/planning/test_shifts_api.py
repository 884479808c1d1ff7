"""Shifts, templates, the roster, adherence and the floor's live gap through the API, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.order_confirm.planning import compute
from tests.planning.world import World, local

CSV_HEADER = "operator,date,start,end,break_start,break_minutes\n"


def _shift(world: World, who: str | None, start: str, end: str, **extra: str) -> Any:
    body = {
        "operator_id": world.operators[who] if who else None,
        "starts_at": local(start).isoformat(),
        "ends_at": local(end).isoformat(),
        **{k: local(v).isoformat() for k, v in extra.items()},
    }
    return world.call("POST", "sveta", "/shifts", json=body)


def _import(world: World, text: str) -> Any:
    headers = {**world.headers("sveta"), "content-type": "text/csv"}
    return world.api.post(world.url("/shifts/import"), content=text.encode(), headers=headers)


def test_shifts_are_created_copied_imported_all_or_nothing_and_never_overlap(world: World) -> None:
    made = _shift(
        world,
        "anna",
        "2026-12-07 09:00",
        "2026-12-07 18:00",
        break_starts_at="2026-12-07 13:00",
        break_ends_at="2026-12-07 14:00",
    )
    assert made.status_code == 201, made.text
    clash = _shift(world, "anna", "2026-12-07 17:00", "2026-12-07 20:00")
    assert clash.status_code == 422 and clash.json()["code"] == "overlapping_shift"
    backwards = _shift(world, "boris", "2026-12-07 18:00", "2026-12-07 09:00")
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "ends_at"
    assert _shift(world, "boris", "2026-12-08 09:00", "2026-12-08 18:00").status_code == 201
    rival = world.call(
        "POST",
        "oleg",
        "/shifts",
        tenant="rival",
        json={
            "operator_id": world.operators["anna"],
            "starts_at": local("2026-12-09 09:00").isoformat(),
            "ends_at": local("2026-12-09 10:00").isoformat(),
        },
    )
    assert rival.status_code == 404  # anna does not work for the rival shop

    bad_csv = (
        CSV_HEADER
        + "anna,2026-12-14,09:00,18:00,,\n"
        + "nobody,2026-12-14,09:00,18:00,,\n"
        + "boris,2026-12-14,25:00,18:00,,\n"
        + "anna,2026-12-14,12:00,13:00,,\n"
    )
    refused = _import(world, bad_csv)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_shift_import"
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(3, "operator"), (4, "start"), (5, "start")]
    week = world.call("GET", "sveta", "/shifts", params={"from": "2026-12-14", "days": 7}).json()
    assert week == []  # nothing half-imported

    good_csv = CSV_HEADER + "anna,2026-12-15,09:00,18:00,13:00,30\nboris,2026-12-15,22:00,06:00,,\n"
    imported = _import(world, good_csv)
    assert imported.status_code == 201, imported.text
    assert imported.json()[1]["ends_at"].startswith("2026-12-16T03:00")  # 06:00 Moscow next morning

    copied = world.call("POST", "sveta", "/shifts/copy-week", json={"from_week": "2026-12-07", "to_week": "2026-12-21"})
    assert copied.status_code == 201 and len(copied.json()) == 2
    assert copied.json()[0]["starts_at"].startswith("2026-12-21T06:00")
    again = world.call("POST", "sveta", "/shifts/copy-week", json={"from_week": "2026-12-07", "to_week": "2026-12-21"})
    assert again.status_code == 422 and again.json()["code"] == "overlapping_shift"  # a retry doubles nothing
    assert (
        len(world.call("GET", "masha", "/shifts", params={"from": "2026-12-21"}).json()) == 2
    )  # read-only for the shop
    assert world.call("DELETE", "masha", f"/shifts/{made.json()['id']}").status_code == 404


def test_the_roster_covers_the_plan_and_accepted_shifts_are_assigned(world: World) -> None:
    bad = world.call("POST", "sveta", "/templates", json={"name": "odd", "starts": ["09:15"], "length_minutes": 470})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"starts", "length_minutes"}
    for name, starts in (("early", ["08:00", "09:00"]), ("late", ["12:00", "13:00"])):
        made = world.call(
            "POST",
            "sveta",
            "/templates",
            json={
                "name": name,
                "starts": starts,
                "length_minutes": 480,
                "break_after_minutes": 240,
                "break_minutes": 30,
            },
        )
        assert made.status_code == 201, made.text
    assert (
        world.call(
            "POST", "sveta", "/templates", json={"name": "late", "starts": ["12:00"], "length_minutes": 480}
        ).status_code
        == 409
    )
    world.call("POST", "sveta", "/plan/recompute")
    compute.sweep(world.runtime)
    proposal = world.call("POST", "sveta", "/rosters", json={"first_day": "2026-12-08", "days": 7})
    assert proposal.status_code == 201, proposal.text
    roster = proposal.json()
    assert roster["solver_status"] in ("OPTIMAL", "FEASIBLE") and roster["shifts"] > 0
    accepted = world.call("POST", "sveta", f"/rosters/{roster['id']}/accept")
    assert accepted.status_code == 201 and len(accepted.json()["shifts"]) == roster["shifts"]
    assert world.call("POST", "sveta", f"/rosters/{roster['id']}/accept").status_code == 409
    plan = world.call("GET", "sveta", "/plan", params={"from": "2026-12-08", "days": 7}).json()["intervals"]
    # every required interval is covered by an open shift of the accepted roster
    assert all(row["open_shifts"] >= (row["required"] or 0) for row in plan if row["local"][11:] >= "08:00")
    shift = world.call("GET", "sveta", "/shifts", params={"from": "2026-12-08", "days": 1}).json()[0]
    assigned = world.call(
        "PUT",
        "sveta",
        f"/shifts/{shift['id']}",
        json={
            "operator_id": world.operators["anna"],
            "starts_at": shift["starts_at"],
            "ends_at": shift["ends_at"],
            "break_starts_at": shift["break_starts_at"],
            "break_ends_at": shift["break_ends_at"],
        },
    )
    assert assigned.status_code == 200 and assigned.json()["operator_id"] == world.operators["anna"]


def test_adherence_and_the_floor_gap_follow_the_statuses(world: World) -> None:
    assert _shift(world, "anna", "2026-12-07 10:00", "2026-12-07 12:00").status_code == 201
    assert _shift(world, "boris", "2026-12-07 10:00", "2026-12-07 11:00").status_code == 201
    world.call("POST", "sveta", "/plan/recompute")
    compute.sweep(world.runtime)
    status = "/api/v1/operators/{}/status"
    world.api.put(status.format(world.operators["anna"]), json={"status": "available"}, headers=world.headers("sveta"))

    floor = world.api.get("/api/v1/floor", headers=world.headers("sveta")).json()
    (gap,) = [g for g in floor["planning"] if g["tenant_id"] == world.tenants["shop"]]
    now, later, last = gap["intervals"]
    assert (now["planned"], now["present"]) == (2, 1)  # boris is planned but not here
    assert now["required"] is not None and now["short"] == max(0, now["required"] - 1)
    assert (later["planned"], last["planned"], later["present"]) == (2, 1, None)  # boris leaves at 11:00
    assert gap["next_hour_short"] == max(later["short"], last["short"])
    metrics = world.api.get("/metrics").text
    assert f'okno_planning_next_hour_short{{tenant="shop"}} {float(gap["next_hour_short"])}' in metrics

    world.clock.advance(minutes=50)  # 11:00: anna takes a break for half an hour, then works on
    world.api.put(status.format(world.operators["anna"]), json={"status": "break"}, headers=world.headers("sveta"))
    world.clock.advance(minutes=30)
    world.api.put(status.format(world.operators["anna"]), json={"status": "available"}, headers=world.headers("sveta"))
    world.clock.set(local("2026-12-07 13:00"))
    report = world.call("GET", "sveta", "/adherence", params={"day": "2026-12-07"}).json()
    rows = {row["name"]: row for row in report["operators"]}
    # anna: planned 10:00-12:00, on shift 10:10-11:00 and 11:30 on: 80 of 120 planned minutes
    assert rows["Anna"]["planned_minutes"] == 120 and rows["Anna"]["adherent_minutes"] == 80
    assert rows["Anna"]["adherence"] == round(80 / 120, 4)
    assert rows["Boris"]["adherence"] == 0.0
    assert rows["Anna"]["cells"][20] == {"planned": 30.0, "on_shift": 20.0, "adherent": 20.0}
    assert len(report["intervals"]) == 48 and report["intervals"][0] == local("2026-12-07 00:00").isoformat().replace(
        "+00:00", "Z"
    )
    assert world.clock.now - local("2026-12-07 10:10") == timedelta(hours=2, minutes=50)
