"""The weekly QA work queue through the API, on both databases: the seeded sample, the flags and their
reasons, drawn once, and who may see it."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from services.common.db import transaction
from services.order_confirm.models import Attempt, CallRecording, QaSampleWeek
from services.order_confirm.qa.service.work_queue import draw_due
from tests.order_confirm.qa.world import WEEK, World, local


def _items(queue: dict[str, Any]) -> dict[int, list[str]]:
    return {item["attempt_id"]: [reason["kind"] for reason in item["reasons"]] for item in queue["items"]}


def test_last_weeks_sample_is_spread_over_days_and_flags_say_why(world: World) -> None:
    queue = world.ok("GET", "kira", "/queue")
    assert (queue["week"], queue["label"], queue["per_operator"]) == (WEEK, "2026-W49", 5)
    anna, boris = world.operators["anna"], world.operators["boris"]
    assert [
        (row["operator"]["id"], row["planned"], row["sample_evaluated"], row["flagged"]) for row in queue["plan"]
    ] == [
        (anna, 5, 0, 4),
        (boris, 3, 0, 0),
    ]
    items = _items(queue)
    calls = world.calls
    sampled = [attempt for attempt, kinds in items.items() if "sample" in kinds]
    assert len(sampled) == 8  # five of anna's eight, all three of boris's
    assert {calls[9], calls[10], calls[11]} <= set(sampled)
    anna_days = Counter(
        date.fromisoformat(i["started_at"][:10])
        for i in queue["items"]
        if i["attempt_id"] in sampled and i["operator"]["id"] == anna
    )
    assert sorted(anna_days.values()) == [1, 1, 1, 2]  # four days with calls: one pick each, one day a second
    flags = {attempt: [k for k in kinds if k != "sample"] for attempt, kinds in items.items()}
    assert {attempt: kinds for attempt, kinds in flags.items() if kinds} == {
        calls[3]: ["cancelled"],
        calls[4]: ["long_call"],
        calls[5]: ["detractor"],
        calls[6]: ["callback_requested"],
    }
    long_call = next(i for i in queue["items"] if i["attempt_id"] == calls[4])
    assert next(r for r in long_call["reasons"] if r["kind"] == "long_call")["detail"] == {
        "talk_seconds": 900,
        "median_seconds": 122.5,
        "factor": 2.0,
    }
    assert calls[8] not in items and calls[12] not in items and calls[13] not in items  # no answer, next week, rival
    assert all(item["state"] == "to_do" for item in queue["items"])


def test_the_sample_is_drawn_once_and_late_flags_still_join(world: World) -> None:
    first = world.ok("GET", "kira", "/queue", params={"week": WEEK})
    world.ok("PUT", "kira", "/settings", json={"sample_per_operator": 1})
    again = world.ok("GET", "lev", "/queue", params={"week": WEEK})
    assert _items(again) == _items(first) and again["per_operator"] == 5  # drawn once, with the settings of then
    unsampled = next(a for a in world.calls[:8] if a not in _items(first))
    with transaction(world.runtime.engine) as session:
        attempt = session.get(Attempt, unsampled)
        assert attempt is not None
        attempt.nps, attempt.survey_status = 2, "completed"  # the survey answered after the draw
        session.add(attempt)
    late = _items(world.ok("GET", "kira", "/queue", params={"week": WEEK}))
    assert late[unsampled] == ["detractor"]
    assert {k: v for k, v in late.items() if k != unsampled} == _items(first)


def test_the_scheduler_draws_every_shops_last_week_once(world: World) -> None:
    assert draw_due(world.runtime.engine, now=world.clock()) == 2  # the shop and the rival
    assert draw_due(world.runtime.engine, now=world.clock()) == 0
    with Session(world.runtime.engine) as session:
        drawn = session.get(QaSampleWeek, (world.tenants["shop"], date.fromisoformat(WEEK)))
    assert drawn is not None and drawn.planned == {str(world.operators["anna"]): 5, str(world.operators["boris"]): 3}
    queue = world.ok("GET", "kira", "/queue")
    assert queue["drawn_at"] == "2026-12-07T07:10:00Z"  # the scheduler's draw, not a second one
    items = _items(queue)
    assert sum(1 for kinds in items.values() if "sample" in kinds) == 8
    assert set(world.calls[3:7]) <= set(items)  # and the flags


def test_the_queue_is_for_the_quality_department_and_supervisors_of_finished_weeks(world: World) -> None:
    sveta = world.ok("GET", "sveta", "/queue")
    assert len(sveta["items"]) == len(world.ok("GET", "kira", "/queue")["items"])  # her whole team
    only_boris = world.ok("GET", "kira", "/queue", params={"operator_id": world.operators["boris"]})
    assert {i["operator"]["id"] for i in only_boris["items"]} == {world.operators["boris"]}
    for login in ("anna", "masha", "rita"):
        assert world.call("GET", login, "/queue").status_code == 404
    assert world.call("GET", "rita", "/queue", tenant="rival").status_code == 200
    unfinished = world.call("GET", "kira", "/queue", params={"week": "2026-12-07"})
    assert unfinished.status_code == 422 and unfinished.json()["code"] == "week_not_finished"
    tuesday = world.call("GET", "kira", "/queue", params={"week": "2026-12-01"})
    assert tuesday.status_code == 422 and tuesday.json()["code"] == "week_not_monday"
    with Session(world.runtime.engine) as session:
        assert session.get(Attempt, world.calls[0]) is not None


def test_a_conversation_opens_in_its_orders_context_for_those_who_may_hear_it(world: World) -> None:
    first = world.calls[0]
    view = world.ok("GET", "kira", f"/conversations/{first}")
    assert (view["disposition"], view["talk_seconds"], view["recording"]) == ("confirmed", 120, None)
    assert view["order"]["external_id"] == "Q1" and view["order"]["customer_name"] == "Customer 1"
    # Told in the evaluator's language (Russian by default), kept in English as written.
    assert [event["text"] for event in view["timeline"]] == ["Звонок по заказу Q1: подтверждён"]
    assert [event["summary"] for event in view["timeline"]] == ["Call about order Q1: confirmed"]
    assert [note["text"] for note in view["notes"]] == ["Asked to deliver after six"]
    assert "phone" not in str(view["order"])
    assert world.call("GET", "sveta", f"/conversations/{first}").status_code == 200  # her team's
    for login in ("anna", "boris", "masha", "rita"):  # not evaluated yet; another tenant
        assert world.call("GET", login, f"/conversations/{first}").status_code == 404
    assert world.call("GET", "kira", f"/conversations/{world.calls[8]}").status_code == 404  # no answer
    assert world.call("GET", "kira", f"/conversations/{world.calls[13]}").status_code == 404  # the rival's


def test_a_call_with_a_recording_links_it_and_a_deleted_one_is_gone(world: World) -> None:
    call = world.calls[0]
    started = local("2026-11-30 11:00")
    with transaction(world.runtime.engine) as session:
        attempt = session.get(Attempt, call)
        assert attempt is not None
        for n, deleted in ((1, None), (2, started + timedelta(days=90))):  # the newer one is deleted
            session.add(
                CallRecording(
                    recording_id=f"00000000-0000-4000-8000-00000000000{n}",
                    tenant_id=attempt.tenant_id,
                    call_id=f"10000000-0000-4000-8000-00000000000{n}",
                    attempt_id=call,
                    operator_id=attempt.operator_id,
                    duration_seconds=118 + n,
                    started_at=started,
                    recorded_at=started + timedelta(seconds=n),
                    deleted_at=deleted,
                )
            )
    recording = world.ok("GET", "kira", f"/conversations/{call}")["recording"]
    assert (recording["recording_id"], recording["duration_seconds"]) == ("00000000-0000-4000-8000-000000000001", 119)
