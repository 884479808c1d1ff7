"""The courier capability: quote today's windows, create a shipment, read its status.

Service code depends on these Protocols only; `adapters.couriers.providers` picks the provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from contracts.http.same_day import SameDayOrder, SameDaySlot
from services.integrations.adapters.webhooks import InboundWebhook


class CourierError(Exception):
    """The courier could not answer (down, rejected our credentials, malformed answer); retry later."""


class CourierRejected(CourierError):
    """The courier answered and refused this request for good (bad address, unknown tariff...)."""


@dataclass(frozen=True)
class Price:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class ShipmentState:
    status: str  # requested | created | in_transit | delivered | not_delivered | rejected
    courier_status: str
    courier_number: str | None = None
    reason: str | None = None

    @property
    def needs_rearrangement(self) -> bool:
        return self.status in ("not_delivered", "rejected")


@dataclass(frozen=True)
class ShipmentAccepted:
    provider_ref: str
    state: ShipmentState


class Courier(Protocol):
    name: str

    def price_today(self, order: SameDayOrder) -> Price | None:
        """The same-day price to the order's address, or None when the courier does not serve it."""

    def create_shipment(self, order: SameDayOrder, slot: SameDaySlot, reference: str) -> ShipmentAccepted:
        """Hand the order over; `reference` is our idempotency key (one shipment per payment link)."""

    def shipment_status(self, provider_ref: str) -> ShipmentState: ...


@dataclass(frozen=True)
class CourierEvent:
    provider_ref: str  # the courier's id of the shipment (`Shipment.provider_ref`)
    # As the webhook tells it. Couriers do not sign webhooks (CDEK), so the service re-reads the status
    # from the courier's API before it trusts anything.
    reported: ShipmentState


class CourierEvents(Protocol):
    def parse(self, webhook: InboundWebhook) -> CourierEvent | None:
        """The shipment a webhook reports on; None for notification types that are not a shipment's status."""
