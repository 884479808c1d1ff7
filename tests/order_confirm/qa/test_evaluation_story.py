"""Evaluate → submit → coaching → the operator disputes → upheld re-score as a new version, on both databases.

The starter card (weights): greeting 10, identified 10, read_back 20, delivery_payment 20, same_day_offered 10,
objections 10, disposition 10, closing 10, and three critical criteria of 0 points.
"""

from __future__ import annotations

from typing import Any

from tests.order_confirm.qa.world import World

GOOD = {
    "greeting": "yes",
    "identified": "yes",
    "read_back": "yes",
    "delivery_payment": "yes",
    "same_day_offered": "na",
    "objections": "na",
    "disposition": "yes",
    "closing": "yes",
    "prices_correct": "yes",
    "personal_data_safe": "yes",
    "polite": "yes",
}
# 10 + 10 + 10 (partly of 20) + 20 + 10 + 0 of 80 possible (two N/A) = 60 / 80 = 75 %
WEAK = {**GOOD, "read_back": "partly", "closing": "no"}


def _start(world: World, who: str, attempt: int) -> Any:
    return world.call("POST", who, "/evaluations", json={"attempt_id": attempt})


def _evaluate(world: World, who: str, attempt: int, answers: dict[str, str], **extra: Any) -> dict[str, Any]:
    draft = _start(world, who, attempt).json()
    body = {"revision": draft["revision"], "answers": answers, **extra}
    saved = world.ok("PUT", who, f"/evaluations/{draft['id']}", json=body)
    return dict(world.ok("POST", who, f"/evaluations/{draft['id']}/submit", json={"revision": saved["revision"]}))


def test_a_draft_is_checked_saved_by_revision_and_scored_by_the_server_on_submit(world: World) -> None:
    call = world.calls[0]
    started = _start(world, "kira", call)
    assert started.status_code == 201, started.text
    draft = started.json()
    assert (draft["status"], draft["revision"], draft["scorecard"]["version"]) == ("draft", 1, 1)
    again = _start(world, "kira", call)
    assert again.status_code == 200 and again.json()["id"] == draft["id"]  # a retried start
    url = f"/evaluations/{draft['id']}"

    wrong = world.call("PUT", "kira", url, json={"revision": 1, "answers": {"identified": "partly", "tone": "yes"}})
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_answers"
    assert [e["field"] for e in wrong.json()["errors"]] == ["answers.identified", "answers.tone"]
    assert world.call("PUT", "kira", url, json={"revision": 1, "answers": {"greeting": "maybe"}}).status_code == 422
    partial = world.ok("PUT", "kira", url, json={"revision": 1, "answers": {"greeting": "yes"}})
    assert (partial["revision"], partial["answers"]) == (2, {"greeting": "yes"})
    stale = world.call("PUT", "kira", url, json={"revision": 1, "answers": {"greeting": "no"}})
    assert stale.status_code == 412 and stale.json()["current_revision"] == 2  # the other tab's save stays
    assert world.call("GET", "lev", url).status_code == 404  # a draft is its evaluator's alone
    assert world.call("PUT", "lev", url, json={"revision": 2, "answers": {}}).status_code == 404
    incomplete = world.call("POST", "kira", f"{url}/submit", json={"revision": 2})
    assert incomplete.status_code == 422 and len(incomplete.json()["errors"]) == 10

    comment = {"text": "No goodbye", "at_seconds": 118, "criterion_key": "closing"}
    full = world.ok("PUT", "kira", url, json={"revision": 2, "answers": WEAK, "comments": [comment]})
    submitted = world.ok("POST", "kira", f"{url}/submit", json={"revision": full["revision"]})
    assert (submitted["status"], submitted["score"], submitted["possible_points"]) == ("submitted", 75.0, 80)
    assert (submitted["failed"], submitted["critical_failures"]) == (["closing"], [])
    assert submitted["comments"] == [{**comment, "author_id": world.operators["kira"]}]
    final = world.call("PUT", "kira", url, json={"revision": full["revision"], "answers": GOOD})
    assert final.status_code == 409 and final.json()["code"] == "evaluation_submitted"
    audit = world.api.get("/api/v1/audit", headers=world.headers("root"), params={"entity": "qa_evaluation"}).json()
    assert [(e["action"], e["after"]["score_hundredths"]) for e in audit] == [("qa_evaluation.submitted", 7500)]


