""" "Call my phone first": Twilio rings the operator's own phone from the shop's number; once they answer,
Okno says so and dials the customer. Twilio unreachable: 503 and the call ends `unavailable`."""

from __future__ import annotations

from tests.notify.outbound.support import CUSTOMER, OPERATOR_PHONE, SHOP_NUMBER, OutboundDesk, verbs


def test_the_operators_phone_rings_first_then_okno_bridges_the_customer(desk: OutboundDesk) -> None:
    desk.tenant()

    started = desk.start(leg="phone", operator_phone=OPERATOR_PHONE)

    assert started.status_code == 201, started.text
    view = started.json()
    call_id = view["call"]["call_id"]
    assert (view["connect_params"], view["connect_before"], view["call"]["operator_line"]) == ({}, None, "phone")
    [placed] = desk.twilio.calls
    assert (placed.to, placed.from_) == (OPERATOR_PHONE, SHOP_NUMBER)
    assert placed.url == desk.url(call_id, "bridge")
    assert placed.status_callback == desk.url(call_id, "operator-status")
    assert placed.machine_detection == "Enable"

    bridge = desk.fetch(placed.url, placed.sid, AnsweredBy="human")

    assert verbs(bridge) == ["Say", "Dial"]
    assert bridge[0].text == "Соединяю с клиентом."
    assert bridge[1].attrib["callerId"] == SHOP_NUMBER
    assert bridge[1][0].text == CUSTOMER
    assert desk.start(leg="phone", operator_phone=OPERATOR_PHONE).status_code == 200  # a retry: no second ring
    assert len(desk.twilio.calls) == 1


def test_the_operators_voicemail_is_never_bridged_to_the_customer(desk: OutboundDesk) -> None:
    desk.tenant()
    call_id = desk.start(leg="phone", operator_phone=OPERATOR_PHONE).json()["call"]["call_id"]
    placed = desk.twilio.calls[-1]

    answered_by_machine = desk.fetch(placed.url, placed.sid, AnsweredBy="machine_start")

    assert verbs(answered_by_machine) == ["Hangup"]
    call = desk.call(call_id).json()
    assert (call["state"], call["outcome"], call["error_code"]) == ("ended", "failed", "operator_voicemail")


def test_an_operator_who_does_not_pick_up_their_phone_ends_the_call(desk: OutboundDesk) -> None:
    desk.tenant()
    call_id = desk.start(leg="phone", operator_phone=OPERATOR_PHONE).json()["call"]["call_id"]
    placed = desk.twilio.calls[-1]
    form = {"AccountSid": desk.twilio.account_sid, "CallSid": placed.sid, "CallStatus": "no-answer"}

    assert desk.post(desk.url(call_id, "operator-status"), form).status_code == 204

    call = desk.call(call_id).json()
    assert (call["state"], call["outcome"], call["error_code"]) == ("ended", "canceled", "operator_no-answer")


def test_twilio_unreachable_answers_503_and_the_call_ends_unavailable(desk: OutboundDesk) -> None:
    desk.tenant()
    desk.twilio.failures.append((503, 20500))

    refused = desk.start(leg="phone", operator_phone=OPERATOR_PHONE)

    assert refused.status_code == 503
    assert refused.json()["code"] == "telephony_unavailable"
    assert refused.headers["Retry-After"] == "30"
    [fact] = [f for f in desk.facts() if f.state == "ended"]
    assert (fact.outcome, fact.attempt_id) == ("unavailable", 12)
    assert desk.start(leg="phone", operator_phone=OPERATOR_PHONE).status_code == 201  # the line is free again


def test_a_number_twilio_refuses_answers_422_and_the_call_fails(desk: OutboundDesk) -> None:
    desk.tenant()
    desk.twilio.failures.append((400, 21215))  # geo permissions: the number may never be called

    refused = desk.start(leg="phone", operator_phone=OPERATOR_PHONE)

    assert refused.status_code == 422
    assert refused.json()["code"] == "number_rejected"
    assert OPERATOR_PHONE not in refused.text
    [fact] = [f for f in desk.facts() if f.state == "ended"]
    assert (fact.outcome, fact.error_code) == ("failed", "21215")


def test_the_phone_leg_needs_the_operators_number(desk: OutboundDesk) -> None:
    desk.tenant()

    refused = desk.start(leg="phone")

    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_failed"
