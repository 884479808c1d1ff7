"""The order webhook as a shop's site sees it: Standard Webhooks signatures, validation, limits, idempotency."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from okno.commands.tenants import rotate_secret
from services.integrations.models import InboundOrder, InboundPayload, IntegrationsModel
from services.integrations.models import OutboxMessage as IntegrationsOutbox
from tests.intake.conftest import Shop
from tests.intake.shop import order_body, post_order, signed_headers


def stored(shop: Shop, model: type[IntegrationsModel]) -> int:
    with Session(shop.okno.integrations.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def nothing_stored(shop: Shop) -> bool:
    return stored(shop, InboundPayload) == 0 and stored(shop, IntegrationsOutbox) == 0


def test_signed_order_is_accepted_with_its_raw_body_and_a_replayed_webhook_id_is_a_duplicate(shop: Shop) -> None:
    document = order_body("A-1", extra_order={"loyalty_tier": "gold"})
    first = post_order(shop.client, shop.slug, document, webhook_id="msg_1")
    again = post_order(shop.client, shop.slug, document, webhook_id="msg_1")

    assert first.status_code == 202, first.text
    assert first.json()["status"] == "accepted"
    assert again.status_code == 202
    assert again.json() == {"order_id": first.json()["order_id"], "status": "duplicate"}
    with Session(shop.okno.integrations.engine) as session:
        payload = session.exec(select(InboundPayload)).one()
    assert json.loads(payload.body)["data"]["loyalty_tier"] == "gold"  # unknown fields are kept raw
    assert stored(shop, IntegrationsOutbox) == 1
    shop.wait_for_orders(1)


def test_same_order_version_under_a_new_webhook_id_is_a_duplicate_but_a_real_change_is_accepted(shop: Shop) -> None:
    first = post_order(shop.client, shop.slug, order_body("A-2"))
    resent = post_order(shop.client, shop.slug, order_body("A-2"))
    changed = post_order(shop.client, shop.slug, order_body("A-2", event="order.updated", quantity=3))

    assert [r.json()["status"] for r in (first, resent, changed)] == ["accepted", "duplicate", "accepted"]
    assert len({r.json()["order_id"] for r in (first, resent, changed)}) == 1
    assert stored(shop, InboundOrder) == 1
    assert stored(shop, InboundPayload) == 2


def test_forged_unsigned_and_stale_webhooks_are_401_and_leave_no_trace(shop: Shop) -> None:
    body = json.dumps(order_body("A-3"))
    url = f"/integrations/v1/webhooks/{shop.slug}/orders"
    forged = shop.client.post(url, content=body, headers=signed_headers(body, secret="whsec_" + "A" * 32))
    unsigned = shop.client.post(url, content=body, headers={"content-type": "application/json"})
    stale = post_order(shop.client, shop.slug, body, at=datetime.now(UTC) - timedelta(minutes=6))
    future = post_order(shop.client, shop.slug, body, at=datetime.now(UTC) + timedelta(minutes=6))
    tampered_headers = signed_headers(body)
    tampered = shop.client.post(url, content=body.replace("A-3", "A-4"), headers=tampered_headers)

    assert [r.status_code for r in (forged, unsigned, stale, future, tampered)] == [401] * 5
    assert forged.headers["content-type"] == "application/problem+json"
    assert forged.json()["code"] == "invalid_signature"
    assert unsigned.json()["code"] == "missing_signature_headers"
    assert stale.json()["code"] == stale.json()["code"] == "timestamp_out_of_window"
    assert future.json()["code"] == "timestamp_out_of_window"
    assert nothing_stored(shop)


def test_previous_secret_works_during_rotation_and_the_new_one_at_once(shop: Shop) -> None:
    new_secret = rotate_secret(shop.engines, shop.slug, grace=timedelta(hours=1))
    with_old = post_order(shop.client, shop.slug, order_body("R-1"), secret=shop.secret)
    with_new = post_order(shop.client, shop.slug, order_body("R-2"), secret=new_secret)
    assert (with_old.status_code, with_new.status_code) == (202, 202)

    rotate_secret(shop.engines, shop.slug, grace=timedelta(0))
    expired = post_order(shop.client, shop.slug, order_body("R-3"), secret=new_secret)
    assert expired.status_code == 401


def test_bad_json_and_invalid_orders_are_422_listing_every_bad_field(shop: Shop) -> None:
    broken = post_order(shop.client, shop.slug, '{"type": "order.created", "data": ')
    document = order_body("V-1")
    del document["data"]["customer"]["phone"]
    del document["data"]["total"]
    document["data"]["items"][0]["quantity"] = 0
    document["data"]["delivery"]["method"] = "teleport"
    document["type"] = "order.exploded"
    invalid = post_order(shop.client, shop.slug, document)

    assert broken.status_code == 422
    assert broken.json()["code"] == "invalid_json"
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    assert invalid.json()["code"] == "invalid_order"
    fields = {error["field"] for error in invalid.json()["errors"]}
    assert fields == {"type", "data.customer.phone", "data.total", "data.items.0.quantity", "data.delivery.method"}
    assert nothing_stored(shop)


def test_a_body_over_one_mebibyte_is_413_and_an_unknown_tenant_is_404(shop: Shop) -> None:
    huge = order_body("L-1", extra_order={"padding": "x" * (2 * 1024 * 1024)})
    too_large = post_order(shop.client, shop.slug, huge)
    unknown = post_order(shop.client, "no-such-shop", order_body("L-2"))

    assert too_large.status_code == 413
    assert too_large.json()["code"] == "payload_too_large"
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_tenant"
    assert nothing_stored(shop)
