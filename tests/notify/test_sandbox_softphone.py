"""The sandbox softphone server plays Twilio for the console's sandbox driver and the simulator's phone.

These tests script the TwiML application: it answers under its own paths (the exchange's voice URLs point there)
with documents rendered by notify's own TwiML markup, and checks every request's signature with notify's own
validation (so a request the sandbox signs wrongly fails here); the softphone's event stream is read on a real
socket. The whole story against notify's real routing webhooks is tests/browser/test_softphone.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.common.db import transaction
from services.common.messaging.broker import make_broker
from services.notify.api import softphone as softphone_api
from services.notify.api.twilio_signature import TwilioForm
from services.notify.app import create_app
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.telephony.models import VoiceNumber
from services.notify.telephony.sandbox import exchange, sandbox_telephony
from services.notify.telephony.sandbox.credentials import sandbox_credentials
from services.notify.telephony.twilio.twiml import TwimlMarkup
from services.notify.telephony.voice import Bridge, Hangup, Record, RingClient, RingNumber, Say, VoiceStep
from services.notify.wiring import build
from tests.notify.softphone_support import event_stream
from tests.support import live_server

SHOP = "+74951234567"
CUSTOMER = "+79161234567"
SERVICE = {"Authorization": "Bearer okno-dev-service-token"}


@dataclass
class TwimlApp:
    """The TwiML application: what each voice URL answers, and every signed request it got."""

    base: str = ""
    received: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    record: bool = True

    def seen(self, last_segment: str) -> list[dict[str, str]]:
        return [form for path, form in self.received if path.rsplit("/", 1)[-1] == last_segment]

    def router(self) -> APIRouter:
        router = APIRouter()
        markup = TwimlMarkup()

        @router.post("/scripted/voice/{rest:path}")
        def voice(rest: str, request: Request, form: TwilioForm) -> Response:
            self.received.append((rest, form))
            return Response(markup.render(self.document(rest, form)), media_type=markup.media_type)

        return router

    def document(self, rest: str, form: dict[str, str]) -> list[VoiceStep]:
        calls = f"{self.base}/scripted/voice/calls/c1"
        record = Record(f"{calls}/recording") if self.record else None
        if rest == "outbound":
            target = RingNumber(form.get("call_id") and CUSTOMER or "", f"{calls}/leg-status", f"{calls}/announcement")
            return [Bridge(target, f"{calls}/dial-ended", 30, caller_id=SHOP, record=record)]
        if rest == "inbound":
            parameters = {"call_id": "c1", "tenant": "shop", "customer_id": "42", "role": "owner", "caller": CUSTOMER}
            ring = RingClient("operator_7", f"{calls}/leg-status", parameters)
            return [
                Say("Connecting you.", "en-US", "Polly.Joanna"),
                Bridge(ring, f"{calls}/dial-ended", 20, record=record),
            ]
        if rest.endswith("announcement"):
            return [Say("This call is recorded.", "en-US", "Polly.Joanna")]
        if rest.endswith("dial-ended"):
            return [Hangup()]
        return []


@pytest.fixture
def sandbox(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[NotifyRuntime, TwimlApp, str]]:
    settings = NotifySettings(database_url=database_url, sandbox=True, public_base_url="http://notify.test")
    runtime = build(settings, broker=make_broker(None))
    runtime.outbox.relay_enabled = False
    # Keep-alive comments often, so a closed test stream is noticed at once (and the server can stop).
    monkeypatch.setattr(softphone_api, "KEEP_ALIVE_SECONDS", 0.2)
    for name in ("OUTBOUND_VOICE_PATH", "INBOUND_VOICE_PATH", "CALL_STATUS_PATH"):
        monkeypatch.setattr(exchange, name, getattr(exchange, name).replace("/twilio/", "/scripted/"))
    with transaction(runtime.engine) as session:  # the projection of the tenant's telephony settings
        session.add(VoiceNumber(number=SHOP, tenant_id="shop"))
    twiml = TwimlApp(base="http://notify.test")
    app = create_app(runtime)
    app.include_router(twiml.router())
    with live_server(app) as url:
        yield runtime, twiml, url
    runtime.engine.dispose()


def _token(runtime: NotifyRuntime, identity: str = "operator_7") -> str:
    return sandbox_telephony(runtime).tokens.mint(identity, timedelta(hours=1)).token


def _ticket(http: httpx.Client, tenant: str = "shop") -> dict[str, str]:
    issued = http.post(
        f"/internal/v1/tenants/{tenant}/telephony/sandbox-tickets", json={"operator_id": 7}, headers=SERVICE
    )
    return {"Authorization": f"Bearer {issued.json()['ticket']}"}


def test_a_customer_dials_the_shop_and_the_operator_answers_on_the_softphone(
    sandbox: tuple[NotifyRuntime, TwimlApp, str],
) -> None:
    runtime, twiml, url = sandbox
    token = _token(runtime)
    with (
        httpx.Client(base_url=url, timeout=30) as http,
        event_stream(f"{url}/sandbox/softphone/events", token) as softphone,
    ):
        assert softphone.next() == (
            "registered",
            {"event": "registered", "identity": "operator_7", "call": None, "error": None, "expires_at": None},
        )
        ticket = _ticket(http)
        assert http.get("/simulator/phone/numbers", headers=ticket).json() == [SHOP]
        dialled = http.post("/simulator/phone/calls", json={"caller": CUSTOMER, "shop_number": SHOP}, headers=ticket)
        assert dialled.status_code == 201, dialled.text
        phone = dialled.json()
        assert phone["heard"][:2] == ["Connecting you.", "ringing…"]

        [inbound] = twiml.seen("inbound")
        assert (inbound["From"], inbound["To"], inbound["Direction"]) == (CUSTOMER, SHOP, "inbound")

        name, incoming = softphone.next()
        assert name == "incoming"
        call = incoming["call"]
        assert call["custom_parameters"]["customer_id"] == "42" and call["direction"] == "incoming"
        assert call["from_number"] == CUSTOMER and call["to_number"] == "client:operator_7"
        auth = {"Authorization": f"Bearer {token}"}
        assert http.post(f"/sandbox/softphone/calls/{call['sid']}/accept", headers=auth).status_code == 204
        assert softphone.next()[0] == "accept"
        statuses = [form["CallStatus"] for form in twiml.seen("leg-status")]
        assert statuses == ["initiated", "ringing", "in-progress"]
        [leg] = http.get("/simulator/phone/calls", headers=ticket).json()
        assert leg["connected"] and leg["status"] == "in-progress"

        assert http.post(f"/sandbox/softphone/calls/{call['sid']}/disconnect", headers=auth).status_code == 204
        assert softphone.next()[0] == "disconnect"
        [ended] = twiml.seen("dial-ended")
        assert (ended["DialCallStatus"], ended["DialCallSid"], ended["CallSid"]) == (
            "completed",
            call["sid"],
            phone["sid"],
        )
        [recording] = twiml.seen("recording")
        assert recording["RecordingStatus"] == "completed" and recording["RecordingSid"].startswith("RE")
        # The sandbox keeps what it reports: its Twilio-speaking media endpoint serves the recording.
        credentials = sandbox_credentials(runtime.engine)
        media = recording["RecordingUrl"].removeprefix("http://notify.test") + ".wav"
        kept = http.get(media, auth=(credentials.account_sid, credentials.auth_token))
        assert kept.status_code == 200 and kept.content.startswith(b"RIFF")
        [caller_status] = twiml.seen("status")
        assert (caller_status["CallSid"], caller_status["CallStatus"]) == (phone["sid"], "completed")
        [leg] = http.get("/simulator/phone/calls", headers=ticket).json()
        assert leg["status"] == "completed" and leg["heard"][-1] == "☎ call ended"

        other = _ticket(http, "other-shop")
        assert http.get("/simulator/phone/calls", headers=other).json() == []
        foreign = http.post(f"/simulator/phone/calls/{phone['sid']}/hangup", headers=other)
        assert foreign.status_code == 404 and foreign.json()["code"] == "phone_call_not_found"
        wrong_number = http.post(
            "/simulator/phone/calls", json={"caller": CUSTOMER, "shop_number": SHOP}, headers=other
        )
        assert wrong_number.status_code == 404 and wrong_number.json()["code"] == "shop_number_not_found"


def test_click_to_call_rings_the_simulated_phone_and_the_customer_answers(
    sandbox: tuple[NotifyRuntime, TwimlApp, str],
) -> None:
    runtime, twiml, url = sandbox
    token = _token(runtime)
    auth = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=url, timeout=30) as http,
        event_stream(f"{url}/sandbox/softphone/events", token) as softphone,
    ):
        assert softphone.next()[0] == "registered"
        connected = http.post("/sandbox/softphone/calls", json={"params": {"call_id": "c1"}}, headers=auth)
        assert connected.status_code == 201, connected.text
        operator_leg = connected.json()
        assert operator_leg["direction"] == "outgoing" and operator_leg["from_number"] == "client:operator_7"
        [outbound] = twiml.seen("outbound")
        assert (outbound["From"], outbound["call_id"], outbound["ApplicationSid"]) == (
            "client:operator_7",
            "c1",
            "APsandbox",
        )
        assert softphone.next()[0] == "ringing"

        ticket = _ticket(http)
        [ringing] = http.get("/simulator/phone/calls", headers=ticket).json()
        assert (ringing["direction"], ringing["from_number"], ringing["to_number"]) == ("incoming", SHOP, CUSTOMER)
        answered = http.post(f"/simulator/phone/calls/{ringing['sid']}/answer", headers=ticket).json()
        assert answered["heard"] == ["This call is recorded.", "connected"]
        assert softphone.next()[0] == "accept"
        assert [f["CallStatus"] for f in twiml.seen("leg-status")] == ["initiated", "ringing", "in-progress"]

        assert http.post(f"/simulator/phone/calls/{ringing['sid']}/hangup", headers=ticket).status_code == 200
        assert softphone.next()[0] == "disconnect"
        [ended] = twiml.seen("dial-ended")
        assert (ended["DialCallStatus"], ended["CallSid"]) == ("completed", operator_leg["sid"])
        assert [f["CallSid"] for f in twiml.seen("status")] == [operator_leg["sid"]]
        assert len(twiml.seen("recording")) == 1

        missing = http.post(f"/sandbox/softphone/calls/{ringing['sid']}/accept", headers=auth)
        assert missing.status_code == 404 and missing.json()["code"] == "softphone_call_not_found"


def test_a_busy_customer_and_a_rejected_call_reach_the_dial_action(
    sandbox: tuple[NotifyRuntime, TwimlApp, str],
) -> None:
    runtime, twiml, url = sandbox
    twiml.record = False
    token = _token(runtime)
    auth = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=url, timeout=30) as http,
        event_stream(f"{url}/sandbox/softphone/events", token) as softphone,
    ):
        assert softphone.next()[0] == "registered"
        ticket = _ticket(http)
        http.post("/sandbox/softphone/calls", json={"params": {"call_id": "c1"}}, headers=auth)
        assert softphone.next()[0] == "ringing"
        [ringing] = http.get("/simulator/phone/calls", headers=ticket).json()
        http.post(f"/simulator/phone/calls/{ringing['sid']}/decline", json={"call_status": "busy"}, headers=ticket)
        assert softphone.next()[0] == "disconnect"
        assert [f["DialCallStatus"] for f in twiml.seen("dial-ended")] == ["busy"]

        http.post("/simulator/phone/calls", json={"caller": CUSTOMER, "shop_number": SHOP}, headers=ticket)
        name, incoming = softphone.next()
        assert name == "incoming"
        assert http.post(f"/sandbox/softphone/calls/{incoming['call']['sid']}/reject", headers=auth).status_code == 204
        assert softphone.next()[0] == "cancel"
        assert [f["DialCallStatus"] for f in twiml.seen("dial-ended")] == ["busy", "busy"]
        assert twiml.seen("recording") == []


def test_the_softphone_needs_a_sandbox_access_token(sandbox: tuple[NotifyRuntime, TwimlApp, str]) -> None:
    _, _, url = sandbox
    with httpx.Client(base_url=url, timeout=30) as http:
        missing = http.post("/sandbox/softphone/calls", json={"params": {"call_id": "c1"}})
        assert missing.status_code == 401 and missing.json()["code"] == "softphone_token_required"
        forged = http.get("/sandbox/softphone/events", headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"})
        assert forged.status_code == 401 and forged.json()["code"] == "softphone_token_invalid"
