"""The shop's own couriers: no outside API; prices and zones come from the tenant's configuration."""

from __future__ import annotations

from contracts.http.same_day import SameDayOrder, SameDaySlot
from services.integrations.adapters.couriers.base import Price, ShipmentAccepted, ShipmentState
from services.integrations.adapters.couriers.config import OwnCourierConfig


class OwnCourier:
    name = "own"

    def __init__(self, config: OwnCourierConfig) -> None:
        self.config = config

    def price_today(self, order: SameDayOrder) -> Price | None:
        # Zones are checked by the same-day rules; each window carries its own price.
        return Price(self.config.price, self.config.currency)

    def create_shipment(self, order: SameDayOrder, slot: SameDaySlot, reference: str) -> ShipmentAccepted:
        # The dispatcher's run sheet is built from our shipments table, so the shipment exists once recorded.
        return ShipmentAccepted(reference, ShipmentState("created", "planned", courier_number=reference))

    def shipment_status(self, provider_ref: str) -> ShipmentState:
        return ShipmentState("created", "planned", courier_number=provider_ref)
