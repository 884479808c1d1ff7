"""Inbound call facts feed the plan: once the shop's calls are on record, the inbound forecast is no longer
empty and its handle time is the calls' own (talk + hold)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from contracts.routing import MessageType
from services.order_confirm.planning import compute
from tests.order_confirm.telephony.facts_support import call_updated, deliver
from tests.planning.world import HISTORY_DAYS, MOSCOW, NOW, World, local


def test_inbound_calls_on_record_make_the_inbound_forecast_available(world: World) -> None:
    first = (NOW.astimezone(MOSCOW) - timedelta(days=HISTORY_DAYS)).date()
    for d in range(HISTORY_DAYS):
        day = first + timedelta(days=d)
        if day.weekday() >= 5:
            continue
        answered = local(f"{day.isoformat()} 11:05")
        deliver(world.runtime, MessageType.TELEPHONY_CALL_UPDATED, "shop", call_updated(
            uuid.uuid4(), 8, "inbound", state="ended", outcome="answered", operator_id=world.operators["anna"],
            offered_at=answered, answered_at=answered + timedelta(seconds=12), wait_seconds=12,
            ended_at=answered + timedelta(seconds=252), talk_seconds=200, hold_seconds=40,
        ))  # fmt: skip
        abandoned = local(f"{day.isoformat()} 11:20")
        deliver(world.runtime, MessageType.TELEPHONY_CALL_UPDATED, "shop", call_updated(
            uuid.uuid4(), 3, "inbound", state="ended", outcome="abandoned", abandoned=True, offered_at=abandoned,
            ended_at=abandoned + timedelta(seconds=30), wait_seconds=30,
        ))  # fmt: skip

    assert world.call("POST", "sveta", "/plan/recompute").status_code == 202
    compute.sweep(world.runtime)
    plan = world.call("GET", "sveta", "/plan").json()
    assert plan["inbound"] == {"available": True, "message": None}
    assert plan["plan"]["inbound"]["notes"] != ["no inbound history yet"]
    assert plan["plan"]["measures"]["inbound_aht_seconds"] == 240.0, "talk + hold of the answered calls"
    rows = {row["local"]: row for row in plan["intervals"]}
    assert 1.5 <= rows["2026-12-07 11:00"]["inbound_calls"] <= 2.5, "two calls every weekday between 11:00 and 11:30"
    assert rows["2026-12-07 15:00"]["inbound_calls"] <= 0.3
    rival = world.call("GET", "oleg", "/plan", tenant="rival").json()
    assert rival["inbound"]["available"] is False, "another shop's calls are not this one's history"
