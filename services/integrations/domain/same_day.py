"""Same-day rules: is this order deliverable today, and which of today's windows are still open.

Pure: `now` and the tenant's timezone come in; capacity counts come in. Times of day (cut-off, window
starts) are local to the tenant, because that is how the shop and the customer say them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from contracts.http.same_day import IneligibleReason


@dataclass(frozen=True)
class Zone:
    city: str | None = None
    postcode_prefixes: tuple[str, ...] = ()

    def serves(self, city: str | None, postcode: str | None) -> bool:
        if self.city is not None and (city is None or city.strip().casefold() != self.city.casefold()):
            return False
        if self.postcode_prefixes:
            return postcode is not None and postcode.strip().startswith(self.postcode_prefixes)
        return True


@dataclass(frozen=True)
class Window:
    code: str
    start: dt.time
    end: dt.time
    price: Decimal | None = None  # None: the courier's quoted price
    capacity: int | None = None  # None: the courier does not limit it


@dataclass(frozen=True)
class SameDayRules:
    cutoff: dt.time
    windows: tuple[Window, ...]
    zones: tuple[Zone, ...] = ()  # empty: the courier decides (CDEK answers for its own coverage)
    ineligible_sku_prefixes: tuple[str, ...] = ()
    min_lead: dt.timedelta = field(default=dt.timedelta(minutes=60))


@dataclass(frozen=True)
class OpenWindow:
    window: Window
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class Refusal:
    reason: IneligibleReason
    detail: str


def cutoff_at(rules: SameDayRules, now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    local_today = now.astimezone(tz).date()
    return dt.datetime.combine(local_today, rules.cutoff, tzinfo=tz)


def refusal_for(
    rules: SameDayRules,
    *,
    city: str | None,
    postcode: str | None,
    skus: list[str],
    now: dt.datetime,
    tz: ZoneInfo,
) -> Refusal | None:
    """The first reason the order cannot go today, checked in the order an owner would explain it."""
    not_eligible = sorted({sku for sku in skus if sku.startswith(rules.ineligible_sku_prefixes)})
    if rules.ineligible_sku_prefixes and not_eligible:
        return Refusal(IneligibleReason.ITEMS_NOT_ELIGIBLE, f"Not deliverable the same day: {', '.join(not_eligible)}.")
    if rules.zones and not any(zone.serves(city, postcode) for zone in rules.zones):
        where = ", ".join(part for part in (city, postcode) if part) or "the address"
        return Refusal(IneligibleReason.ZONE_NOT_SERVED, f"Same-day delivery does not serve {where}.")
    cutoff = cutoff_at(rules, now, tz)
    if now >= cutoff:
        return Refusal(
            IneligibleReason.PAST_CUTOFF,
            f"Same-day orders close at {rules.cutoff:%H:%M} ({tz.key}); it is {now.astimezone(tz):%H:%M} now.",
        )
    return None


def open_windows(rules: SameDayRules, now: dt.datetime, tz: ZoneInfo) -> list[OpenWindow]:
    """Today's windows that start far enough ahead for the courier to make it."""
    today = now.astimezone(tz).date()
    result = []
    for window in rules.windows:
        starts_at = dt.datetime.combine(today, window.start, tzinfo=tz)
        if starts_at - now < rules.min_lead:
            continue
        ends_at = dt.datetime.combine(today, window.end, tzinfo=tz)
        result.append(OpenWindow(window, today, starts_at.astimezone(dt.UTC), ends_at.astimezone(dt.UTC)))
    return result


def slot_id(courier: str, date: dt.date, code: str) -> str:
    return f"{courier}:{date.isoformat()}:{code}"


def parse_slot_id(value: str) -> tuple[str, dt.date, str] | None:
    parts = value.split(":", 2)
    if len(parts) != 3:
        return None
    try:
        return parts[0], dt.date.fromisoformat(parts[1]), parts[2]
    except ValueError:
        return None
