"""Calibration with the shop (the spread shown only when all have submitted, exact) and the kudos wall."""

from __future__ import annotations

from typing import Any

from tests.order_confirm.qa.test_evaluation_story import GOOD, WEAK
from tests.order_confirm.qa.world import World

# 20 + 20 + 10 + 10 + 0 (same-day: "no" instead of N/A) + 10 + 5 (closing partly) = 75 of 90 = 83.33 %
SHOP_VIEW = {**GOOD, "same_day_offered": "no", "closing": "partly"}


def _score(world: World, who: str, calibration: int, answers: dict[str, str]) -> dict[str, Any]:
    draft = world.call("POST", who, f"/calibrations/{calibration}/evaluation")
    assert draft.status_code == 201, draft.text
    evaluation = draft.json()
    assert evaluation["kind"] == "calibration"
    saved = world.ok("PUT", who, f"/evaluations/{evaluation['id']}", json={"revision": 1, "answers": answers})
    return dict(world.ok("POST", who, f"/evaluations/{evaluation['id']}/submit", json={"revision": saved["revision"]}))


def test_calibration_shows_the_exact_spread_once_everyone_has_submitted(world: World) -> None:
    kira, sveta, masha = (world.operators[name] for name in ("kira", "sveta", "masha"))
    body = {"attempt_id": world.calls[2], "participants": [kira, sveta, masha], "title": "Week 49"}
    made = world.call("POST", "kira", "/calibrations", json=body)
    assert made.status_code == 201, made.text
    calibration = made.json()
    assert (calibration["complete"], calibration["spread"]) == (False, None)
    cid = calibration["id"]

    first = _score(world, "kira", cid, GOOD)
    assert world.call("GET", "masha", f"/evaluations/{first['id']}").status_code == 404  # independent until the end
    assert world.call("GET", "lev", f"/evaluations/{first['id']}").status_code == 404
    assert world.ok("GET", "masha", f"/conversations/{world.calls[2]}")["attempt_id"] == world.calls[2]
    _score(world, "sveta", cid, WEAK)
    halfway = world.ok("GET", "masha", f"/calibrations/{cid}")
    assert [p["submitted"] for p in halfway["participants"]] == [True, True, False] and halfway["spread"] is None
    _score(world, "masha", cid, SHOP_VIEW)

    done = world.ok("GET", "lev", f"/calibrations/{cid}")
    spread = done["spread"]
    assert done["complete"] is True
    assert spread["scores"] == {str(sveta): 75.0, str(kira): 100.0, str(masha): 83.33}
    assert (spread["total_spread_points"], spread["goal_points"], spread["within_goal"]) == (25.0, 5, False)
    assert spread["criteria_over_goal"] == ["read_back", "closing"]
    by_key = {c["key"]: c for c in spread["criteria"]}
    assert by_key["read_back"]["spread_points"] == 10.0
    assert by_key["closing"]["answers"] == {str(sveta): "no", str(kira): "yes", str(masha): "partly"}
    assert (by_key["same_day_offered"]["spread_points"], by_key["same_day_offered"]["applicability_differs"]) == (
        0.0,
        True,
    )
    assert all(c["spread_points"] == 0 for k, c in by_key.items() if k not in ("read_back", "closing"))
    assert world.ok("GET", "anna", "/evaluations") == []  # a calibration is an exercise, not the operator's score
    assert world.ok("GET", "kira", "/queue")["plan"][0]["sample_evaluated"] == 0


def test_calibrations_are_for_their_participants_and_the_quality_department(world: World) -> None:
    kira, anna, rita = (world.operators[name] for name in ("kira", "anna", "rita"))
    body = {"attempt_id": world.calls[2], "participants": [kira, world.operators["masha"]]}
    assert world.call("POST", "anna", "/calibrations", json=body).status_code == 404
    assert world.call("POST", "sveta", "/calibrations", json=body).status_code == 404
    bad = world.call("POST", "kira", "/calibrations", json={**body, "participants": [kira, anna, rita]})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_calibration_participants"
    assert len(bad.json()["errors"]) == 2
    alone = world.call("POST", "kira", "/calibrations", json={**body, "participants": [kira]})
    assert alone.status_code == 422
    rival_call = world.call("POST", "kira", "/calibrations", json={**body, "attempt_id": world.calls[13]})
    assert rival_call.status_code == 404
    made = world.ok("POST", "masha", "/calibrations", json=body)  # the shop may call one too
    cid = made["id"]
    assert world.call("GET", "sveta", f"/calibrations/{cid}").status_code == 404  # not invited
    assert world.call("GET", "anna", f"/calibrations/{cid}").status_code == 404
    assert world.call("GET", "rita", f"/calibrations/{cid}").status_code == 404
    assert world.call("POST", "lev", f"/calibrations/{cid}/evaluation").status_code == 404
    assert [c["id"] for c in world.ok("GET", "lev", "/calibrations")] == [cid]
    assert world.ok("GET", "sveta", "/calibrations") == []
    first = world.call("POST", "kira", f"/calibrations/{cid}/evaluation")
    again = world.call("POST", "kira", f"/calibrations/{cid}/evaluation")
    assert (first.status_code, again.status_code, again.json()["id"]) == (201, 200, first.json()["id"])


def test_kudos_and_examples_reach_every_operator_of_the_shop(world: World) -> None:
    evaluated = world.calls[9]  # boris's call, evaluated by kira
    draft = world.ok("POST", "kira", "/evaluations", json={"attempt_id": evaluated})
    saved = world.ok("PUT", "kira", f"/evaluations/{draft['id']}", json={"revision": 1, "answers": GOOD})
    world.ok("POST", "kira", f"/evaluations/{draft['id']}/submit", json={"revision": saved["revision"]})

    praise = {"attempt_id": evaluated, "kind": "kudos", "message": "Kept a wavering customer"}
    given = world.call("POST", "masha", "/kudos", json=praise)
    assert given.status_code == 201, given.text
    assert given.json()["operator"] == {"id": world.operators["boris"], "name": "Boris"}
    assert world.call("POST", "masha", "/kudos", json=praise).json()["id"] == given.json()["id"]  # a retry
    assert world.call("POST", "masha", "/kudos", json={**praise, "attempt_id": world.calls[3]}).status_code == 404
    example = world.call("POST", "kira", "/kudos", json={"attempt_id": world.calls[3], "kind": "example"})
    assert example.status_code == 201
    for login in ("anna", "sveta", "boris"):
        assert world.call("POST", login, "/kudos", json=praise).status_code == 404
    wall = world.ok("GET", "anna", "/kudos")
    assert [(k["kind"], k["operator"]["name"], k["author"]["name"]) for k in wall] == [
        ("example", "Anna", "Kira"),
        ("kudos", "Boris", "Masha"),
    ]
    assert [k["kind"] for k in world.ok("GET", "boris", "/kudos", params={"kind": "kudos"})] == ["kudos"]
    assert world.call("GET", "ivan", "/kudos").status_code == 404
    assert world.ok("GET", "ivan", "/kudos", tenant="rival") == []
    assert world.call("POST", "masha", "/kudos", json={**praise, "kind": "medal"}).status_code == 422
