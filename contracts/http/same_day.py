"""order_confirm <-> integrations HTTP bodies for same-day delivery and payment links.

order_confirm sends only what an operator may see of the order (plus the tenant's timezone); integrations
answers with slots and payment-link state. Neither side ever sees the other's credentials.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from contracts.envelope import Strict
from contracts.payments import PaymentLinkStatus

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class IneligibleReason(StrEnum):
    NOT_CONFIGURED = "not_configured"
    PAST_CUTOFF = "past_cutoff"
    ZONE_NOT_SERVED = "zone_not_served"
    SLOT_FULL = "slot_full"
    ITEMS_NOT_ELIGIBLE = "items_not_eligible"
    COURIER_UNAVAILABLE = "courier_unavailable"


class ItemLine(Strict):
    sku: str
    name: str
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(ge=0)


class SameDayOrder(Strict):
    """The order as integrations needs it to quote and, later, to ship and receipt it."""

    order_id: int
    external_id: str
    timezone: str  # the tenant's IANA zone: cut-off and slot times are local to it
    customer_name: str
    customer_phone: str  # E.164
    customer_email: str | None = None
    address: str
    city: str | None = None
    postcode: str | None = None
    items: list[ItemLine] = Field(min_length=1)
    total: Decimal = Field(ge=0)
    currency: CurrencyCode


class SameDaySlot(Strict):
    slot_id: str  # stable: "<courier>:<date>:<code>"
    courier: str
    date: dt.date
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    price: Decimal
    currency: str
    remaining: int | None = None  # None = the courier does not publish capacity


class SameDayAnswer(Strict):
    """Either slots (eligible) or the one reason same-day delivery is not possible today."""

    eligible: bool
    slots: list[SameDaySlot] = []
    reason: IneligibleReason | None = None
    detail: str | None = None
    cutoff_at: AwareDatetime | None = None


class PaymentLinkRequest(Strict):
    """Create (or get back) the one active payment link of an order, optionally holding a slot."""

    order: SameDayOrder
    slot_id: str | None = None
    language: str = "ru"
    resend_sms: bool = False


class PaymentLinkView(Strict):
    link_id: str
    order_id: int
    status: PaymentLinkStatus
    provider: str
    url: str | None
    amount: Decimal
    currency: str
    expires_at: AwareDatetime
    slot: SameDaySlot | None = None
    sms_status: str | None = None
    created_at: AwareDatetime
    paid_at: AwareDatetime | None = None
    failure_reason: str | None = None
