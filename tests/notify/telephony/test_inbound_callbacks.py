"""The inbound call's callbacks (an offer's status, the `<Dial action>`, the caller's status) are served by hand on
the event loop (telephony/on_loop.py), yet refuse exactly as their declared dependencies did — voice not
configured (503) before the signature (403) before the parameters (422), nothing changed on any refusal — and
are applied once per event, in whatever order and however often Twilio sends them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from services.common.messaging.broker import make_broker
from services.notify.app import create_app
from services.notify.settings import NotifySettings
from services.notify.wiring import build
from tests.fakes.twilio import FakeTwilio
from tests.notify.telephony.inbound_support import PUBLIC_BASE_URL, Desk, inbound_desk
from tests.support import FrozenClock

ANNA = 11
FORGED = "bm90IGEgc2lnbmF0dXJl"


@pytest.fixture
def desk(database_url: str, clock: FrozenClock, twilio_server: tuple[FakeTwilio, str]) -> Iterator[Desk]:
    twilio, url = twilio_server
    twilio.updates.clear()
    with inbound_desk(database_url, clock, twilio, url) as instance:
        instance.settings()
        instance.presence(ANNA)
        yield instance


def _problem(response: object) -> tuple[int, str, list[str]]:
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    return response.status_code, body["code"], [error["field"] for error in body.get("errors", [])]  # type: ignore[attr-defined]


def test_refusals_come_in_the_declared_order_and_change_nothing(desk: Desk) -> None:
    phone = desk.dial_in()
    assert phone.now.client == "operator_11"
    calls = f"/twilio/voice/calls/{phone.call_id}"
    before = (desk.calls(), desk.updates())
    for path in (f"{calls}/offers/0/status", f"{calls}/offers/1/status", f"{calls}/dial-ended", "/twilio/voice/status"):
        forged = desk.post(path, phone.form(CallStatus="completed", DialCallStatus="completed"), signature=FORGED)
        assert _problem(forged) == (403, "twilio_signature_invalid", []), path
    long_id = "x" * 65
    refused = {
        f"{calls}/offers/0/status": ["path.offer_id"],
        f"{calls}/offers/x/status": ["path.offer_id"],
        f"/twilio/voice/calls/{long_id}/offers/0/status": ["path.call_id", "path.offer_id"],
        f"/twilio/voice/calls/{long_id}/dial-ended": ["path.call_id"],
    }
    for path, fields in refused.items():
        signed = desk.post(path, phone.form(CallStatus="in-progress", DialCallStatus="completed"))
        assert _problem(signed) == (422, "validation_failed", fields), path
    assert (desk.calls(), desk.updates()) == before


def test_without_voice_configured_the_callbacks_answer_503_before_looking_at_the_signature(database_url: str) -> None:
    runtime = build(
        NotifySettings(database_url=database_url, public_base_url=PUBLIC_BASE_URL), broker=make_broker(None)
    )
    paths = ("/twilio/voice/calls/x/offers/0/status", "/twilio/voice/calls/x/dial-ended", "/twilio/voice/status")
    with TestClient(create_app(runtime)) as http:
        for path in paths:
            response = http.post(path, data={"CallSid": "CA1"}, headers={"X-Twilio-Signature": FORGED})
            assert _problem(response) == (503, "capability_not_configured", []), path
    runtime.engine.dispose()


def test_callbacks_out_of_order_and_retried_end_the_call_answered_once(desk: Desk) -> None:
    """The `<Dial action>` first (the answer's own callback late), then the late answer, the caller's end, and
    Twilio's retries of every one: one answer, one end, nothing reopened."""
    phone = desk.dial_in()
    ring = phone.now
    desk.clock.advance(seconds=70)
    assert ring.dial is not None
    for _ in range(2):
        assert phone.fetch(ring.dial.attrib["action"], DialCallStatus="completed", DialCallDuration="60").hangup
    leg = {**phone.form(CallStatus="in-progress"), "CallSid": "CA" + "e" * 32}
    for _ in range(2):
        assert desk.post(ring.leg_status_url, leg).status_code == 204
        phone.status("completed")
    updates = desk.updates(phone.call_id)
    [end] = [u for u in updates if u.state == "ended"]
    assert (end.outcome, end.abandoned, end.operator_id) == ("answered", False, ANNA)
    assert end.answered_at == desk.clock() - timedelta(seconds=60)
    assert [(o.operator_id, o.result) for o in end.offers] == [(ANNA, "answered")]
    assert updates[-1] == end, "nothing after the end"
    assert desk.dial_in("+79160000009").now.client == "operator_11"  # Anna's line is free again
