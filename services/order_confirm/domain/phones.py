"""A customer's identity is their phone number in E.164; a number that does not parse is flagged, not lost."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import timezone as phone_timezones

from services.order_confirm.domain.places import timezone_of_place

BAD_PHONE_PREFIX = "raw:"


@dataclass(frozen=True)
class PhoneIdentity:
    key: str  # what identifies the customer within a tenant: E.164, or "raw:<digits>"
    e164: str | None
    bad: bool


def identify(raw: str, default_region: str) -> PhoneIdentity:
    """Parse with the tenant's country as the default region ("8 916 …" in Russia means +7 916 …)."""
    try:
        number = phonenumbers.parse(raw, default_region.upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return PhoneIdentity(key=e164, e164=e164, bad=False)
    digits = re.sub(r"\D", "", raw)
    # Keep the same bad number pointing at the same customer, so a supervisor fixes it once.
    return PhoneIdentity(key=BAD_PHONE_PREFIX + (digits or raw.strip())[:60], e164=None, bad=True)


def timezone_of_number(e164: str | None) -> str | None:
    """Only a geographic number names one zone; mobile ranges span a whole country and say nothing."""
    if e164 is None:
        return None
    zones = [zone for zone in phone_timezones.time_zones_for_number(phonenumbers.parse(e164)) if "/" in zone]
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else None


def customer_timezone(*, city: str | None, address: str | None, e164: str | None, tenant_timezone: str) -> str:
    """Delivery place first, then a geographic phone number, then the tenant's own zone."""
    return timezone_of_place(city, address) or timezone_of_number(e164) or tenant_timezone
