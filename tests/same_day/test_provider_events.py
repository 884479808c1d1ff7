"""Provider notifications are read by their own adapter, behind one Protocol per capability.

The adapters are picked the way the service picks them (`providers`), so these tests fail if a provider's
reader is lost from the picker as much as if it misreads a notification.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from sqlmodel import Session, select

from services.common.db import transaction
from services.common.problems import Unprocessable
from services.common.safe_json import UnsafeJson
from services.integrations.adapters.couriers.providers import courier_events_for
from services.integrations.adapters.payments.base import (
    InvalidEventSignature,
    MalformedEvent,
    PaymentEvents,
    UntrustedSender,
)
from services.integrations.adapters.payments.providers import parse_config, payment_events_for
from services.integrations.adapters.webhooks import InboundWebhook
from services.integrations.models import PaymentEvent
from services.integrations.service.provider_setup import configure_payments
from tests.fakes.stripe import FakeStripe
from tests.same_day.conftest import TENANT, Integrations

STRIPE = FakeStripe()
SESSION = {
    "id": "cs_test_1",
    "object": "checkout.session",
    "status": "complete",
    "payment_status": "paid",
    "amount_total": 189000,
    "currency": "rub",
    "created": 1_795_000_000,
    "url": None,
}
YOOKASSA_NETWORK_ADDRESS = "185.71.76.10"


def stripe_events() -> PaymentEvents:
    settings = {"api_key": STRIPE.api_key, "webhook_secret": STRIPE.webhook_secret}
    return payment_events_for(parse_config("stripe", settings))


def yookassa_events(provider: str = "yookassa", **extra: Any) -> PaymentEvents:
    return payment_events_for(parse_config(provider, {"shop_id": "1", "secret_key": "k", **extra}))


def stripe_webhook(event: dict[str, Any], **signing: Any) -> InboundWebhook:
    payload, signature = STRIPE.signed_event(event, **signing)
    return InboundWebhook({"stripe-signature": signature}, payload)


def stripe_event(event_type: str, session: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": "evt_1", "object": "event", "type": event_type, "data": {"object": session or SESSION}}


def notification(event: str = "payment.succeeded", payment_id: str = "2f0a-1") -> dict[str, Any]:
    return {"type": "notification", "event": event, "object": {"id": payment_id, "status": "succeeded"}}


def test_a_signed_stripe_checkout_event_proves_the_payment_itself() -> None:
    event = stripe_events().parse(stripe_webhook(stripe_event("checkout.session.completed")))
    assert (event.event_id, event.event_type, event.payment_id) == ("evt_1", "checkout.session.completed", "cs_test_1")
    assert event.payment is not None
    assert (event.payment.status, event.payment.amount_minor, event.payment.currency) == ("succeeded", 189000, "RUB")

    failed = stripe_events().parse(stripe_webhook(stripe_event("checkout.session.async_payment_failed")))
    assert failed.payment is not None and failed.payment.status == "canceled"


def test_a_stripe_event_about_something_else_names_no_payment() -> None:
    event = stripe_events().parse(stripe_webhook(stripe_event("customer.created", {"id": "cus_1"})))
    assert (event.event_type, event.payment_id, event.payment) == ("customer.created", None, None)
    assert event.payload["data"]["object"] == {"id": "cus_1"}


@pytest.mark.parametrize(
    "webhook",
    [
        stripe_webhook(stripe_event("checkout.session.completed"), secret="whsec_someone_else"),
        stripe_webhook(stripe_event("checkout.session.completed"), at=int(time.time()) - 301),
        InboundWebhook({}, b'{"id": "evt_1"}'),
        InboundWebhook({"stripe-signature": "t=1,v1=00"}, b'{"id": "evt_1"}'),
    ],
    ids=["other secret", "older than 300 s", "unsigned", "malformed header"],
)
def test_a_stripe_event_without_a_valid_signature_is_refused(webhook: InboundWebhook) -> None:
    with pytest.raises(InvalidEventSignature, match="Stripe-Signature rejected"):
        stripe_events().parse(webhook)


def test_a_signed_stripe_body_that_is_not_an_event_object_is_unsafe_json() -> None:
    payload = b"[1, 2]"
    signature = STRIPE.signed_event({})[1]  # a valid signature of another body must not pass either
    with pytest.raises(InvalidEventSignature):
        stripe_events().parse(InboundWebhook({"stripe-signature": signature}, payload))
    timestamp = int(time.time())
    digest = hmac.new(STRIPE.webhook_secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    with pytest.raises(UnsafeJson) as refused:
        stripe_events().parse(InboundWebhook({"stripe-signature": f"t={timestamp},v1={digest}"}, payload))
    assert refused.value.code == "invalid_json"


@pytest.mark.parametrize("provider", ["yookassa", "sandbox"])
def test_a_yookassa_notification_is_a_hint_to_read_the_payment_back(provider: str) -> None:
    events = yookassa_events(provider)
    event = events.parse(_yookassa(notification()))
    assert events.route == "yookassa"  # the sandbox speaks YooKassa's protocol, on YooKassa's path
    assert (event.event_id, event.event_type, event.payment_id) == (
        "2f0a-1:payment.succeeded",
        "payment.succeeded",
        "2f0a-1",
    )
    assert event.payment is None  # unsigned: nothing in it is believed


@pytest.mark.parametrize(
    "body",
    [
        {"type": "something", "event": "payment.succeeded", "object": {"id": "2f0a-1"}},
        {"type": "notification", "object": {"id": "2f0a-1"}},
        {"type": "notification", "event": "payment.succeeded", "object": {"id": 7}},
        {"type": "notification", "event": "payment.succeeded"},
    ],
    ids=["not a notification", "no event", "numeric id", "no object"],
)
def test_a_body_that_is_not_a_yookassa_notification_is_malformed(body: dict[str, Any]) -> None:
    with pytest.raises(MalformedEvent, match="`event` and `object.id`"):
        yookassa_events().parse(_yookassa(body))


def test_a_yookassa_body_that_is_not_a_json_object_is_unprocessable() -> None:
    with pytest.raises(Unprocessable, match="JSON object"):
        yookassa_events().parse(InboundWebhook({}, b'["notification"]'))
    with pytest.raises(UnsafeJson) as deep:
        yookassa_events().parse(InboundWebhook({}, b"[" * 100 + b"]" * 100))
    assert deep.value.code == "json_too_deep"


def test_yookassa_source_fence_refuses_addresses_outside_its_network_when_asked() -> None:
    fenced = yookassa_events(check_source_ip=True)
    with pytest.raises(UntrustedSender, match="203.0.113.9"):
        fenced.parse(_yookassa(notification(), client_ip="203.0.113.9"))
    with pytest.raises(UntrustedSender):
        fenced.parse(_yookassa(notification(), client_ip=None))
    assert fenced.parse(_yookassa(notification(), client_ip=YOOKASSA_NETWORK_ADDRESS)).payment_id == "2f0a-1"
    assert yookassa_events().parse(_yookassa(notification(), client_ip="203.0.113.9")).payment_id == "2f0a-1"


def test_a_cdek_status_webhook_names_the_shipment_and_what_cdek_says() -> None:
    events = courier_events_for("cdek")
    assert events is not None
    body = {
        "type": "ORDER_STATUS",
        "uuid": "72753031-1",
        "attributes": {"code": "NOT_DELIVERED", "status_reason_code": "3", "cdek_number": "1106207236"},
    }
    event = events.parse(_json(body))
    assert event is not None and event.provider_ref == "72753031-1"
    reported = event.reported
    assert (reported.status, reported.courier_status, reported.courier_number) == (
        "not_delivered",
        "NOT_DELIVERED",
        "1106207236",
    )
    assert reported.reason == "recipient not at home" and reported.needs_rearrangement


def test_other_cdek_webhooks_are_not_about_a_shipment_and_bad_bodies_are_refused() -> None:
    events = courier_events_for("cdek")
    assert events is not None
    assert events.parse(_json({"type": "PRINT_FORM", "uuid": "72753031-1"})) is None
    assert events.parse(_json({"type": "ORDER_STATUS"})) is None
    with pytest.raises(Unprocessable):
        events.parse(InboundWebhook({}, b'"ORDER_STATUS"'))
    with pytest.raises(UnsafeJson):
        events.parse(InboundWebhook({}, b"{not json"))
    assert courier_events_for("own") is None  # the shop's own couriers send no webhooks


def test_over_http_a_malformed_notification_is_422_and_a_foreign_provider_404_with_nothing_recorded(
    integrations: Integrations,
) -> None:
    with transaction(integrations.runtime.engine) as session:
        configure_payments(
            session,
            TENANT,
            "yookassa",
            {"base_url": "http://127.0.0.1:9", "shop_id": "1", "secret_key": "k"},
            link_ttl_minutes=30,
            now=integrations.runtime.clock(),
            capabilities=integrations.runtime.capabilities,
        )
    malformed = integrations.client.post(f"/v1/payments/{TENANT}/yookassa", json={"type": "notification"})
    assert malformed.status_code == 422 and malformed.json()["code"] == "validation_failed"
    payload, signature = STRIPE.signed_event(stripe_event("checkout.session.completed"))
    foreign = integrations.client.post(
        f"/v1/payments/{TENANT}/stripe", content=payload, headers={"Stripe-Signature": signature}
    )
    assert foreign.status_code == 404, foreign.text
    courier = integrations.client.post(f"/v1/couriers/{TENANT}/cdek", json={"type": "PRINT_FORM", "uuid": "u-1"})
    assert courier.json() == {"status": "ignored"}
    with Session(integrations.runtime.engine) as session:
        assert session.exec(select(PaymentEvent)).all() == []


def _yookassa(body: dict[str, Any], *, client_ip: str | None = YOOKASSA_NETWORK_ADDRESS) -> InboundWebhook:
    return InboundWebhook({"content-type": "application/json"}, _json(body).body, client_ip)


def _json(body: dict[str, Any]) -> InboundWebhook:
    return InboundWebhook({}, json.dumps(body).encode())
