"""Softphone access tokens: a Twilio JWT for one operator, minted only where Twilio (or the sandbox) is set up."""

from __future__ import annotations

from datetime import datetime

import jwt
from fastapi.testclient import TestClient

from services.common.messaging.broker import make_broker
from services.notify.app import create_app
from services.notify.settings import NotifySettings
from services.notify.wiring import build
from tests.notify.outbound.support import API_KEY_SECRET, API_KEY_SID, SERVICE, TWIML_APP_SID, OutboundDesk
from tests.support import FrozenClock

TOKENS = "/internal/v1/tenants/shop/telephony/tokens"


def test_the_token_lets_only_this_operator_take_calls_and_dial_through_oknos_twiml_app(desk: OutboundDesk) -> None:
    response = desk.http.post(TOKENS, json={"operator_id": 7, "ttl_seconds": 900}, headers=SERVICE)

    assert response.status_code == 201, response.text
    view = response.json()
    assert view["identity"] == "operator_7"
    assert view["provider"] == "twilio"
    assert view["softphone_url"] is None
    claims = jwt.decode(view["token"], API_KEY_SECRET, algorithms=["HS256"])
    assert claims["iss"] == API_KEY_SID
    assert claims["sub"] == desk.twilio.account_sid
    assert claims["grants"]["identity"] == "operator_7"
    # Incoming: inbound calls ring this softphone. Outgoing: only through Okno's TwiML App (never a number).
    assert claims["grants"]["voice"] == {"incoming": {"allow": True}, "outgoing": {"application_sid": TWIML_APP_SID}}
    assert claims["exp"] - claims["nbf"] == 900
    assert abs(datetime.fromisoformat(view["expires_at"]).timestamp() - claims["exp"]) <= 1


def test_one_person_has_one_identity_whatever_the_tenant(desk: OutboundDesk) -> None:
    other = desk.http.post("/internal/v1/tenants/other-shop/telephony/tokens", json={"operator_id": 7}, headers=SERVICE)

    assert other.status_code == 201
    claims = jwt.decode(other.json()["token"], API_KEY_SECRET, algorithms=["HS256"])
    assert claims["grants"]["identity"] == "operator_7"
    assert claims["exp"] - claims["nbf"] == 3600  # the default lifetime


def test_a_token_lifetime_out_of_bounds_or_a_missing_service_token_is_refused(desk: OutboundDesk) -> None:
    too_long = desk.http.post(TOKENS, json={"operator_id": 7, "ttl_seconds": 86_400}, headers=SERVICE)
    too_short = desk.http.post(TOKENS, json={"operator_id": 7, "ttl_seconds": 10}, headers=SERVICE)
    anonymous = desk.http.post(TOKENS, json={"operator_id": 7})

    assert too_long.status_code == too_short.status_code == 422
    assert too_long.json()["code"] == "validation_failed"
    assert anonymous.status_code == 401


def test_without_an_api_key_the_softphone_is_not_configured(database_url: str, clock: FrozenClock) -> None:
    # Account credentials alone place survey calls, but cannot sign softphone tokens.
    settings = NotifySettings(database_url=database_url, twilio_account_sid="AC" + "0" * 32, twilio_auth_token="t")
    runtime = build(settings, broker=make_broker(None), clock=clock)
    with TestClient(create_app(runtime)) as http:
        response = http.post(TOKENS, json={"operator_id": 7}, headers=SERVICE)
    runtime.engine.dispose()

    assert response.status_code == 503
    assert response.json()["code"] == "capability_not_configured"
    assert response.headers["Retry-After"]


def test_the_sandbox_mints_its_own_token_and_names_its_softphone(database_url: str, clock: FrozenClock) -> None:
    runtime = build(NotifySettings(database_url=database_url, sandbox=True), broker=make_broker(None), clock=clock)
    with TestClient(create_app(runtime)) as http:
        response = http.post(TOKENS, json={"operator_id": 9}, headers=SERVICE)
    runtime.engine.dispose()

    assert response.status_code == 201, response.text
    view = response.json()
    assert view["provider"] == "sandbox"
    assert view["identity"] == "operator_9"
    assert view["softphone_url"] == "http://127.0.0.1:8000/notify/sandbox/softphone"
    assert jwt.decode(view["token"], options={"verify_signature": False})["grants"]["identity"] == "operator_9"
