"""Typed courier configuration, parsed from `CourierSetup.settings` (one schema per provider)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.integrations.domain.same_day import SameDayRules, Window, Zone


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WindowConfig(_Config):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    start: dt.time
    end: dt.time
    capacity: int | None = Field(default=None, ge=0)
    price: Decimal | None = Field(default=None, ge=0)  # own courier: the customer's price of this window


class ZoneConfig(_Config):
    city: str | None = None
    postcode_prefixes: list[str] = []


class _SameDayConfig(_Config):
    cutoff: dt.time = dt.time(14, 0)
    min_lead_minutes: int = Field(default=60, ge=0)
    windows: list[WindowConfig] = Field(min_length=1)
    zones: list[ZoneConfig] = []
    ineligible_sku_prefixes: list[str] = []

    def rules(self) -> SameDayRules:
        return SameDayRules(
            cutoff=self.cutoff,
            windows=tuple(Window(w.code, w.start, w.end, w.price, w.capacity) for w in self.windows),
            zones=tuple(Zone(z.city, tuple(z.postcode_prefixes)) for z in self.zones),
            ineligible_sku_prefixes=tuple(self.ineligible_sku_prefixes),
            min_lead=dt.timedelta(minutes=self.min_lead_minutes),
        )


class OwnCourierConfig(_SameDayConfig):
    """The shop's own couriers: zones by city/postcode, windows with capacity and price."""

    provider: Literal["own"] = "own"
    price: Decimal = Field(default=Decimal(0), ge=0)  # of a window that names no price of its own
    currency: str = Field(default="RUB", pattern=r"^[A-Z]{3}$")


class CdekLocation(_Config):
    code: int | None = None  # CDEK city code
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None


class CdekConfig(_SameDayConfig):
    """CDEK API v2: the price comes from the tariff list; windows are the delivery windows we ask for."""

    provider: Literal["cdek"] = "cdek"
    base_url: str = "https://api.cdek.ru"
    client_id: str
    client_secret: str
    tariff_codes: list[int] = Field(min_length=1)  # the tenant's contract's same-day tariffs
    from_location: CdekLocation
    package_weight_grams: int = Field(default=1000, gt=0)
    seller_name: str | None = None


CourierConfig = Annotated[OwnCourierConfig | CdekConfig, Field(discriminator="provider")]