def test_a_weak_call_sends_coaching_to_the_supervisor_and_an_upheld_dispute_rescores_it(world: World) -> None:
    call = world.calls[0]
    first = _evaluate(world, "kira", call, WEAK)
    coaching = world.ok("GET", "sveta", "/coaching")
    assert [(c["evaluation_id"], c["score"], c["failed"]) for c in coaching] == [(first["id"], 75.0, ["closing"])]
    assert coaching[0]["note"] == (
        "QA 75 % — failed: Summed up next steps and closed politely — partly: Read back items, quantities and total"
    )
    queue = world.api.get("/api/v1/queue", headers=world.headers("sveta")).json()
    assert [(item["task"]["kind"], item["task"]["id"]) for item in queue] == [("coaching", first["coaching_task_id"])]

    mine = world.ok("GET", "anna", "/evaluations")
    assert [e["id"] for e in mine] == [first["id"]]
    closing = next(c for c in mine[0]["criteria"] if c["key"] == "closing")  # the operator reads the titles too
    assert (closing["section"], closing["title"], closing["answer"]) == (
        "Closing",
        "Summed up next steps and closed politely",
        "no",
    )
    assert [c["key"] for c in mine[0]["criteria"]][:2] == ["greeting", "identified"]
    assert world.ok("GET", "boris", "/evaluations") == []
    assert world.call("GET", "boris", f"/evaluations/{first['id']}").status_code == 404
    assert world.ok("GET", "anna", f"/conversations/{call}")["attempt_id"] == call  # her evaluated call

    reason = {"reason": "I said goodbye after the hold, at 1:58"}
    assert world.call("POST", "boris", f"/evaluations/{first['id']}/dispute", json=reason).status_code == 404
    dispute = world.ok("POST", "anna", f"/evaluations/{first['id']}/dispute", json=reason)
    assert dispute["status"] == "open"
    twice = world.call("POST", "anna", f"/evaluations/{first['id']}/dispute", json={"reason": "Another reason"})
    assert twice.status_code == 409 and twice.json()["code"] == "already_disputed"
    ack = world.call("POST", "anna", f"/evaluations/{first['id']}/acknowledge")
    assert ack.status_code == 409
    correction = {"answers": GOOD, "reason": "Heard it again"}
    blocked = world.call("POST", "lev", f"/evaluations/{first['id']}/corrections", json=correction)
    assert blocked.status_code == 409 and blocked.json()["code"] == "dispute_open"

    resolve = f"/disputes/{dispute['id']}/resolve"
    upheld = {
        "outcome": "upheld",
        "resolution": "The goodbye is on the recording",
        "answers": {**WEAK, "closing": "yes"},
    }
    assert world.call("POST", "kira", resolve, json=upheld).status_code == 404  # not her own evaluation
    assert world.call("POST", "oleg", resolve, json=upheld).status_code == 404  # another tenant's supervisor
    no_rescore = world.call("POST", "sveta", resolve, json={**upheld, "answers": {}})
    assert no_rescore.status_code == 422 and no_rescore.json()["code"] == "rescore_required"
    decided = world.ok("POST", "sveta", resolve, json=upheld)
    assert decided["status"] == "upheld" and decided["rescored_evaluation_id"] is not None

    second = world.ok("GET", "anna", f"/evaluations/{decided['rescored_evaluation_id']}")
    assert (second["version"], second["score"], second["supersedes_id"]) == (2, 87.5, first["id"])
    assert second["versions"] == [first["id"], second["id"]]
    assert second["reason"] == "Dispute 1 upheld: The goodbye is on the recording".replace("1", str(dispute["id"]), 1)
    assert second["evaluator"]["id"] == world.operators["sveta"]
    old = world.ok("GET", "kira", f"/evaluations/{first['id']}")
    assert (old["score"], old["superseded_by_id"]) == (75.0, second["id"])  # the first version as it was
    assert [e["id"] for e in world.ok("GET", "anna", "/evaluations")] == [second["id"]]
    assert world.ok("GET", "sveta", "/coaching") == []  # 87.5 % needs no coaching: the task was cancelled
    assert (
        world.ok("GET", "sveta", "/coaching", params={"status": "cancelled"})[0]["task_id"] == first["coaching_task_id"]
    )

    again = world.call("POST", "anna", f"/evaluations/{second['id']}/dispute", json=reason)
    assert again.status_code == 409  # once per evaluation, whatever its version
    assert world.ok("POST", "anna", f"/evaluations/{second['id']}/acknowledge")["acknowledged_at"] is not None
    late = world.call("POST", "lev", f"/evaluations/{first['id']}/corrections", json=correction)
    assert late.status_code == 409 and late.json()["code"] == "evaluation_superseded"


