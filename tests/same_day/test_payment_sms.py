"""Payment-link texts: sent once per request through Twilio, in the shop's wording, status proven by signature."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from contracts.payments import SmsRequested
from contracts.routing import MessageType
from services.common.db import transaction
from services.notify import app as notify_app
from services.notify import wiring as notify_wiring
from services.notify.models import OutboxMessage, SmsMessage
from services.notify.runtime import NotifyRuntime
from services.notify.settings import NotifySettings
from services.notify.sms.service import send_sms, set_template
from tests.fakes.twilio import FakeTwilio
from tests.support import live_server

PUBLIC = "https://notify.okno.example"


@pytest.fixture
def notify(database_url: str) -> Iterator[tuple[NotifyRuntime, FakeTwilio]]:
    twilio = FakeTwilio()
    with live_server(twilio.app) as twilio_url:
        settings = NotifySettings(
            database_url=database_url,
            redis_url=None,
            twilio_account_sid=twilio.account_sid,
            twilio_auth_token=twilio.auth_token,
            twilio_from_number="+15005550006",
            twilio_api_base_url=twilio_url,
            public_base_url=PUBLIC,
        )
        runtime = notify_wiring.build(settings, broker=StubBroker())
        runtime.outbox.relay_enabled = False
        yield runtime, twilio
    runtime.engine.dispose()


def _request(sms_ref: str, to: str = "+79161234567", language: str = "en") -> SmsRequested:
    params = {"order": "A-7", "amount": "1890.00 RUB", "url": "https://pay.example/p/1", "expires": "12:30"}
    return SmsRequested(sms_ref=sms_ref, to=to, template="payment_link", language=language, params=params)


def test_the_link_is_texted_once_in_the_shops_words_and_twilio_reports_are_verified(
    notify: tuple[NotifyRuntime, FakeTwilio],
) -> None:
    runtime, twilio = notify
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with transaction(runtime.engine) as session:
        set_template(session, "acme", "payment_link", "en", "ACME: pay {amount} for {order} here {url}", now=now)
    for _ in range(2):  # the request is redelivered: one text only
        with transaction(runtime.engine) as session:
            send_sms(runtime, session, "acme", _request("pl_1.1"))
    (message,) = twilio.messages
    assert message.body == "ACME: pay 1890.00 RUB for A-7 here https://pay.example/p/1"
    assert message.status_callback == f"{PUBLIC}/twilio/sms-status"

    with TestClient(notify_app.create_app(runtime)) as client:
        form = {"MessageSid": message.sid, "MessageStatus": "delivered"}
        forged = client.post("/twilio/sms-status", data=form, headers={"X-Twilio-Signature": "bm90IHR3aWxpbw=="})
        assert forged.status_code == 403
        assert _status(runtime, "pl_1.1") == "queued"
        for status in ("delivered", "sent"):  # Twilio's callbacks can overtake each other
            body = {"MessageSid": message.sid, "MessageStatus": status}
            signature = RequestValidator(twilio.auth_token).compute_signature(message.status_callback, body)
            assert (
                client.post("/twilio/sms-status", data=body, headers={"X-Twilio-Signature": signature}).status_code
                == 204
            )
    assert _status(runtime, "pl_1.1") == "delivered"
    assert _reported(runtime) == ["queued", "delivered"]


def test_a_number_twilio_refuses_is_reported_failed_not_retried(notify: tuple[NotifyRuntime, FakeTwilio]) -> None:
    runtime, twilio = notify
    with transaction(runtime.engine) as session:
        send_sms(runtime, session, "acme", _request("pl_2.1", to="+7000", language="ru"))
    assert twilio.messages == []
    with Session(runtime.engine) as session:
        sms = session.exec(select(SmsMessage).where(SmsMessage.sms_ref == "pl_2.1")).one()
    assert (sms.status, sms.error_code) == ("failed", "21211")
    assert "Заказ A-7" in sms.body
    assert _reported(runtime) == ["failed"]


def _status(runtime: NotifyRuntime, sms_ref: str) -> str:
    with Session(runtime.engine) as session:
        return session.exec(select(SmsMessage.status).where(SmsMessage.sms_ref == sms_ref)).one()


def _reported(runtime: NotifyRuntime) -> list[str]:
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(OutboxMessage).where(OutboxMessage.message_type == MessageType.SMS_STATUS_CHANGED)
        ).all()
        return [row.envelope["payload"]["status"] for row in sorted(rows, key=lambda r: r.id or 0)]
