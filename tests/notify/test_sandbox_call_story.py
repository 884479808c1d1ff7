"""The sandbox plays Twilio against notify's real telephony webhooks: a customer dials the shop from the
simulator and their owner answers on the sandbox softphone; an operator's click-to-call rings the simulated
phone, goes on hold and back. What notify reports (`telephony_call.updated`) is what production would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from contracts.routing import MessageType
from contracts.telephony import (
    CallUpdated,
    CustomerRoute,
    CustomerRoutesChanged,
    OperatorPresenceChanged,
    RecordingAvailable,
    TelephonySettingsChanged,
)
from services.notify.api import softphone as softphone_api
from services.notify.app import create_app
from services.notify.models import OutboxMessage
from services.notify.runtime import NotifyRuntime
from services.notify.telephony.sandbox import sandbox_telephony
from tests.notify.softphone_support import EventStream, event_stream
from tests.notify.telephony.support import deliver, notify_runtime
from tests.support import FrozenClock, live_server, wait_until

SHOP = "+74951234567"
CUSTOMER = "+79161234567"
OWNER = 7
SERVICE = {"Authorization": "Bearer okno-dev-service-token"}


@dataclass
class Sandbox:
    runtime: NotifyRuntime
    http: httpx.Client
    softphone: EventStream
    auth: dict[str, str]  # the softphone's access token
    ticket: dict[str, str]  # the simulator's sandbox ticket

    def sent(self, message_type: MessageType) -> list[dict[str, Any]]:
        with Session(self.runtime.engine) as session:
            rows = session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.message_type) == message_type.value)
                .order_by(col(OutboxMessage.id))
            ).all()
            return [json.loads(json.dumps(row.envelope))["payload"] for row in rows]

    def updates(self) -> list[CallUpdated]:
        return [CallUpdated.model_validate(p) for p in self.sent(MessageType.TELEPHONY_CALL_UPDATED)]

    def recordings(self) -> list[RecordingAvailable]:
        return [RecordingAvailable.model_validate(p) for p in self.sent(MessageType.RECORDING_AVAILABLE)]

    def last(self) -> CallUpdated:
        return max(self.updates(), key=lambda update: update.revision)

    def ended(self) -> CallUpdated:
        wait_until(lambda: self.last().state == "ended", message="the call's end")
        return self.last()

    def expect(self, name: str) -> dict[str, Any]:
        event, payload = self.softphone.next()
        assert event == name, (event, payload)
        return payload

    def phone(self) -> dict[str, Any]:
        [leg] = self.http.get("/simulator/phone/calls", headers=self.ticket).json()
        return dict(leg)


@pytest.fixture
def sandbox(database_url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    monkeypatch.setattr(softphone_api, "KEEP_ALIVE_SECONDS", 0.2)  # a closed test stream is noticed at once
    with notify_runtime(database_url, clock, sandbox=True, public_base_url="http://notify.test") as runtime:
        deliver(runtime, MessageType.TELEPHONY_SETTINGS_CHANGED, _settings(clock))
        presence = OperatorPresenceChanged(
            operator_id=OWNER, revision=1, status="available", display_name="Anna", changed_at=clock()
        )
        deliver(runtime, MessageType.OPERATOR_PRESENCE_CHANGED, presence)
        route = CustomerRoute(customer_id=42, phone=CUSTOMER, owner_id=OWNER, revision=1)
        deliver(
            runtime, MessageType.CUSTOMER_ROUTES_CHANGED, CustomerRoutesChanged(customers=[route], changed_at=clock())
        )
        token = sandbox_telephony(runtime).tokens.mint(f"operator_{OWNER}", timedelta(hours=1)).token
        with live_server(create_app(runtime)) as url, httpx.Client(base_url=url, timeout=30) as http:
            issued = http.post(
                "/internal/v1/tenants/shop/telephony/sandbox-tickets", json={"operator_id": 7}, headers=SERVICE
            )
            ticket = {"Authorization": f"Bearer {issued.json()['ticket']}"}
            with event_stream(f"{url}/sandbox/softphone/events", token) as softphone:
                sandbox = Sandbox(runtime, http, softphone, {"Authorization": f"Bearer {token}"}, ticket)
                sandbox.expect("registered")
                yield sandbox


def _settings(clock: FrozenClock) -> TelephonySettingsChanged:
    return TelephonySettingsChanged(
        revision=1, numbers=[SHOP], language="en", recording=True, announcement=True, changed_at=clock()
    )


def test_the_customer_dials_the_shop_and_their_owner_answers(sandbox: Sandbox) -> None:
    dialled = sandbox.http.post(
        "/simulator/phone/calls", json={"caller": CUSTOMER, "shop_number": SHOP}, headers=sandbox.ticket
    )
    assert dialled.status_code == 201, dialled.text
    incoming = sandbox.expect("incoming")["call"]
    parameters = incoming["custom_parameters"]
    assert (parameters["customer_id"], parameters["role"], parameters["tenant"]) == ("42", "owner", "shop")
    assert parameters["caller"] == CUSTOMER and incoming["to_number"] == f"client:operator_{OWNER}"
    assert sandbox.last().state == "ringing" and sandbox.last().customer_id == 42

    sid = incoming["sid"]
    assert sandbox.http.post(f"/sandbox/softphone/calls/{sid}/accept", headers=sandbox.auth).status_code == 204
    sandbox.expect("accept")
    answered = sandbox.last()
    assert (answered.state, answered.operator_id, answered.answered_role) == ("in_progress", OWNER, "owner")
    assert sandbox.phone()["connected"]

    assert sandbox.http.post(f"/sandbox/softphone/calls/{sid}/disconnect", headers=sandbox.auth).status_code == 204
    sandbox.expect("disconnect")
    ended = sandbox.ended()
    assert (ended.outcome, ended.abandoned, ended.operator_id) == ("answered", False, OWNER)
    assert [offer.result for offer in ended.offers] == ["answered"]
    assert sandbox.phone()["status"] == "completed"
    # The tenant records: the conversation's recording is kept and reported, as Twilio's would be.
    [recording] = wait_until(sandbox.recordings, message="the recording")
    assert (recording.call_id, recording.direction, recording.customer_id) == (ended.call_id, "inbound", 42)


def test_a_click_to_call_rings_the_simulated_phone_goes_on_hold_and_back(sandbox: Sandbox) -> None:
    start = {"operator_id": OWNER, "attempt_id": 5, "order_id": 9, "customer_id": 42, "to": CUSTOMER}
    started = sandbox.http.post("/internal/v1/tenants/shop/telephony/calls", json=start, headers=SERVICE)
    assert started.status_code == 201, started.text
    view = started.json()
    call_id = view["call"]["call_id"]

    connected = sandbox.http.post(
        "/sandbox/softphone/calls", json={"params": view["connect_params"]}, headers=sandbox.auth
    )
    assert connected.status_code == 201, connected.text
    sandbox.expect("ringing")
    ringing = sandbox.phone()
    assert (ringing["direction"], ringing["from_number"], ringing["to_number"]) == ("incoming", SHOP, CUSTOMER)
    assert sandbox.last().state == "ringing"

    answered = sandbox.http.post(f"/simulator/phone/calls/{ringing['sid']}/answer", headers=sandbox.ticket).json()
    assert answered["heard"][0] == "This call is recorded." and answered["connected"]
    sandbox.expect("accept")
    assert sandbox.last().state == "in_progress" and sandbox.last().attempt_id == 5

    hold_url = f"/internal/v1/tenants/shop/telephony/calls/{call_id}/hold"
    hold = sandbox.http.put(hold_url, json={"on_hold": True}, headers=SERVICE)
    assert hold.status_code == 200, hold.text
    wait_until(lambda: "♪ on hold" in sandbox.phone()["heard"], message="the customer in the hold queue")
    resume = sandbox.http.put(hold_url, json={"on_hold": False}, headers=SERVICE)
    assert resume.status_code == 200, resume.text
    wait_until(lambda: "connected again" in sandbox.phone()["heard"], message="the customer taken back")
    assert sandbox.expect("accept")["call"]["sid"] == connected.json()["sid"]

    assert (
        sandbox.http.post(f"/simulator/phone/calls/{ringing['sid']}/hangup", headers=sandbox.ticket).status_code == 200
    )
    sandbox.expect("disconnect")
    ended = sandbox.ended()
    assert (ended.outcome, ended.on_hold, ended.operator_id) == ("answered", False, OWNER)
    # A hold splits the recording: one before it, one after (both of this call and attempt).
    wait_until(lambda: len(sandbox.recordings()) == 2, message="two recordings")
    assert {(r.call_id, r.attempt_id) for r in sandbox.recordings()} == {(ended.call_id, 5)}


def test_an_unknown_caller_rings_a_free_operator_who_rejects_and_the_caller_hangs_up(sandbox: Sandbox) -> None:
    stranger = {"caller": "+79031112233", "shop_number": SHOP}
    assert sandbox.http.post("/simulator/phone/calls", json=stranger, headers=sandbox.ticket).status_code == 201
    incoming = sandbox.expect("incoming")["call"]
    assert incoming["custom_parameters"]["customer_id"] == ""  # the console shows "unknown caller"
    assert incoming["custom_parameters"]["role"] == "other"

    reject = sandbox.http.post(f"/sandbox/softphone/calls/{incoming['sid']}/reject", headers=sandbox.auth)
    assert reject.status_code == 204
    sandbox.expect("cancel")
    assert [offer.result for offer in sandbox.last().offers][:1] != ["answered"]
    leg = sandbox.phone()
    assert leg["status"] == "in-progress" and not leg["connected"]  # still on the line, waiting for someone

    assert sandbox.http.post(f"/simulator/phone/calls/{leg['sid']}/hangup", headers=sandbox.ticket).status_code == 200
    ended = sandbox.ended()
    assert (ended.outcome, ended.abandoned, ended.customer_id) == ("abandoned", True, None)
