"""Same-day eligibility with the shop's own couriers: slots with price, or the one reason it cannot be today."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.common.db import transaction
from services.integrations.service.provider_setup import configure_courier, configure_payments
from tests.fakes.yookassa import FakeYooKassa
from tests.same_day.conftest import OWN_COURIER, TENANT, Integrations, same_day_order
from tests.support import FrozenClock, live_server

QUOTE = f"/internal/v1/tenants/{TENANT}/same-day/quote"


def _own_courier(integrations: Integrations, **overrides: Any) -> None:
    with transaction(integrations.runtime.engine) as session:
        configure_courier(session, TENANT, "own", {**OWN_COURIER, **overrides}, now=integrations.runtime.clock())


def _quote(integrations: Integrations, **order: Any) -> dict[str, Any]:
    response = integrations.client.post(QUOTE, json=same_day_order(**order))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_before_cutoff_the_owner_sees_todays_windows_with_price_and_places_left(integrations: Integrations) -> None:
    _own_courier(integrations)
    answer = _quote(integrations)
    assert answer["eligible"] is True
    assert [(s["slot_id"], s["price"], s["remaining"]) for s in answer["slots"]] == [
        ("own:2026-11-23:16-18", "390.00", 1),
        ("own:2026-11-23:18-21", "350.00", 5),
    ]
    assert answer["slots"][0]["starts_at"] == "2026-11-23T13:00:00Z"  # 16:00 in Moscow
    assert answer["cutoff_at"] == "2026-11-23T14:00:00+03:00"


def test_each_refusal_names_its_reason_unserved_zone_frozen_goods_past_cutoff(
    integrations: Integrations, clock: FrozenClock
) -> None:
    not_set_up = integrations.client.post(QUOTE, json=same_day_order())
    assert (not_set_up.status_code, not_set_up.json()["code"]) == (422, "same_day_not_configured")
    _own_courier(integrations)

    outside_zones = _quote(integrations, city="Казань")
    assert (outside_zones["eligible"], outside_zones["reason"]) == (False, "zone_not_served")
    assert "Казань" in outside_zones["detail"]

    frozen = _quote(integrations, sku="FRZ-ICE")
    assert (frozen["eligible"], frozen["reason"]) == (False, "items_not_eligible")
    assert "FRZ-ICE" in frozen["detail"]

    clock.set(datetime(2026, 11, 23, 11, 5, tzinfo=UTC))  # 14:05 in Moscow, still morning in London
    too_late = _quote(integrations)
    assert (too_late["eligible"], too_late["reason"]) == (False, "past_cutoff")
    assert "14:00" in too_late["detail"] and "14:05" in too_late["detail"]


def test_a_held_slot_fills_up_and_when_every_slot_is_full_the_reason_says_so(integrations: Integrations) -> None:
    _own_courier(integrations, windows=[{"code": "16-18", "start": "16:00", "end": "18:00", "capacity": 1}])
    sandbox = FakeYooKassa()
    with live_server(sandbox.app) as url:
        with transaction(integrations.runtime.engine) as session:
            settings = {"base_url": url, "shop_id": sandbox.shop_id, "secret_key": sandbox.secret_key}
            configure_payments(
                session,
                TENANT,
                "yookassa",
                settings,
                link_ttl_minutes=30,
                now=integrations.runtime.clock(),
                capabilities=integrations.runtime.capabilities,
            )
        first = integrations.client.post(
            f"/internal/v1/tenants/{TENANT}/payment-links",
            json={"order": same_day_order(1), "slot_id": "own:2026-11-23:16-18"},
        )
        assert first.status_code == 201, first.text
        answer = _quote(integrations, order_id=2)
        assert (answer["eligible"], answer["reason"]) == (False, "slot_full")
        second = integrations.client.post(
            f"/internal/v1/tenants/{TENANT}/payment-links",
            json={"order": same_day_order(2), "slot_id": "own:2026-11-23:16-18"},
        )
    assert second.status_code == 409
    assert (second.json()["code"], second.json()["reason"]) == ("slot_unavailable", "slot_full")
    assert len(sandbox.create_requests) == 1  # nothing was charged for the refused order