def test_a_critical_failure_zeroes_the_call_and_coaching_is_closed_by_the_supervisor(world: World) -> None:
    rude = _evaluate(world, "lev", world.calls[1], {**GOOD, "polite": "no"})
    assert (rude["score"], rude["critical_failures"], rude["failed"]) == (0.0, ["polite"], ["polite"])
    task = world.ok("GET", "sveta", "/coaching")[0]
    assert task["note"] == "QA 0 % — critical: Polite throughout the call"
    assert world.call("POST", "anna", f"/coaching/{task['task_id']}/done", json={}).status_code == 404
    assert world.call("POST", "oleg", f"/coaching/{task['task_id']}/done", json={}, tenant="rival").status_code == 404
    done = world.ok("POST", "sveta", f"/coaching/{task['task_id']}/done", json={"note": "Talked it through"})
    assert done["status"] == "done"
    assert world.ok("POST", "sveta", f"/coaching/{task['task_id']}/done", json={})["status"] == "done"  # retry
    good = _evaluate(world, "lev", world.calls[2], GOOD)
    assert (good["score"], good["coaching_task_id"]) == (100.0, None)


def test_nobody_evaluates_outside_their_role_or_tenant(world: World) -> None:
    rival_call, unanswered = world.calls[13], world.calls[8]
    assert _start(world, "kira", rival_call).status_code == 404  # another tenant's conversation
    assert _start(world, "kira", unanswered).status_code == 404  # not a conversation
    assert _start(world, "rita", world.calls[0]).status_code == 404
    assert (
        world.call("POST", "rita", "/evaluations", tenant="rival", json={"attempt_id": world.calls[0]}).status_code
        == 404
    )
    for login in ("anna", "sveta", "masha", "root"):
        assert _start(world, login, world.calls[0]).status_code == 404
    assert world.call("POST", "kira", "/evaluations", json={"attempt_id": 0}).status_code == 422
    made = _evaluate(world, "kira", world.calls[9], GOOD)
    for login in ("anna", "rita"):
        assert world.call("GET", login, f"/evaluations/{made['id']}").status_code == 404
    assert world.call("GET", "rita", f"/evaluations/{made['id']}", tenant="rival").status_code == 404
    assert world.ok("GET", "masha", f"/evaluations/{made['id']}")["score"] == 100.0  # the shop reads its tenant's
    assert world.ok("GET", "boris", f"/evaluations/{made['id']}")["id"] == made["id"]
    assert world.call("POST", "boris", f"/evaluations/{made['id']}/acknowledge", tenant="rival").status_code == 404
