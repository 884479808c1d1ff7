"""QA reports exact on a known history, on both databases: sample → evaluate → dispute → upheld re-score.

Evaluations of last week (the world's calls; the starter card, two N/A in GOOD):
  anna  call 0  WEAK 75 % → disputed → upheld by sveta (closing yes) → 87.5 %   (+12.5)
  anna  call 1  "polite: no" → 0 % (critical)
  anna  call 2  GOOD → 100 %
  boris call 9  GOOD → 100 %
  boris call 10 read_back partly → 70 / 80 = 87.5 % → disputed → rejected by lev
plus things the reports must ignore: lev's unsubmitted draft of call 3 and a calibration of call 4.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from tests.order_confirm.qa.test_evaluation_story import GOOD, WEAK
from tests.order_confirm.qa.world import WEEK, World

LAST_WEEK = {"from": WEEK, "to": "2026-12-06"}


def _evaluate(world: World, who: str, attempt: int, answers: dict[str, str]) -> dict[str, Any]:
    draft = world.ok("POST", who, "/evaluations", json={"attempt_id": attempt})
    saved = world.ok("PUT", who, f"/evaluations/{draft['id']}", json={"revision": 1, "answers": answers})
    return dict(world.ok("POST", who, f"/evaluations/{draft['id']}/submit", json={"revision": saved["revision"]}))


def _history(world: World) -> set[int]:
    queue = world.ok("GET", "kira", "/queue")
    sampled = {i["attempt_id"] for i in queue["items"] if any(r["kind"] == "sample" for r in i["reasons"])}
    calls = world.calls
    first = _evaluate(world, "kira", calls[0], WEAK)
    dispute = world.ok("POST", "anna", f"/evaluations/{first['id']}/dispute", json={"reason": "I closed the call"})
    upheld = {"outcome": "upheld", "resolution": "Heard it", "answers": {**WEAK, "closing": "yes"}}
    world.ok("POST", "sveta", f"/disputes/{dispute['id']}/resolve", json=upheld)
    _evaluate(world, "kira", calls[1], {**GOOD, "polite": "no"})
    _evaluate(world, "lev", calls[2], GOOD)
    _evaluate(world, "kira", calls[9], GOOD)
    partly = _evaluate(world, "kira", calls[10], {**GOOD, "read_back": "partly"})
    second = world.ok("POST", "boris", f"/evaluations/{partly['id']}/dispute", json={"reason": "I read it all"})
    world.ok("POST", "lev", f"/disputes/{second['id']}/resolve", json={"outcome": "rejected", "resolution": "Not all"})
    world.ok("POST", "lev", "/evaluations", json={"attempt_id": calls[3]})  # a draft only
    kira, masha = world.operators["kira"], world.operators["masha"]
    calibration = world.ok(
        "POST", "kira", "/calibrations", json={"attempt_id": calls[4], "participants": [kira, masha]}
    )
    own = world.ok("POST", "kira", f"/calibrations/{calibration['id']}/evaluation")
    saved = world.ok(
        "PUT", "kira", f"/evaluations/{own['id']}", json={"revision": 1, "answers": {**GOOD, "polite": "no"}}
    )
    world.ok("POST", "kira", f"/evaluations/{own['id']}/submit", json={"revision": saved["revision"]})
    return sampled


def _rows(world: World, who: str, report: str, **params: Any) -> list[dict[str, Any]]:
    answer = world.ok("GET", who, f"/reports/{report}", params={**LAST_WEEK, **params})
    return list(answer["rows"])


def test_reports_are_exact_on_a_known_week(world: World) -> None:
    sampled = _history(world)
    anna, boris = str(world.operators["anna"]), str(world.operators["boris"])
    quality = {row["group_id"]: row for row in _rows(world, "kira", "quality")}
    assert quality[anna] == {
        "group": "Anna", "group_id": anna, "evaluations": 3, "score": 62.5, "target": 95, "vs_target": -32.5,
        "critical_errors": 1, "critical_error_rate": 0.3333, "below_threshold": 1,
        "csat_count": 1, "csat_average": 5.0, "nps_count": 2, "nps": 0.0,
    }  # fmt: skip
    assert quality[boris] == {
        "group": "Boris", "group_id": boris, "evaluations": 2, "score": 93.75, "target": 95, "vs_target": -1.25,
        "critical_errors": 0, "critical_error_rate": 0.0, "below_threshold": 0,
        "csat_count": 1, "csat_average": 4.0, "nps_count": 0, "nps": None,
    }  # fmt: skip
    for grouping, label in (("team", "Sveta"), ("week", "2026-W49"), ("tenant", "Shop")):
        (row,) = _rows(world, "masha", "quality", group_by=grouping)
        assert (row["group"], row["evaluations"], row["score"], row["critical_error_rate"]) == (label, 5, 75.0, 0.2)
        assert (row["csat_average"], row["nps"]) == (4.5, 0.0)

    criteria = _rows(world, "sveta", "criteria")
    assert criteria[0] == {
        "criterion": "polite", "title": "Polite throughout the call", "critical": "yes",
        "applicable": 5, "yes": 4, "partly": 0, "no": 1, "fail_rate": 0.2,
    }  # fmt: skip
    assert (criteria[1]["criterion"], criteria[1]["partly"], criteria[1]["no"]) == ("read_back", 2, 0)
    assert next(c for c in criteria if c["criterion"] == "same_day_offered")["applicable"] == 0

    disputes = {row["group_id"]: row for row in _rows(world, "kira", "disputes")}
    assert disputes[anna] | {"group": "", "group_id": ""} == {
        "group": "", "group_id": "", "evaluations": 3, "disputes": 1, "dispute_rate": 0.3333, "open": 0,
        "upheld": 1, "rejected": 0, "upheld_share": 1.0, "upheld_score_change": 12.5,
    }  # fmt: skip
    assert (disputes[boris]["rejected"], disputes[boris]["upheld_share"], disputes[boris]["upheld_score_change"]) == (
        1,
        0.0,
        None,
    )

    plan = {row["operator_id"]: row for row in _rows(world, "kira", "plan")}
    done = len({world.calls[0], world.calls[1], world.calls[2]} & sampled)
    assert plan[anna] == {
        "week": "2026-W49", "operator": "Anna", "operator_id": anna, "planned": 5, "sample_evaluated": done,
        "plan_done": round(done / 5, 4), "flagged": 4, "flagged_evaluated": 0,
    }  # fmt: skip
    assert (plan[boris]["planned"], plan[boris]["sample_evaluated"], plan[boris]["plan_done"]) == (3, 2, 0.6667)


def test_reports_export_like_the_others_and_stay_in_scope(world: World) -> None:
    _history(world)
    exported = world.call("GET", "masha", "/reports/quality", params={**LAST_WEEK, "format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(row["group"], row["score"], row["critical_errors"]) for row in table] == [
        ("Anna", "62.5", "1"),
        ("Boris", "93.75", "0"),
    ]
    workbook = world.call("GET", "kira", "/reports/criteria", params={**LAST_WEEK, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    assert [cell.value for cell in sheet[2]][:3] == ["criterion", "title", "critical"]
    assert [cell.value for cell in sheet[3]][:3] == ["polite", "Polite throughout the call", "yes"]

    only_boris = _rows(world, "kira", "quality", operator_id=world.operators["boris"])
    assert [row["group"] for row in only_boris] == ["Boris"]
    for login in ("anna", "rita", "oleg"):
        assert world.call("GET", login, "/reports/quality", params=LAST_WEEK).status_code == 404
    foreign = world.call(
        "GET", "sveta", "/reports/quality", params={**LAST_WEEK, "operator_id": world.operators["ivan"]}
    )
    assert foreign.status_code == 404
    backwards = world.call("GET", "kira", "/reports/quality", params={"from": "2026-12-06", "to": WEEK})
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid_report_period"
    assert world.call("GET", "kira", "/reports/speed", params=LAST_WEEK).status_code == 422
    rival = world.ok("GET", "rita", "/reports/quality", tenant="rival", params=LAST_WEEK)
    assert rival["rows"] == []
