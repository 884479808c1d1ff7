"""Hold, resume and hang-up steer the live legs through Twilio's REST API (the local Twilio fake here): hold
moves the customer's leg to the call's hold queue, resume has the operator's leg take it back, hang-up ends
every leg. Hold time is counted; Twilio being down is a 503 the console can tell apart."""

from __future__ import annotations

from typing import Any

from tests.notify.outbound.support import OutboundDesk, new_sid, verbs


def _talking(desk: OutboundDesk, **tenant: Any) -> tuple[str, str, str]:
    desk.tenant(**tenant)
    call_id = desk.start().json()["call"]["call_id"]
    operator_sid, _ = desk.connect(call_id)
    customer_sid = new_sid()
    desk.twilio.open_leg(customer_sid)
    desk.leg(call_id, customer_sid, "ringing")
    desk.leg(call_id, customer_sid, "in-progress")
    return call_id, operator_sid, customer_sid


def test_hold_plays_music_to_the_customer_and_resume_brings_them_back(desk: OutboundDesk) -> None:
    call_id, operator_sid, customer_sid = _talking(desk, recording=True, announcement=False)

    held = desk.hold(call_id, True)

    assert held.status_code == 200, held.text
    assert held.json()["on_hold"] is True
    assert [(u.sid, u.url) for u in desk.twilio.updates] == [(customer_sid, desk.url(call_id, "hold"))]
    # Twilio runs the hold document on the customer's leg: wait in the call's own queue, hearing music.
    enqueue = desk.fetch(desk.url(call_id, "hold"), customer_sid)
    assert verbs(enqueue) == ["Enqueue"]
    assert enqueue[0].text == call_id
    assert enqueue[0].attrib["waitUrl"] == desk.url(call_id, "hold-music")
    music = desk.fetch(desk.url(call_id, "hold-music"), customer_sid)
    assert verbs(music) == ["Play"] and music[0].attrib["loop"] == "0"
    # The operator's <Dial> ended with the move: that is a hold, not the end of the call.
    notice = desk.dial_ended(call_id, operator_sid, "completed")
    assert verbs(notice) == ["Say", "Redirect"]
    assert notice[1].text == desk.url(call_id, "held")
    assert verbs(desk.fetch(desk.url(call_id, "held"), operator_sid)) == ["Pause", "Redirect"]
    assert desk.call(call_id).json()["state"] == "in_progress"

    desk.clock.advance(seconds=20)
    resumed = desk.hold(call_id, False)

    assert resumed.status_code == 200
    assert (resumed.json()["on_hold"], resumed.json()["hold_seconds"]) == (False, 20)
    assert (desk.twilio.updates[-1].sid, desk.twilio.updates[-1].url) == (operator_sid, desk.url(call_id, "resume"))
    back = desk.fetch(desk.url(call_id, "resume"), operator_sid)
    assert verbs(back) == ["Dial"]
    assert back[0][0].tag == "Queue" and back[0][0].text == call_id
    assert back[0].attrib["record"] == "record-from-answer-dual"  # a hold splits the recording; it goes on
    assert back[0].attrib["action"] == desk.url(call_id, "dial-ended")

    desk.clock.advance(seconds=40)
    desk.leg(call_id, customer_sid, "completed")
    final = desk.call(call_id).json()
    assert (final["state"], final["outcome"], final["hold_seconds"], final["talk_seconds"]) == (
        "ended",
        "answered",
        20,
        40,
    )
    assert [fact.on_hold for fact in desk.facts(call_id)] == [False, False, False, True, False, False]


def test_asking_for_hold_twice_moves_the_customer_once(desk: OutboundDesk) -> None:
    call_id, _, _ = _talking(desk)

    desk.hold(call_id, True)
    again = desk.hold(call_id, True)
    not_held = desk.hold(call_id, False)
    resume_again = desk.hold(call_id, False)

    assert again.status_code == 200 and again.json()["on_hold"] is True
    assert not_held.status_code == resume_again.status_code == 200
    assert len(desk.twilio.updates) == 2  # one hold, one resume


def test_twilio_down_on_hold_answers_503_and_the_call_is_not_held(desk: OutboundDesk) -> None:
    call_id, _, _ = _talking(desk)
    desk.twilio.failures.append((503, 20500))

    refused = desk.hold(call_id, True)

    assert refused.status_code == 503
    assert refused.json()["code"] == "telephony_unavailable"
    assert refused.headers["Retry-After"] == "30"
    assert desk.call(call_id).json()["on_hold"] is False


def test_hold_needs_an_answered_call_that_is_not_over(desk: OutboundDesk) -> None:
    desk.tenant()
    call_id = desk.start().json()["call"]["call_id"]

    dialing = desk.hold(call_id, True)
    desk.hang_up(call_id)
    over = desk.hold(call_id, True)

    assert dialing.status_code == over.status_code == 409
    assert dialing.json()["code"] == "call_not_answered"
    assert over.json()["code"] == "call_ended"


def test_hang_up_ends_every_leg_at_twilio_once(desk: OutboundDesk) -> None:
    call_id, operator_sid, customer_sid = _talking(desk)
    desk.clock.advance(seconds=30)

    first = desk.hang_up(call_id)
    again = desk.hang_up(call_id)

    assert first.status_code == again.status_code == 200
    assert (first.json()["state"], first.json()["outcome"], first.json()["talk_seconds"]) == ("ended", "answered", 30)
    assert again.json() == first.json()
    assert sorted((u.sid, u.status) for u in desk.twilio.updates) == sorted(
        [(operator_sid, "completed"), (customer_sid, "completed")]
    )
    # Twilio's own callbacks for the legs it ended arrive afterwards and change nothing.
    desk.leg(call_id, customer_sid, "completed")
    assert desk.call(call_id).json() == first.json()


def test_hanging_up_before_the_softphone_connected_cancels_without_twilio(desk: OutboundDesk) -> None:
    desk.tenant()
    call_id = desk.start().json()["call"]["call_id"]

    ended = desk.hang_up(call_id)

    assert (ended.json()["state"], ended.json()["outcome"]) == ("ended", "canceled")
    assert desk.twilio.updates == []
    _, refused = desk.connect(call_id)
    assert verbs(refused) == ["Say", "Hangup"]
    assert desk.start().status_code == 201  # the line is free and the attempt may call again


def test_twilio_down_on_hang_up_answers_503_and_keeps_the_call(desk: OutboundDesk) -> None:
    call_id, _, _ = _talking(desk)
    desk.twilio.failures.append((500, 20500))

    refused = desk.hang_up(call_id)

    assert refused.status_code == 503
    assert refused.json()["code"] == "telephony_unavailable"
    assert desk.call(call_id).json()["state"] == "in_progress"
