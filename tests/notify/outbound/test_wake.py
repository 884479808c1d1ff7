"""One window by phone: a customer who calls while their owner is on an outbound call waits for the owner, and
is rung the moment that outbound call ends — not at the end of their hold music."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.twilio import FakeTwilio
from tests.notify.outbound.support import SERVICE
from tests.notify.telephony.inbound_support import Desk, inbound_desk, new_sid
from tests.support import FrozenClock

OWNER = 7
CUSTOMER_PHONE = "+79161234567"
CALLS = "/internal/v1/tenants/shop/telephony/calls"


@pytest.fixture
def desk(database_url: str, clock: FrozenClock, twilio_server: tuple[FakeTwilio, str]) -> Iterator[Desk]:
    twilio, url = twilio_server
    twilio.updates.clear()
    with inbound_desk(database_url, clock, twilio, url) as instance:
        instance.settings()
        instance.customer(42, CUSTOMER_PHONE, OWNER)
        instance.presence(OWNER)
        yield instance


def _owner_talks_on_an_outbound_call(desk: Desk) -> tuple[str, str]:
    body = {"operator_id": OWNER, "attempt_id": 5, "order_id": 50, "customer_id": 43, "to": "+79165550000"}
    call_id = desk.http.post(CALLS, json=body, headers=SERVICE).json()["call"]["call_id"]
    operator_sid, customer_sid = new_sid(), new_sid()
    desk.twilio.open_leg(operator_sid)
    connect = {"CallSid": operator_sid, "From": f"client:operator_{OWNER}", "call_id": call_id}
    assert desk.post("/twilio/voice/outbound", connect).status_code == 200
    for status in ("ringing", "in-progress"):
        leg = {"CallSid": customer_sid, "CallStatus": status}
        assert desk.post(f"/twilio/voice/calls/{call_id}/leg-status", leg).status_code == 204
    return call_id, customer_sid


def test_the_owners_customer_is_rung_as_soon_as_the_owners_outbound_call_ends(desk: Desk) -> None:
    call_id, customer_sid = _owner_talks_on_an_outbound_call(desk)
    caller = desk.dial_in(CUSTOMER_PHONE)
    assert caller.now.client is None  # the owner is on the phone: the customer waits for them
    assert desk.twilio.updates == []

    ended = {"CallSid": customer_sid, "CallStatus": "completed", "CallDuration": "40"}
    assert desk.post(f"/twilio/voice/calls/{call_id}/leg-status", ended).status_code == 204

    assert caller.redirected().client == f"operator_{OWNER}"


def test_hanging_up_from_the_console_frees_the_owner_for_their_waiting_customer(desk: Desk) -> None:
    call_id, _ = _owner_talks_on_an_outbound_call(desk)
    caller = desk.dial_in(CUSTOMER_PHONE)
    assert caller.now.client is None

    assert desk.http.post(f"{CALLS}/{call_id}/hangup", headers=SERVICE).status_code == 200

    assert caller.redirected().client == f"operator_{OWNER}"
