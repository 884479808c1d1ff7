"""Sandboxes only where asked for (issue 12, item 1): the attacks on a production notify first, then the sandbox's
own locks — a random per-installation webhook token and tickets that open one tenant's pages only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from contracts.calls import CallCompleted
from contracts.payments import SmsRequested
from services.common.db import transaction
from services.common.messaging.broker import make_broker
from services.notify.app import create_app
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.sms.models import SmsMessage
from services.notify.sms.service import send_sms
from services.notify.surveys.dispatch import dispatch_due_surveys, place_survey_call
from services.notify.surveys.models import SurveyCall
from services.notify.surveys.scheduling import schedule_survey
from services.notify.telephony.sandbox.credentials import SandboxCredentials, sandbox_credentials
from services.notify.telephony.sandbox.tickets import mint_ticket
from services.notify.wiring import build
from tests.support import FrozenClock

BASE = "http://127.0.0.1:8000/notify"
OLD_PUBLIC_SANDBOX_TOKEN = "okno-sandbox-twilio-auth-token"  # what every installation used to accept
SERVICE = {"Authorization": "Bearer okno-dev-service-token"}


@contextmanager
def notify(database_url: str, clock: FrozenClock, **settings: Any) -> Iterator[tuple[NotifyRuntime, TestClient]]:
    runtime = build(NotifySettings(database_url=database_url, **settings), broker=make_broker(None), clock=clock)
    runtime.outbox.relay_enabled = False
    with TestClient(create_app(runtime)) as http:
        yield runtime, http
    runtime.engine.dispose()


def placed_survey(runtime: NotifyRuntime, clock: FrozenClock, tenant: str = "shop", attempt_id: int = 1) -> SurveyCall:
    call = CallCompleted(
        attempt_id=attempt_id,
        order_id=attempt_id,
        customer_id=attempt_id,
        customer_phone="+79161234567",
        customer_timezone="Europe/Moscow",
        language="en",
        operator_id=1,
        disposition="confirmed",
        reached_customer=True,
        ended_at=clock(),
    )
    with transaction(runtime.engine) as session:
        survey = schedule_survey(session, runtime.outbox, runtime.settings, tenant, call, now=clock())
    clock.advance(minutes=2)
    queued: list[int] = []
    dispatch_due_surveys(runtime, queued.append)
    for survey_id in queued:
        place_survey_call(runtime, survey_id)
    with transaction(runtime.engine) as session:
        row = session.get(SurveyCall, survey.id)
        assert row is not None
        return row


def text(runtime: NotifyRuntime, tenant: str, ref: str) -> None:
    request = SmsRequested(sms_ref=ref, to="+79161234567", template="payment_link", language="en", params={"url": ref})
    with transaction(runtime.engine) as session:
        send_sms(runtime, session, tenant, request)


def ticket(http: TestClient, tenant: str, operator_id: int = 7) -> str:
    answer = http.post(
        f"/internal/v1/tenants/{tenant}/telephony/sandbox-tickets", json={"operator_id": operator_id}, headers=SERVICE
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["simulator_url"] == f"{BASE}/simulator/#ticket={body['ticket']}"
    return str(body["ticket"])


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_production_without_credentials_has_no_sandbox_and_pretends_nothing(
    database_url: str, clock: FrozenClock
) -> None:
    with notify(database_url, clock) as (runtime, http):
        survey = placed_survey(runtime, clock)
        text(runtime, "shop", "sms-1")
        # The attacks of issue 12: read customers' numbers, answer a survey, forge a webhook, read texts.
        assert http.get("/simulator/calls").status_code == 404
        assert http.post(f"/simulator/calls/{survey.id}/answer", json={"answered_by": "human"}).status_code == 404
        assert http.get("/sandbox/sms/messages").status_code == 404
        assert http.get("/sandbox/sms/").status_code == 404
        url = f"{BASE}/twilio/surveys/{survey.id}/start"
        form = {"CallSid": "CAforged", "CallStatus": "in-progress"}
        signature = RequestValidator(OLD_PUBLIC_SANDBOX_TOKEN).compute_signature(url, form)
        forged = http.post(f"/twilio/surveys/{survey.id}/start", data=form, headers={"X-Twilio-Signature": signature})
        assert forged.status_code == 503 and forged.json()["code"] == "capability_not_configured"
        tickets = http.post(
            "/internal/v1/tenants/shop/telephony/sandbox-tickets", json={"operator_id": 1}, headers=SERVICE
        )
        assert tickets.status_code == 404
        ready = http.get("/readyz").json()["capabilities"]
        assert {name: c["state"] for name, c in ready.items()} == {
            "sms": "not_configured",
            "softphone": "not_configured",
            "voice": "not_configured",
        }
        # Nobody was dialled and no text pretended to be delivered: both failed, saying why.
        assert (survey.status, survey.call_sid) == ("failed", None)
        assert "not configured" in (survey.last_error or "")
        with Session(runtime.engine) as session:
            sms = session.exec(select(SmsMessage).where(SmsMessage.sms_ref == "sms-1")).one()
        assert (sms.status, sms.error_code, sms.sandbox) == ("failed", "not_configured", False)


def test_sandbox_pages_open_only_with_a_ticket_and_show_only_its_tenant(database_url: str, clock: FrozenClock) -> None:
    with notify(database_url, clock, sandbox=True) as (runtime, http):
        ours = placed_survey(runtime, clock, "shop", 1)
        theirs = placed_survey(runtime, clock, "other-shop", 2)
        text(runtime, "shop", "sms-ours")
        text(runtime, "other-shop", "sms-theirs")
        missing = http.get("/simulator/calls")
        assert missing.status_code == 401 and missing.json()["code"] == "sandbox_ticket_required"
        assert http.get("/simulator/calls", headers=bearer("garbage")).json()["code"] == "sandbox_ticket_invalid"
        no_service_token = http.post("/internal/v1/tenants/shop/telephony/sandbox-tickets", json={"operator_id": 1})
        assert no_service_token.status_code == 401

        shop = bearer(ticket(http, "shop"))
        assert [c["survey_id"] for c in http.get("/simulator/calls", headers=shop).json()] == [ours.id]
        assert http.post(f"/simulator/calls/{theirs.id}/answer", json={}, headers=shop).status_code == 404
        assert http.post(f"/simulator/calls/{theirs.id}/end", json={}, headers=shop).status_code == 404
        assert [t["body"].count("sms-ours") for t in http.get("/sandbox/sms/messages", headers=shop).json()] == [1]
        assert (
            http.get("/sandbox/sms/", headers={}).status_code == 200
        )  # the page is a shell; its data needs the ticket

        elsewhere = SandboxCredentials(
            "AC0", "token", "SK0", "secret", "another installation's secret, 32 bytes or more"
        )
        forged, _ = mint_ticket(elsewhere, "shop", 7, timedelta(hours=1), now=clock())
        assert http.get("/simulator/calls", headers=bearer(forged)).json()["code"] == "sandbox_ticket_invalid"

        clock.advance(hours=2)  # tickets are short-lived (1 h by default)
        expired = http.get("/simulator/calls", headers=shop)
        assert expired.status_code == 401 and expired.json()["code"] == "sandbox_ticket_invalid"


def test_sandbox_webhooks_are_signed_with_this_installation_s_random_token(
    database_url: str, clock: FrozenClock
) -> None:
    with notify(database_url, clock, sandbox=True) as (runtime, http):
        survey = placed_survey(runtime, clock)
        assert survey.call_sid and survey.status == "calling"
        url = f"{BASE}/twilio/surveys/{survey.id}/start"
        form = {"CallSid": survey.call_sid, "CallStatus": "in-progress", "AnsweredBy": "human"}
        old = RequestValidator(OLD_PUBLIC_SANDBOX_TOKEN).compute_signature(url, form)
        refused = http.post(f"/twilio/surveys/{survey.id}/start", data=form, headers={"X-Twilio-Signature": old})
        assert refused.status_code == 403 and refused.json()["code"] == "twilio_signature_invalid"
        token = sandbox_credentials(runtime.engine).auth_token
        assert token != OLD_PUBLIC_SANDBOX_TOKEN and len(token) >= 32
        signed = RequestValidator(token).compute_signature(url, form)
        answered = http.post(f"/twilio/surveys/{survey.id}/start", data=form, headers={"X-Twilio-Signature": signed})
        assert answered.status_code == 200 and "<Gather" in answered.text
