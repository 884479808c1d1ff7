"""Click-to-call (docs/telephony.md "Outbound"): order_confirm starts the call, the softphone connects it
through Okno's TwiML App, and the TwiML dials the customer from the shop's number — never a number the
browser names."""

from __future__ import annotations

from sqlmodel import Session

from services.notify.telephony.models import VoiceCall
from tests.notify.outbound.support import CUSTOMER, PUBLIC_BASE_URL, SHOP_NUMBER, OutboundDesk, verbs


def test_the_softphone_connects_and_okno_dials_the_customer_from_the_shops_number(desk: OutboundDesk) -> None:
    desk.tenant()
    started = desk.start()

    assert started.status_code == 201, started.text
    view = started.json()
    call_id = view["call"]["call_id"]
    assert view["call"]["state"] == "dialing"
    assert view["call"]["direction"] == "outbound"
    assert view["call"]["line_number"] == SHOP_NUMBER
    assert (view["call"]["attempt_id"], view["call"]["order_id"], view["call"]["customer_id"]) == (12, 100, 42)
    assert view["connect_params"] == {"call_id": call_id}
    assert view["connect_before"] is not None
    assert [fact.state for fact in desk.facts(call_id)] == ["dialing"]

    _, twiml = desk.connect(call_id)

    assert verbs(twiml) == ["Dial"]
    dial = twiml[0]
    assert dial.attrib["callerId"] == SHOP_NUMBER
    assert dial.attrib["answerOnBridge"] == "true"
    assert dial.attrib["timeout"] == "30"
    assert dial.attrib["action"] == f"{PUBLIC_BASE_URL}/twilio/voice/calls/{call_id}/dial-ended"
    assert "record" not in dial.attrib  # the tenant does not record
    number = dial[0]
    assert number.tag == "Number"
    assert number.text == CUSTOMER
    assert number.attrib["statusCallback"] == f"{PUBLIC_BASE_URL}/twilio/voice/calls/{call_id}/leg-status"
    assert number.attrib["statusCallbackEvent"] == "initiated ringing answered completed"
    assert "url" not in number.attrib  # no announcement without recording


def test_a_recording_tenant_records_both_channels_and_announces_it_before_the_bridge(desk: OutboundDesk) -> None:
    desk.tenant(recording=True, announcement=True, announcement_text="Разговор записывается для контроля качества.")
    call_id = desk.start().json()["call"]["call_id"]

    sid, twiml = desk.connect(call_id)

    dial = twiml[0]
    assert dial.attrib["record"] == "record-from-answer-dual"
    assert dial.attrib["recordingStatusCallback"] == f"{PUBLIC_BASE_URL}/twilio/voice/calls/{call_id}/recording"
    assert dial.attrib["recordingStatusCallbackEvent"] == "completed absent"
    announcement_url = dial[0].attrib["url"]
    assert announcement_url == f"{PUBLIC_BASE_URL}/twilio/voice/calls/{call_id}/announcement"

    heard = desk.fetch(announcement_url, "CA" + "d4" * 16)

    assert verbs(heard) == ["Say"]
    assert heard[0].text == "Разговор записывается для контроля качества."
    assert heard[0].attrib["language"] == "ru-RU"


def test_recording_without_the_notice_records_but_announces_nothing(desk: OutboundDesk) -> None:
    desk.tenant(recording=True, announcement=False)
    call_id = desk.start().json()["call"]["call_id"]

    _, twiml = desk.connect(call_id)

    assert twiml[0].attrib["record"] == "record-from-answer-dual"
    assert "url" not in twiml[0][0].attrib


def test_another_operators_softphone_cannot_connect_the_call(desk: OutboundDesk) -> None:
    desk.tenant()
    call_id = desk.start(operator_id=7).json()["call"]["call_id"]

    _, refused = desk.connect(call_id, operator_id=8)

    assert verbs(refused) == ["Say", "Hangup"]
    assert desk.call(call_id).json()["state"] == "dialing"  # still the owner's to connect
    _, connected = desk.connect(call_id, operator_id=7)
    assert verbs(connected) == ["Dial"]


