"""The softphone bar follows the operator's own call (`call` events of GET /api/v1/events): notify's call facts,
delivered to order_confirm's consumer as notify sends them, reach the call's operator through the real
stream — ringing their phone, the customer ringing, the answer, hold, the end — and nobody else; `ready`
carries the current call, so a console that reconnects resyncs its bar."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from contracts.routing import MessageType
from okno.embedded import Okno
from services.common.wakeups import InProcessWakeups
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.streams.hub import StreamHub, Subscription
from services.order_confirm.streams.wakeup import Wakeups, decode
from tests.order_confirm.console.live import Event, next_event, quiet, streams_to
from tests.order_confirm.telephony.facts_support import call_updated, deliver
from tests.order_confirm.workflow.world import add_operator, add_tenant, mint_headers

OTHER_EVENTS = ("queue", "floor")


def _call(events: Any) -> dict[str, Any] | None:
    name, data, _ = next_event(events, skip=OTHER_EVENTS)
    assert name == "call", (name, data)
    call: dict[str, Any] | None = data["call"]
    return call


def _ready(events: Any) -> dict[str, Any] | None:
    name, data, _ = next_event(events)
    assert name == "ready", (name, data)
    call: dict[str, Any] | None = data["call"]
    return call


def _until(events: Any, state: str) -> dict[str, Any]:
    """The first `call` in `state`: a stream woken twice in a row may tell both changes in one read."""
    for _ in range(5):
        call = _call(events)
        if call is not None and call["state"] == state:
            return call
    raise AssertionError(f"no call in state {state}")


def _calls_heard(events: list[Event]) -> list[Event]:
    return [event for event in events if event[0] == "call"]


def test_my_phone_first_call_reaches_my_stream_step_by_step_and_nobody_elses(
    service: Okno, client: httpx.Client
) -> None:
    engine, now = service.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    anna = add_operator(engine, "anna", Role.OPERATOR, [tenant], now=now)
    add_operator(engine, "bob", Role.OPERATOR, [tenant], now=now)
    call_id = uuid.uuid4()
    base: dict[str, Any] = {"operator_id": anna, "operator_line": "phone", "offered_at": now}

    def fact(revision: int, state: str, **fields: Any) -> None:
        snapshot = call_updated(call_id, revision, "outbound", state=state, **{**base, **fields})
        deliver(service.order_confirm, MessageType.TELEPHONY_CALL_UPDATED, "tea", snapshot)

    with streams_to(str(client.base_url)) as streams:
        mine = streams.open(mint_headers(service.order_confirm, "anna"))
        theirs = streams.open(mint_headers(service.order_confirm, "bob"))
        assert _ready(mine) is None and _ready(theirs) is None, "no call yet"

        fact(1, "dialing")  # Okno rings Anna's own phone
        call = _call(mine)
        assert call is not None
        assert (call["call_id"], call["direction"], call["line"], call["state"]) == (
            str(call_id), "outbound", "phone", "dialing"
        )  # fmt: skip
        assert call["answered_at"] is None and call["on_hold"] is False

        fact(2, "ringing", ringing_at=now + timedelta(seconds=4))  # she answered; the customer's phone rings
        assert (_call(mine) or {})["state"] == "ringing"
        answered_at = now + timedelta(seconds=9)
        fact(3, "in_progress", ringing_at=now + timedelta(seconds=4), answered_at=answered_at)
        talking = _call(mine) or {}
        assert talking["state"] == "in_progress"
        assert datetime.fromisoformat(talking["answered_at"]) == answered_at, "the timer runs from the answer"

        # A console that connects (or reconnects) now is told the call with `ready`.
        again = streams.open(mint_headers(service.order_confirm, "anna"))
        assert (_ready(again) or {})["state"] == "in_progress"

        fact(4, "in_progress", answered_at=answered_at, on_hold=True)
        assert (_call(mine) or {})["on_hold"] is True
        fact(3, "ringing")  # a late, older fact changes nothing
        fact(5, "ended", answered_at=answered_at, ended_at=now + timedelta(seconds=70), outcome="answered")
        over = _call(mine) or {}
        assert (over["call_id"], over["state"], over["on_hold"]) == (str(call_id), "ended", False)
        assert _until(again, "ended")["call_id"] == str(call_id)

        assert _calls_heard(quiet(mine, 0.5)) == [], "the end is told once"
        assert _calls_heard(quiet(theirs, 0.2)) == [], "Bob never hears of Anna's call"
        after = streams.open(mint_headers(service.order_confirm, "anna"))
        assert _ready(after) is None, "an ended call is nobody's current call"


def test_an_inbound_call_answered_by_a_colleague_leaves_my_bar_and_reaches_theirs(
    service: Okno, client: httpx.Client
) -> None:
    engine, now = service.order_confirm.engine, datetime.now(UTC)
    tenant = add_tenant(engine, "tea", now=now)
    anna = add_operator(engine, "anna", Role.OPERATOR, [tenant], now=now)
    bob = add_operator(engine, "bob", Role.OPERATOR, [tenant], now=now)
    call_id = uuid.uuid4()
    offered = {"offered_at": now - timedelta(seconds=5), "customer_number": "+79161234567"}

    with streams_to(str(client.base_url)) as streams:
        mine = streams.open(mint_headers(service.order_confirm, "anna"))
        theirs = streams.open(mint_headers(service.order_confirm, "bob"))
        assert _ready(mine) is None and _ready(theirs) is None

        ringing_anna = call_updated(call_id, 1, "inbound", state="ringing", operator_id=anna, **offered)
        deliver(service.order_confirm, MessageType.TELEPHONY_CALL_UPDATED, "tea", ringing_anna)
        call = _call(mine) or {}
        assert (call["direction"], call["line"], call["state"]) == ("inbound", None, "ringing")

        answered = call_updated(
            call_id, 2, "inbound", state="in_progress", operator_id=bob, answered_at=now, wait_seconds=5, **offered
        )
        deliver(service.order_confirm, MessageType.TELEPHONY_CALL_UPDATED, "tea", answered)
        assert _call(mine) is None, "no longer Anna's call"
        assert (_call(theirs) or {})["state"] == "in_progress"


def test_a_call_wakeup_wakes_only_the_call_of_its_operators_streams() -> None:
    hub = StreamHub(InProcessWakeups(), reads_at_once=1)
    anna, bob = Subscription(1, watches_floor=False), Subscription(2, watches_floor=False)
    hub.by_operator = {1: {anna}, 2: {bob}}
    note = Wakeups()
    note.add(5, [], calls=[1, None])

    hub.deliver(note.encode())

    assert (anna.call, anna.queue, anna.floor, anna.event.is_set()) == (True, False, False, True)
    assert (bob.call, bob.queue, bob.event.is_set()) == (False, False, False)


def test_a_malformed_calls_part_of_a_note_is_ignored() -> None:
    [wakeup] = decode('[{"tenant": 5, "operators": [3], "calls": "1"}]')
    assert (wakeup.operators, wakeup.calls) == ({3}, set())
    [wakeup] = decode('[{"tenant": 5, "operators": [], "calls": [1, "2", null]}]')
    assert wakeup.calls == {1}
