"""Orders as they cross services: the shop's webhook body (outside) and the operator-safe snapshot (inside).

The shop's `ShopOrder` keeps unknown fields (`extra="allow"`) so the raw payload survives for the ERP, but
only `OrderSnapshot` ever reaches `order_confirm`, and it is built by an explicit allow-list: stock, cost
prices, warehouse and supplier data never leave `integrations`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from contracts.bounds import BoundedAwareDatetime, BoundedDate
from contracts.envelope import Strict

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


class DeliveryMethod(StrEnum):
    COURIER = "courier"
    EXPRESS = "express"
    SAME_DAY = "same_day"
    PICKUP = "pickup"
    PICKUP_POINT = "pickup_point"
    POST = "post"

    @property
    def is_urgent(self) -> bool:
        """Urgent deliveries are called first: the courier slot closes the same day."""
        return self in (DeliveryMethod.EXPRESS, DeliveryMethod.SAME_DAY)


class OrderEventType(StrEnum):
    CREATED = "order.created"
    UPDATED = "order.updated"
    CANCELLED = "order.cancelled"


# --- the shop's webhook body (public contract: DESIGN.md "Order webhook") ---------------------------


class _Outside(BaseModel):
    """Outside input: unknown fields are kept raw (never forwarded), known ones validated strictly."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class ShopCustomer(_Outside):
    """The person to call. The same phone (in E.164, the tenant's country by default) is the same customer."""

    name: NonEmpty
    phone: Annotated[
        str,
        StringConstraints(min_length=3, max_length=40),
        Field(description="As typed on the site; one that does not parse is kept and flagged for a supervisor"),
    ]
    email: Annotated[str, StringConstraints(max_length=254)] | None = None


class ShopOrderItem(_Outside):
    """One line of the order. Stock, cost or supplier fields may be sent; they never reach operators."""

    sku: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    name: NonEmpty
    quantity: Annotated[int, Field(gt=0, le=100_000)]
    unit_price: Money


class ShopDelivery(_Outside):
    """Where and how the order goes; `express` and `same_day` are called first."""

    method: DeliveryMethod
    address: NonEmpty
    city: (
        Annotated[
            str,
            StringConstraints(max_length=200),
            Field(description="Decides the customer's time zone (calling hours)"),
        ]
        | None
    ) = None
    postcode: Annotated[str, StringConstraints(max_length=20)] | None = None
    requested_date: BoundedDate | None = None
    slot: Annotated[str, StringConstraints(max_length=50)] | None = None


class ShopPayment(_Outside):
    """How the customer pays, in the shop's own words (e.g. `cash_on_delivery`, `pending`)."""

    method: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    status: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    amount: Money
    currency: CurrencyCode


class ShopOrder(_Outside):
    """The whole current order (every version is sent whole, never a diff)."""

    external_id: Annotated[
        str,
        StringConstraints(min_length=1, max_length=128),
        Field(description="The shop's order number: every version of one order carries the same one"),
    ]
    created_at: BoundedAwareDatetime
    customer: ShopCustomer
    items: Annotated[list[ShopOrderItem], Field(min_length=1, max_length=1000)]
    delivery: ShopDelivery
    payment: ShopPayment
    total: Money
    currency: CurrencyCode
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None


class ShopOrderEvent(_Outside):
    """The body of the order webhook: what happened to the order, and the order as it now stands."""

    type: OrderEventType
    data: ShopOrder


class WebhookAccepted(Strict):
    """`202` answer of the order webhook."""

    order_id: str
    status: Literal["accepted", "duplicate"]


# --- inside: what operators may see ------------------------------------------------------------------


class CustomerSnapshot(Strict):
    name: str
    phone: str
    email: str | None = None


class OrderItemSnapshot(Strict):
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


class DeliverySnapshot(Strict):
    method: DeliveryMethod
    address: str
    city: str | None = None
    postcode: str | None = None
    requested_date: dt.date | None = None
    slot: str | None = None


class PaymentSnapshot(Strict):
    method: str
    status: str
    amount: Decimal
    currency: str


class OrderSnapshot(Strict):
    """The allow-listed order: every field an operator may see, and nothing else."""

    external_id: str
    source: Literal["webhook", "erp"]
    source_ref: str  # integrations' id of the raw inbound record, for tracing back
    event: OrderEventType
    content_hash: str
    created_at: AwareDatetime
    customer: CustomerSnapshot
    items: list[OrderItemSnapshot]
    delivery: DeliverySnapshot
    payment: PaymentSnapshot
    total: Decimal
    currency: str
    comment: str | None = None


# --- outcomes: order_confirm -> integrations (ERP / courier / shop webhooks) -------------------------


class ItemChange(Strict):
    sku: str
    quantity_before: int
    quantity_after: int  # 0 = removed


class OrderOutcome(Strict):
    """Common part of every outcome pushed back to the system of record."""

    order_id: int
    external_id: str
    source: Literal["webhook", "erp"]
    status: str
    operator_login: str | None = None
    comment: str | None = None


class OrderConfirmed(OrderOutcome):
    confirmed_at: AwareDatetime
    with_changes: bool = False


class OrderChanged(OrderOutcome):
    delivery: DeliverySnapshot
    items: list[OrderItemSnapshot]
    item_changes: list[ItemChange] = []
    changed_fields: list[str]
    total: Decimal
    currency: str


class OrderCancelled(OrderOutcome):
    reason_code: str
    cancelled_at: AwareDatetime


class OrderUnreachable(OrderOutcome):
    attempts: int
    last_attempt_at: AwareDatetime