def test_a_connect_after_the_deadline_is_refused_and_frees_the_line(desk: OutboundDesk) -> None:
    desk.tenant()
    view = desk.start().json()
    call_id = view["call"]["call_id"]
    desk.clock.advance(seconds=61)

    _, refused = desk.connect(call_id)

    assert verbs(refused) == ["Say", "Hangup"]
    call = desk.call(call_id).json()
    assert (call["state"], call["outcome"], call["error_code"]) == ("ended", "canceled", "connect_expired")
    again = desk.start()
    assert again.status_code == 201  # the attempt asks again: a new call
    assert again.json()["call"]["call_id"] != call_id


def test_a_call_id_that_is_not_a_call_or_already_connected_is_refused(desk: OutboundDesk) -> None:
    desk.tenant()
    call_id = desk.start().json()["call"]["call_id"]
    first_sid, _ = desk.connect(call_id)

    _, retried = desk.connect(call_id, call_sid=first_sid)  # Twilio asked again for the same leg
    _, second_leg = desk.connect(call_id)  # the same token on a second connect
    _, unknown = desk.connect("not-a-call")

    assert verbs(retried) == ["Dial"]
    assert verbs(second_leg) == verbs(unknown) == ["Say", "Hangup"]


def test_the_same_attempt_while_its_call_is_under_way_answers_that_call(desk: OutboundDesk) -> None:
    desk.tenant()
    first = desk.start()
    retry = desk.start()

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["call"]["call_id"] == first.json()["call"]["call_id"]
    assert retry.json()["connect_params"] == first.json()["connect_params"]
    assert len(desk.facts()) == 1


def test_an_operator_with_a_call_under_way_has_a_busy_line(desk: OutboundDesk) -> None:
    desk.tenant()
    desk.tenant(tenant="other-shop", numbers=["+74957654321"])
    assert desk.start(attempt_id=1).status_code == 201

    busy = desk.start(attempt_id=2)
    busy_elsewhere = desk.start(tenant="other-shop", attempt_id=3)  # one person, one line
    colleague = desk.start(attempt_id=4, operator_id=8)

    assert busy.status_code == busy_elsewhere.status_code == 409
    assert busy.json()["code"] == "line_busy"
    assert colleague.status_code == 201


def test_a_tenant_without_telephony_cannot_call(desk: OutboundDesk) -> None:
    never_set = desk.start()
    desk.tenant(enabled=False)
    switched_off = desk.start()
    desk.tenant(revision=2, numbers=[])
    no_number = desk.start()

    for refused in (never_set, switched_off, no_number):
        assert refused.status_code == 409
        assert refused.json()["code"] == "telephony_disabled"


def test_another_tenants_call_is_not_found(desk: OutboundDesk) -> None:
    desk.tenant()
    call_id = desk.start().json()["call"]["call_id"]

    for response in (
        desk.call(call_id, tenant="other-shop"),
        desk.hold(call_id, True, tenant="other-shop"),
        desk.hang_up(call_id, tenant="other-shop"),
        desk.call("not-a-uuid"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "call_not_found"
    assert desk.call(call_id).json()["state"] == "dialing"


def test_an_unsigned_or_forged_voice_request_changes_nothing(desk: OutboundDesk) -> None:
    desk.tenant()
    call_id = desk.start().json()["call"]["call_id"]
    form = {"CallSid": "CA" + "e5" * 16, "From": "client:operator_7", "call_id": call_id}

    forged = desk.post(f"{PUBLIC_BASE_URL}/twilio/voice/outbound", form, signature="bm90IGEgc2lnbmF0dXJl")
    unsigned = desk.http.post("/twilio/voice/outbound", data=form)

    assert forged.status_code == unsigned.status_code == 403
    assert forged.json()["code"] == "twilio_signature_invalid"
    with Session(desk.runtime.engine) as session:
        row = session.get(VoiceCall, call_id)
        assert row is not None and row.operator_call_sid is None
    assert len(desk.facts(call_id)) == 1
