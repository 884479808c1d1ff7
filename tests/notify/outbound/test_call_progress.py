"""An outbound call's progress comes from Twilio's callbacks, not from buttons: the customer's leg rings,
answers and ends; `<Dial action>` says how; the operator's leg ending (a dead browser too) ends the call.
Callbacks arrive in any order and more than once: each applies once, and a state never moves back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.notify.outbound.support import PUBLIC_BASE_URL, OutboundDesk, new_sid, verbs


def _connected(desk: OutboundDesk, **tenant: Any) -> tuple[str, str]:
    desk.tenant(**tenant)
    call_id = desk.start().json()["call"]["call_id"]
    operator_sid, _ = desk.connect(call_id)
    return call_id, operator_sid


def test_ringing_answered_and_hung_up_become_facts_with_twilios_times(desk: OutboundDesk) -> None:
    call_id, operator_sid = _connected(desk)
    customer_sid = new_sid()
    started = desk.clock()

    desk.leg(call_id, customer_sid, "initiated", Timestamp=desk.at(seconds=1))
    desk.leg(call_id, customer_sid, "ringing", Timestamp=desk.at(seconds=2))
    desk.leg(call_id, customer_sid, "in-progress", Timestamp=desk.at(seconds=7))
    desk.leg(call_id, customer_sid, "completed", Timestamp=desk.at(seconds=90), CallDuration="90")
    ended = desk.dial_ended(call_id, operator_sid, "completed", DialCallSid=customer_sid)

    assert verbs(ended) == ["Hangup"]
    facts = desk.facts(call_id)
    assert [fact.state for fact in facts] == ["dialing", "ringing", "in_progress", "ended"]
    assert [fact.revision for fact in facts] == [1, 2, 3, 4]
    last = facts[-1]
    assert last.outcome == "answered"
    assert last.ringing_at == started + timedelta(seconds=3)
    assert last.answered_at == started + timedelta(seconds=10)
    assert last.ended_at == started + timedelta(seconds=100)
    assert (last.talk_seconds, last.hold_seconds) == (90, 0)
    assert desk.call(call_id).json() == last.model_dump(mode="json")


def test_callbacks_out_of_order_and_retried_never_move_the_call_back(desk: OutboundDesk) -> None:
    call_id, operator_sid = _connected(desk)
    customer_sid = new_sid()
    base = desk.clock()

    ended_at = desk.at(seconds=60)
    desk.leg(call_id, customer_sid, "completed", Timestamp=ended_at, CallDuration="45")
    desk.leg(call_id, customer_sid, "completed", Timestamp=ended_at, CallDuration="45")  # retried
    desk.leg(call_id, customer_sid, "ringing", Timestamp=format_at(base + timedelta(seconds=5)))
    desk.leg(call_id, customer_sid, "in-progress", Timestamp=format_at(base + timedelta(seconds=15)))
    desk.leg(call_id, customer_sid, "in-progress", Timestamp=format_at(base + timedelta(seconds=15)))  # retried
    desk.dial_ended(call_id, operator_sid, "completed")
    desk.dial_ended(call_id, operator_sid, "completed")  # retried

    facts = desk.facts(call_id)
    # The late "ringing" adds its time to the ended call; the late "in-progress" knows nothing new (the answer
    # was already dated from CallDuration); the retries and the Dial's action change nothing.
    assert [fact.state for fact in facts] == ["dialing", "ended", "ended"]
    final = facts[-1]
    assert final.outcome == "answered"
    assert final.ringing_at == base + timedelta(seconds=5)
    assert final.answered_at == base + timedelta(seconds=15)
    assert final.ended_at == base + timedelta(seconds=60)
    assert final.talk_seconds == 45


def test_a_customer_who_does_not_pick_up_ends_the_call_no_answer(desk: OutboundDesk) -> None:
    call_id, operator_sid = _connected(desk)
    customer_sid = new_sid()
    desk.leg(call_id, customer_sid, "ringing")

    desk.dial_ended(call_id, operator_sid, "no-answer")
    desk.leg(call_id, customer_sid, "no-answer")  # the leg's own callback after the Dial's: no second end

    facts = desk.facts(call_id)
    assert [fact.state for fact in facts] == ["dialing", "ringing", "ended"]
    assert (facts[-1].outcome, facts[-1].answered_at, facts[-1].talk_seconds) == ("no_answer", None, 0)


def test_dial_call_statuses_become_outcomes(desk: OutboundDesk) -> None:
    desk.tenant()
    outcomes = {}
    for attempt, dial_status in enumerate(("busy", "failed", "canceled", "no-answer"), start=1):
        call_id = desk.start(attempt_id=attempt).json()["call"]["call_id"]
        operator_sid, _ = desk.connect(call_id)
        desk.dial_ended(call_id, operator_sid, dial_status)
        outcomes[dial_status] = desk.call(call_id).json()["outcome"]

    assert outcomes == {"busy": "busy", "failed": "failed", "canceled": "canceled", "no-answer": "no_answer"}


def test_a_browser_that_dies_mid_call_is_closed_by_its_status_callback(desk: OutboundDesk) -> None:
    call_id, operator_sid = _connected(desk)
    customer_sid = new_sid()
    desk.leg(call_id, customer_sid, "ringing")
    desk.leg(call_id, customer_sid, "in-progress")
    base = desk.clock()

    # The softphone's leg (the TwiML App's status callback) ends: the tab was closed, the laptop slept.
    form = {"AccountSid": desk.twilio.account_sid, "CallSid": operator_sid, "CallStatus": "completed"}
    form["Timestamp"] = desk.at(seconds=30)
    assert desk.post(f"{PUBLIC_BASE_URL}/twilio/voice/status", form).status_code == 204
    assert desk.post(f"{PUBLIC_BASE_URL}/twilio/voice/status", form).status_code == 204  # retried

    call = desk.call(call_id).json()
    assert (call["state"], call["outcome"]) == ("ended", "answered")
    assert datetime.fromisoformat(call["ended_at"]) == base + timedelta(seconds=30)
    assert len(desk.facts(call_id)) == 4


def test_an_operator_who_hangs_up_while_it_rings_cancels_the_call(desk: OutboundDesk) -> None:
    call_id, operator_sid = _connected(desk)
    desk.leg(call_id, new_sid(), "ringing")

    form = {"AccountSid": desk.twilio.account_sid, "CallSid": operator_sid, "CallStatus": "completed"}
    desk.post(f"{PUBLIC_BASE_URL}/twilio/voice/status", form)

    call = desk.call(call_id).json()
    assert (call["state"], call["outcome"], call["answered_at"]) == ("ended", "canceled", None)


def test_a_forged_status_callback_changes_nothing(desk: OutboundDesk) -> None:
    call_id, _ = _connected(desk)
    form = {"CallSid": new_sid(), "CallStatus": "completed"}

    forged = desk.post(desk.url(call_id, "leg-status"), form, signature="Zm9yZ2Vk")

    assert forged.status_code == 403
    assert desk.call(call_id).json()["state"] == "dialing"


def format_at(moment: datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(moment, usegmt=True)


def test_a_timestamp_without_a_zone_is_read_as_utc(desk: OutboundDesk) -> None:
    call_id, _ = _connected(desk)

    # RFC 2822 writes "-0000" for "UTC, zone unknown"; Python reads that as a naive time.
    desk.leg(call_id, new_sid(), "ringing", Timestamp="Mon, 23 Nov 2026 09:00:05 -0000")

    ringing_at = datetime.fromisoformat(desk.call(call_id).json()["ringing_at"])
    assert ringing_at == datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)
