"""Payment webhooks are trusted only when proven, applied once, and an unpaid link gives its slot back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from contracts.routing import MessageType
from services.common.db import transaction
from services.integrations.models import PaymentEvent, PaymentLink
from services.integrations.service.link_expiry import expire_due_links
from services.integrations.service.provider_setup import configure_courier, configure_payments
from tests.fakes.stripe import FakeStripe
from tests.fakes.yookassa import FakeYooKassa
from tests.same_day.conftest import OWN_COURIER, TENANT, Integrations, same_day_order
from tests.support import FrozenClock, live_server

LINKS = f"/internal/v1/tenants/{TENANT}/payment-links"
QUOTE = f"/internal/v1/tenants/{TENANT}/same-day/quote"
EARLY_SLOT = "own:2026-11-23:16-18"


@pytest.fixture
def stripe(integrations: Integrations) -> Iterator[FakeStripe]:
    fake = FakeStripe()
    with live_server(fake.app) as url:
        with transaction(integrations.runtime.engine) as session:
            now = integrations.runtime.clock()
            configure_courier(session, TENANT, "own", OWN_COURIER, now=now)
            settings = {"base_url": url, "api_key": fake.api_key, "webhook_secret": fake.webhook_secret}
            configure_payments(
                session,
                TENANT,
                "stripe",
                settings,
                link_ttl_minutes=45,
                now=now,
                capabilities=integrations.runtime.capabilities,
            )
        yield fake


def test_a_forged_stripe_signature_is_refused_and_changes_nothing_the_real_event_pays_once(
    integrations: Integrations, stripe: FakeStripe
) -> None:
    created = integrations.client.post(LINKS, json={"order": same_day_order(), "slot_id": EARLY_SLOT})
    assert created.status_code == 201, created.text
    assert created.json()["url"].startswith("https://checkout.stripe.test/")
    (request,) = stripe.create_requests
    assert request["idempotency_key"] == created.json()["link_id"]
    assert request["params"]["line_items"]["0"]["price_data"]["unit_amount"] == "189000"  # 1500 + 390, kopecks
    session_id = next(iter(stripe.sessions))
    event = stripe.complete(session_id)
    hook = f"/v1/payments/{TENANT}/stripe"

    forged_payload, forged_signature = stripe.signed_event(event, secret="whsec_someone_else")
    stale_payload, stale_signature = stripe.signed_event(event, at=int(time.time()) - 301)
    for payload, signature in ((forged_payload, forged_signature), (stale_payload, stale_signature), (b"{}", None)):
        refused = integrations.client.post(hook, content=payload, headers=_signed(signature))
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "invalid_signature"
    assert _link_status(integrations) == "created"
    assert integrations.outbox(MessageType.SHIPMENT_REQUESTED) == []
    with Session(integrations.runtime.engine) as session:
        assert session.exec(select(PaymentEvent)).all() == []

    payload, signature = stripe.signed_event(event)
    outcomes = [integrations.client.post(hook, content=payload, headers=_signed(signature)).json() for _ in range(3)]
    assert outcomes == [{"status": "applied"}, {"status": "duplicate"}, {"status": "duplicate"}]
    assert _link_status(integrations) == "paid"
    paid = [m for m in integrations.outbox(MessageType.PAYMENT_STATUS_CHANGED) if m["status"] == "paid"]
    assert len(paid) == 1 and paid[0]["amount"] == "1890.00"
    assert len(integrations.outbox(MessageType.SHIPMENT_REQUESTED)) == 1

    late_expiry_payload, late_signature = stripe.signed_event(stripe.expire(session_id))
    assert integrations.client.post(hook, content=late_expiry_payload, headers=_signed(late_signature)).json() == {
        "status": "ignored"
    }
    assert _link_status(integrations) == "paid"  # paid is final: a late "expired" cannot undo it


def test_an_unpaid_link_expires_and_gives_its_slot_back(integrations: Integrations, clock: FrozenClock) -> None:
    sandbox = FakeYooKassa()
    windows = [{"code": "16-18", "start": "16:00", "end": "18:00", "capacity": 1}]
    with live_server(sandbox.app) as url:
        with transaction(integrations.runtime.engine) as session:
            configure_courier(session, TENANT, "own", {**OWN_COURIER, "windows": windows}, now=clock())
            settings = {"base_url": url, "shop_id": sandbox.shop_id, "secret_key": sandbox.secret_key}
            configure_payments(
                session,
                TENANT,
                "yookassa",
                settings,
                link_ttl_minutes=30,
                now=clock(),
                capabilities=integrations.runtime.capabilities,
            )
        first = integrations.client.post(LINKS, json={"order": same_day_order(), "slot_id": EARLY_SLOT})
        assert first.status_code == 201, first.text
        assert integrations.client.post(QUOTE, json=same_day_order(8)).json()["reason"] == "slot_full"

        clock.advance(minutes=29)
        assert expire_due_links(integrations.runtime) == 0
        clock.advance(minutes=2)
        assert expire_due_links(integrations.runtime) == 1

        answer = integrations.client.post(QUOTE, json=same_day_order(8)).json()
        assert answer["eligible"] is True and answer["slots"][0]["remaining"] == 1
        assert _link_status(integrations) == "expired"
        expired = [m for m in integrations.outbox(MessageType.PAYMENT_STATUS_CHANGED) if m["status"] == "expired"]
        assert len(expired) == 1

        # Asking again for the same order makes a fresh link (the expired one is no longer active).
        second = integrations.client.post(LINKS, json={"order": same_day_order(), "slot_id": EARLY_SLOT})
    assert second.status_code == 201 and second.json()["link_id"] != first.json()["link_id"]
    assert len(sandbox.create_requests) == 2


def _signed(signature: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return headers


def _link_status(integrations: Integrations) -> str:
    with Session(integrations.runtime.engine) as session:
        links = session.exec(select(PaymentLink).order_by(PaymentLink.created_at)).all()  # type: ignore[arg-type]
        return links[0].status
