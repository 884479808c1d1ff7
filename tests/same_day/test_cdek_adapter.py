"""The CDEK adapter against a local CDEK: OAuth token reuse and renewal, same-day tariffs, async creation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from contracts.http.same_day import SameDayOrder, SameDaySlot
from services.integrations.adapters.couriers.cdek import CdekCourier
from services.integrations.adapters.couriers.config import CdekConfig
from tests.fakes.cdek import FakeCdek
from tests.same_day.conftest import same_day_order
from tests.support import live_server


@pytest.fixture
def cdek() -> Iterator[tuple[FakeCdek, CdekCourier]]:
    fake = FakeCdek()
    with live_server(fake.app) as url:
        config = CdekConfig(
            base_url=url,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            tariff_codes=[480],
            from_location={"code": 44},  # CDEK city code of the warehouse
            windows=[{"code": "day", "start": dt.time(15), "end": dt.time(21)}],
        )
        yield fake, CdekCourier(config)


def test_one_token_serves_many_calls_and_a_forgotten_token_is_renewed_once(
    cdek: tuple[FakeCdek, CdekCourier],
) -> None:
    fake, courier = cdek
    order = SameDayOrder.model_validate(same_day_order())
    assert courier.price_today(order) is not None
    assert courier.price_today(order) is not None
    assert fake.tokens_issued == 1
    fake.expire_tokens()  # CDEK revoked it before its expires_in
    price = courier.price_today(order)
    assert price is not None and price.amount == Decimal("450.0")
    assert fake.tokens_issued == 2


def test_no_same_day_tariff_to_the_address_means_the_zone_is_not_served(cdek: tuple[FakeCdek, CdekCourier]) -> None:
    fake, courier = cdek
    fake.unserved_cities.add("Казань")
    assert courier.price_today(SameDayOrder.model_validate(same_day_order(city="Казань"))) is None
    assert fake.tariff_requests[-1]["to_location"]["city"] == "Казань"


def test_an_order_is_accepted_first_and_confirmed_by_cdek_later(cdek: tuple[FakeCdek, CdekCourier]) -> None:
    fake, courier = cdek
    order = SameDayOrder.model_validate(same_day_order())
    slot = SameDaySlot(
        slot_id="cdek:2026-11-23:day",
        courier="cdek",
        date=dt.date(2026, 11, 23),
        starts_at=dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 11, 23, 18, tzinfo=dt.UTC),
        price=Decimal(450),
        currency="RUB",
    )
    accepted = courier.create_shipment(order, slot, "A-7-1")
    assert accepted.state.status == "requested"
    confirmed = courier.shipment_status(accepted.provider_ref)
    assert confirmed.status == "created" and confirmed.courier_number
    fake.set_status(accepted.provider_ref, "NOT_DELIVERED", reason_code="3")
    failed = courier.shipment_status(accepted.provider_ref)
    assert (failed.status, failed.reason, failed.needs_rearrangement) == (
        "not_delivered",
        "recipient not at home",
        True,
    )
    again = courier.create_shipment(order, slot, "A-7-1")  # the same number again: CDEK refuses it
    assert courier.shipment_status(again.provider_ref).status == "rejected"
