"""In the sandbox (`okno run`) the survey call rings in the simulator page, which plays Twilio's part against
the very same signed TwiML endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from contracts.calls import CallCompleted
from services.common.db import transaction
from services.common.messaging.broker import make_broker
from services.notify.app import create_app
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.surveys.dispatch import dispatch_due_surveys, place_survey_call
from services.notify.surveys.scheduling import schedule_survey
from services.notify.wiring import build
from tests.support import FrozenClock


@pytest.fixture
def sandbox(database_url: str, clock: FrozenClock) -> Iterator[tuple[NotifyRuntime, TestClient]]:
    settings = NotifySettings(database_url=database_url, sandbox=True)
    runtime = build(settings, broker=make_broker(None), clock=clock)
    runtime.outbox.relay_enabled = False
    with TestClient(create_app(runtime)) as http:
        yield runtime, http
    runtime.engine.dispose()


def test_the_simulator_rings_and_the_keypad_drives_the_real_survey(
    sandbox: tuple[NotifyRuntime, TestClient], clock: FrozenClock
) -> None:
    runtime, http = sandbox
    call = CallCompleted(
        attempt_id=1,
        order_id=1,
        customer_id=1,
        customer_phone="+79161234567",
        customer_timezone="Europe/Moscow",
        language="en",
        operator_id=1,
        disposition="confirmed",
        reached_customer=True,
        ended_at=clock(),
    )
    with transaction(runtime.engine) as session:
        survey = schedule_survey(session, runtime.outbox, runtime.settings, "shop", call, now=clock())
    clock.advance(minutes=2)
    queued: list[int] = []
    dispatch_due_surveys(runtime, queued.append)
    place_survey_call(runtime, queued[0])

    issued = http.post(
        "/internal/v1/tenants/shop/telephony/sandbox-tickets",
        json={"operator_id": 1},
        headers={"Authorization": "Bearer okno-dev-service-token"},
    )
    http.headers["Authorization"] = f"Bearer {issued.json()['ticket']}"
    [ringing] = http.get("/simulator/calls").json()
    assert (ringing["survey_id"], ringing["status"], ringing["to"]) == (survey.id, "calling", "+79161234567")
    assert "Telephony simulator" in http.get("/simulator/").text

    turn = http.post(f"/simulator/calls/{survey.id}/answer", json={"answered_by": "human"}).json()
    assert turn["say"][0].startswith("Hello!") and turn["gather"]["num_digits"] == 1
    turn = http.post(
        f"/simulator/calls/{survey.id}/follow", json={"url": turn["gather"]["action"], "digits": "5"}
    ).json()
    assert "zero to ten" in turn["say"][0]
    turn = http.post(f"/simulator/calls/{survey.id}/follow", json={"url": turn["redirect"], "digits": None}).json()
    assert turn["say"][0].startswith("Sorry")  # silence: the NPS question is asked once more
    turn = http.post(
        f"/simulator/calls/{survey.id}/follow", json={"url": turn["gather"]["action"], "digits": "10"}
    ).json()
    turn = http.post(
        f"/simulator/calls/{survey.id}/follow", json={"url": turn["gather"]["action"], "digits": "1"}
    ).json()
    assert turn["hangup"] is True
    assert http.post(f"/simulator/calls/{survey.id}/end", json={"call_status": "completed"}).status_code == 204

    [finished] = http.get("/simulator/calls").json()
    assert finished["status"] == "completed"
    foreign = http.post(f"/simulator/calls/{survey.id}/follow", json={"url": "https://evil.example/x", "digits": "1"})
    assert foreign.status_code == 422 and foreign.json()["code"] == "foreign_url"


def test_the_simulator_does_not_exist_when_twilio_is_configured(database_url: str) -> None:
    settings = NotifySettings(
        database_url=database_url, twilio_account_sid="AC1", twilio_auth_token="secret", sandbox=True
    )
    runtime = build(settings, broker=make_broker(None))
    with TestClient(create_app(runtime)) as http:
        assert http.get("/simulator/calls").status_code == 404
    runtime.engine.dispose()
