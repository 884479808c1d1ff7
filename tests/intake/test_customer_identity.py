"""Who a customer is (E.164 phone in the tenant's country) and which clock their calling hours follow."""

from __future__ import annotations

import pytest

from services.order_confirm.domain.phones import customer_timezone, identify


@pytest.mark.parametrize("written", ["+7 916 123-45-67", "8 (916) 123-45-67", "79161234567", "+7-916-1234567"])
def test_one_russian_mobile_written_four_ways_is_one_customer(written: str) -> None:
    assert identify(written, "RU").key == "+79161234567"


def test_a_local_number_uses_the_tenants_country_as_default_region() -> None:
    assert identify("029 123-45-67", "BY").e164 == "+375291234567"


def test_an_unparseable_phone_is_flagged_but_still_identifies_one_customer() -> None:
    first, again = identify("call me at 12-34", "RU"), identify("call me at 1234", "RU")
    assert first.bad and first.e164 is None
    assert first.key == again.key == "raw:1234"


def test_delivery_city_decides_the_timezone_even_for_a_moscow_shop() -> None:
    def zone(city: str) -> str:
        return customer_timezone(
            city=city, address="ул. Ленина, 1", e164="+79161234567", tenant_timezone="Europe/Moscow"
        )

    assert zone("Новосибирск") == "Asia/Novosibirsk"
    assert zone("г. Екатеринбург") == "Asia/Yekaterinburg"
    assert zone("Петропавловск-Камчатский") == "Asia/Kamchatka"
    assert zone("Владивосток") == "Asia/Vladivostok"
    assert zone("Калининград") == "Europe/Kaliningrad"


def test_without_a_known_city_the_address_town_then_a_geographic_phone_then_the_tenant_decide() -> None:
    from_address = customer_timezone(
        city=None, address="Свердловская обл., г. Нижний Тагил, ул. Мира", e164=None, tenant_timezone="Europe/Moscow"
    )
    # A street named after another city says nothing about where the customer lives.
    street_only = customer_timezone(
        city=None, address="Новосибирская ул., 5", e164="+73832123456", tenant_timezone="Europe/Moscow"
    )
    mobile = customer_timezone(city="Зеленоград-9", address="", e164="+79161234567", tenant_timezone="Asia/Omsk")

    assert from_address == "Europe/Moscow"  # Nizhny Tagil is not in the table: falls through to the tenant
    assert street_only == "Asia/Novosibirsk"  # the landline's area code (383) is Novosibirsk
    assert mobile == "Asia/Omsk"  # a mobile number spans all of Russia: the tenant's zone
