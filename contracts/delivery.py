"""Courier shipments as they cross services (and inside integrations, from the payment to the courier)."""

from __future__ import annotations

from pydantic import AwareDatetime

from contracts.envelope import Strict


class ShipmentRequested(Strict):
    """integrations -> integrations: a paid same-day order goes to its courier (retried until it is accepted)."""

    link_id: str
    order_id: int
    external_id: str


class CourierEventReceived(Strict):
    """integrations -> order_confirm: a courier reported something about the order's shipment.

    `needs_rearrangement` means the customer's owner must call to arrange delivery again (recipient not at
    home, delivery failed, the courier rejected the shipment).
    """

    order_id: int
    external_id: str
    courier: str
    shipment_ref: str
    status: str  # our vocabulary: requested | created | in_transit | delivered | not_delivered | rejected
    courier_status: str  # the courier's own code, for the record
    reason: str | None = None
    needs_rearrangement: bool
    slot_id: str | None = None
    occurred_at: AwareDatetime
