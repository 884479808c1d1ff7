"""Outbound call facts fill the attempt (not the buttons), and the post-call survey waits for the real end:
`call.completed` goes out once, when both the disposition and the call's final snapshot are in, with the
moment Twilio reported the line released."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from contracts.calls import CallCompleted
from contracts.routing import MessageType
from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt, OutboundCall
from tests.order_confirm.telephony.facts_support import call_updated, deliver, redeliver
from tests.order_confirm.telephony.outbox import Outbox
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers
from tests.support import FrozenClock

COMPLETED = MessageType.CALL_COMPLETED.value


def test_call_facts_fill_the_attempt_and_the_survey_waits_for_the_real_end(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    runtime, engine = frozen_okno.order_confirm, frozen_okno.order_confirm.engine
    t0 = clock()
    shop = add_tenant(engine, "tea", now=t0)
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=t0)
    order = add_order(engine, shop, anna, now=t0, phone="+79161234567")
    headers = mint_headers(runtime, "anna")
    outbox = Outbox(engine)
    started = api.post(f"/api/v1/orders/{order.order_id}/call", headers=headers)
    assert started.status_code == 200, started.text
    attempt_id = started.json()["attempt"]["id"]
    call_id = uuid.uuid4()
    base = {
        "attempt_id": attempt_id, "order_id": order.order_id, "customer_id": order.customer_id, "operator_id": anna,
        "customer_number": "+79161234567", "operator_line": "browser", "offered_at": t0 + timedelta(seconds=1),
    }  # fmt: skip

    deliver(
        runtime,
        MessageType.TELEPHONY_CALL_UPDATED,
        "tea",
        call_updated(call_id, 1, "outbound", state="dialing", **base),
    )
    answered = call_updated(call_id, 3, "outbound", state="in_progress", answered_at=t0 + timedelta(seconds=9), **base)
    deliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, "tea", answered)
    late_ringing = call_updated(call_id, 2, "outbound", state="ringing", ringing_at=t0 + timedelta(seconds=3), **base)
    deliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, "tea", late_ringing)
    with Session(engine) as session:
        row = session.get(OutboundCall, str(call_id))
        assert row is not None and (row.revision, row.state, row.ringing_at) == (3, "in_progress", None), (
            "an older snapshot arriving late changes nothing"
        )
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        assert (attempt.call_id, attempt.started_at, attempt.answered_at) == (
            str(call_id),
            base["offered_at"],
            t0 + timedelta(seconds=9),
        )
        assert attempt.ended_at is None and attempt.disposition is None

    ended = call_updated(
        call_id, 6, "outbound", state="ended", outcome="answered", answered_at=t0 + timedelta(seconds=9),
        ended_at=t0 + timedelta(seconds=99), talk_seconds=80, hold_seconds=10, **base,
    )  # fmt: skip
    body = deliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, "tea", ended)
    assert outbox.new(COMPLETED) == [], "no survey before the operator's disposition"

    clock.advance(seconds=130)  # the operator writes the disposition half a minute after the customer hung up
    confirmed = api.post(f"/api/v1/orders/{order.order_id}/confirm", json={}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    [(_, tenant, payload)] = outbox.new(COMPLETED)
    completed = CallCompleted.model_validate(payload)
    assert (tenant, completed.attempt_id, completed.ended_at) == ("tea", attempt_id, t0 + timedelta(seconds=99)), (
        "the survey counts from the real end of the call, not from the button"
    )
    with Session(engine) as session:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        assert (attempt.ended_at, attempt.talk_seconds, attempt.hold_seconds) == (t0 + timedelta(seconds=99), 80, 10)
        assert attempt.wrap_up_ended_at == clock(), "wrap-up runs from the call's end to the disposition"

    redeliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, body)  # the same message again: the inbox ignores it
    deliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, "tea", ended)  # the same revision anew: not newer
    assert outbox.new(COMPLETED) == [], "the survey is triggered once"


def test_a_disposition_during_the_call_completes_when_the_call_ends(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    runtime, engine = frozen_okno.order_confirm, frozen_okno.order_confirm.engine
    t0 = clock()
    shop = add_tenant(engine, "tea", now=t0)
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=t0)
    order = add_order(engine, shop, anna, now=t0, phone="+79161234567")
    headers = mint_headers(runtime, "anna")
    outbox = Outbox(engine)
    attempt_id = api.post(f"/api/v1/orders/{order.order_id}/call", headers=headers).json()["attempt"]["id"]
    call_id = uuid.uuid4()
    base = {"attempt_id": attempt_id, "order_id": order.order_id, "operator_id": anna, "offered_at": t0}
    talking = call_updated(call_id, 4, "outbound", state="in_progress", answered_at=t0 + timedelta(seconds=5), **base)
    deliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, "tea", talking)
    clock.advance(seconds=60)
    assert api.post(f"/api/v1/orders/{order.order_id}/confirm", json={}, headers=headers).status_code == 200
    assert outbox.new(COMPLETED) == [], "the customer is still on the line: no survey yet"

    ended_at = t0 + timedelta(seconds=75)
    ended = call_updated(
        call_id, 5, "outbound", state="ended", outcome="answered", answered_at=t0 + timedelta(seconds=5),
        ended_at=ended_at, talk_seconds=70, **base,
    )  # fmt: skip
    clock.advance(seconds=15)
    deliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, "tea", ended)
    [(_, _, payload)] = outbox.new(COMPLETED)
    assert CallCompleted.model_validate(payload).ended_at == ended_at
    with Session(engine) as session:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None and attempt.disposition == "confirmed"
        assert (attempt.ended_at, attempt.wrap_up_ended_at, attempt.talk_seconds) == (ended_at, ended_at, 70), (
            "a disposition written before the end leaves no wrap-up"
        )
    newer = ended.model_copy(update={"revision": 7})  # a later snapshot of the ended call (e.g. the sweep)
    deliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, "tea", newer)
    assert outbox.new(COMPLETED) == []


def test_a_call_that_never_reached_the_customer_sends_no_survey_and_the_manual_path_still_does(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    runtime, engine = frozen_okno.order_confirm, frozen_okno.order_confirm.engine
    t0 = clock()
    shop = add_tenant(engine, "tea", now=t0)
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=t0)
    unanswered = add_order(engine, shop, anna, now=t0, phone="+79161234567")
    by_hand = add_order(engine, shop, anna, now=t0, phone="+79161234568")
    headers = mint_headers(runtime, "anna")
    outbox = Outbox(engine)
    attempt_id = api.post(f"/api/v1/orders/{unanswered.order_id}/call", headers=headers).json()["attempt"]["id"]
    call_id = uuid.uuid4()
    deliver(runtime, MessageType.TELEPHONY_CALL_UPDATED, "tea", call_updated(
        call_id, 4, "outbound", state="ended", outcome="no_answer", attempt_id=attempt_id, operator_id=anna,
        offered_at=t0, ringing_at=t0 + timedelta(seconds=2), ended_at=t0 + timedelta(seconds=32),
    ))  # fmt: skip
    clock.advance(seconds=40)
    recorded = api.post(
        f"/api/v1/orders/{unanswered.order_id}/attempts", json={"disposition": "no_answer"}, headers=headers
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["attempt"]["ended_at"] == (t0 + timedelta(seconds=32)).isoformat().replace("+00:00", "Z")
    assert outbox.new(COMPLETED) == []

    # No telephony (Twilio down, or a shop without it): the buttons decide, and the survey follows at once.
    assert api.post(f"/api/v1/orders/{by_hand.order_id}/call", headers=headers).status_code == 200
    clock.advance(seconds=90)
    assert api.post(f"/api/v1/orders/{by_hand.order_id}/confirm", json={}, headers=headers).status_code == 200
    [(_, _, payload)] = outbox.new(COMPLETED)
    assert CallCompleted.model_validate(payload).ended_at == clock()
