"""Scorecards and QA settings through the API, on both databases: versions, weights, roles and tenants."""

from __future__ import annotations

import copy
from typing import Any

from tests.order_confirm.qa.world import World


def _card(weights: tuple[int, ...] = (60, 40), name: str = "Short card") -> dict[str, Any]:
    criteria = [
        {"key": f"c{n}", "title": f"Criterion {n}", "weight": weight, "answers": ["yes", "partly", "no", "na"]}
        for n, weight in enumerate(weights)
    ]
    critical = {"key": "polite", "title": "Polite", "weight": 0, "critical": True, "answers": ["yes", "no"]}
    return {
        "name": name,
        "sections": [{"title": "Call", "criteria": criteria}, {"title": "Critical", "criteria": [critical]}],
    }


def test_a_scorecard_whose_weights_do_not_add_up_is_refused_with_the_reason(world: World) -> None:
    refused = world.call("POST", "kira", "/scorecards", json=_card((50, 40)))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "invalid_scorecard"
    assert problem["detail"] == "The weights add up to 90, not 100 ('Call' 90, 'Critical' 0)."
    twice = _card()
    twice["sections"][0]["criteria"][1]["key"] = "c0"
    twice["sections"][1]["criteria"][0]["answers"] = ["yes", "partly", "no"]
    both = world.call("POST", "kira", "/scorecards", json=twice)
    assert both.status_code == 422
    assert {error["field"] for error in both.json()["errors"]} == {
        "sections.0.criteria.1.key",
        "sections.1.criteria.0.answers",
    }
    assert world.call("POST", "kira", "/scorecards", json={**_card(), "sections": []}).status_code == 422
    cards = world.ok("GET", "kira", "/scorecards")
    assert [card["name"] for card in cards] == ["Order confirmation"]  # only the starter card: nothing half-made


def test_a_change_is_a_new_version_and_an_older_version_stays_readable(world: World) -> None:
    made = world.call("POST", "kira", "/scorecards", json=_card())
    assert made.status_code == 201, made.text
    card = made.json()
    assert (card["version"], card["versions"], card["is_default"]) == (1, [1], False)
    changed = copy.deepcopy(_card((70, 30), name="Short card v2"))
    put = world.ok("PUT", "lev", f"/scorecards/{card['id']}", json={**changed, "based_on_version": 1})
    assert (put["version"], put["versions"], put["name"]) == (2, [1, 2], "Short card v2")
    assert put["version_id"] != card["version_id"]
    stale = world.call("PUT", "kira", f"/scorecards/{card['id']}", json={**_card(), "based_on_version": 1})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2  # lev's change is not lost
    again = world.ok("PUT", "lev", f"/scorecards/{card['id']}", json={**changed, "based_on_version": 2})
    assert again["versions"] == [1, 2]  # a retried PUT makes no third version
    old = world.ok("GET", "masha", f"/scorecards/{card['id']}/versions/1")
    assert [c["weight"] for c in old["sections"][0]["criteria"]] == [60, 40]
    assert world.call("GET", "masha", f"/scorecards/{card['id']}/versions/3").status_code == 404

    default = world.ok("PATCH", "root", f"/scorecards/{card['id']}", json={"default": True})
    assert default["is_default"] is True
    cards = {c["name"]: c["is_default"] for c in world.ok("GET", "sveta", "/scorecards")}
    assert cards == {"Order confirmation": False, "Short card v2": True}
    archived = world.ok("PATCH", "kira", f"/scorecards/{card['id']}", json={"archived": True})
    assert (archived["archived"], archived["is_default"]) == (True, False)
    assert [c["name"] for c in world.ok("GET", "kira", "/scorecards")] == ["Order confirmation"]
    audit = world.api.get("/api/v1/audit", headers=world.headers("root"), params={"entity_id": str(card["id"])})
    actions = [entry["action"] for entry in audit.json() if entry["entity"] == "qa_scorecard"]
    assert actions == [
        "qa_scorecard.flags_changed",
        "qa_scorecard.flags_changed",
        "qa_scorecard.changed",
        "qa_scorecard.created",
    ]


def test_only_the_quality_department_and_admins_change_scorecards_and_only_in_their_tenant(world: World) -> None:
    starter = world.ok("GET", "kira", "/scorecards")[0]
    for login in ("anna", "sveta", "masha"):
        assert world.call("POST", login, "/scorecards", json=_card()).status_code == 404
        body = {**_card(), "based_on_version": 1}
        assert world.call("PUT", login, f"/scorecards/{starter['id']}", json=body).status_code == 404
    assert world.call("GET", "anna", "/scorecards").status_code == 404  # operators see their evaluations only
    assert world.call("GET", "rita", "/scorecards").status_code == 404  # another tenant's QA
    rival_card = world.ok("GET", "rita", "/scorecards", tenant="rival")[0]
    assert world.call("GET", "kira", f"/scorecards/{rival_card['id']}").status_code == 404
    assert world.call("PATCH", "kira", f"/scorecards/{rival_card['id']}", json={"default": True}).status_code == 404


def test_any_shop_gets_the_starter_card_in_its_language(world: World) -> None:
    made = world.call("POST", "root", "/scorecards/starter")
    assert made.status_code == 201, made.text
    card = made.json()
    assert (card["name"], card["is_default"], len(card["sections"])) == ("Order confirmation", False, 5)
    weights = [c["weight"] for s in card["sections"] for c in s["criteria"]]
    assert sum(weights) == 100 and weights.count(0) == 3
    assert world.call("POST", "sveta", "/scorecards/starter").status_code == 404


def test_qa_settings_have_defaults_and_are_checked(world: World) -> None:
    assert world.ok("GET", "masha", "/settings") == {
        "sample_per_operator": 5,
        "coaching_threshold": 80,
        "target": 95,
        "long_call_factor": 2.0,
        "calibration_goal_points": 5,
    }
    changed = world.ok("PUT", "kira", "/settings", json={"sample_per_operator": 3, "target": 90})
    assert (changed["sample_per_operator"], changed["target"], changed["coaching_threshold"]) == (3, 90, 80)
    assert world.ok("GET", "sveta", "/settings")["sample_per_operator"] == 3
    bad = world.call("PUT", "kira", "/settings", json={"target": 101})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "target"
    assert world.call("PUT", "sveta", "/settings", json={"target": 90}).status_code == 404
    assert world.call("PUT", "rita", "/settings", json={"target": 90}).status_code == 404
