"""The payment capability: create a hosted payment, read it back (the only truth a webhook is trusted by)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from contracts.http.same_day import SameDayOrder

ProviderStatus = Literal["pending", "authorized", "succeeded", "canceled", "expired"]


class PaymentProviderError(Exception):
    """The provider could not be reached or failed; the caller may retry with the same idempotency key."""


class PaymentRejected(PaymentProviderError):
    """The provider refused the request for good (bad credentials, invalid amount, receipt data missing)."""


@dataclass(frozen=True)
class NewPayment:
    link_id: str
    idempotence_key: str
    amount_minor: int
    currency: str
    description: str
    order: SameDayOrder
    expires_at: datetime


@dataclass(frozen=True)
class ProviderPayment:
    payment_id: str
    status: ProviderStatus
    amount_minor: int
    currency: str
    url: str | None = None
    paid_at: datetime | None = None
    failure_reason: str | None = None


class PaymentProvider(Protocol):
    name: str

    def create_payment(self, payment: NewPayment) -> ProviderPayment: ...

    def fetch_payment(self, payment_id: str) -> ProviderPayment: ...

    def capture(self, payment_id: str, *, amount_minor: int, currency: str, idempotence_key: str) -> ProviderPayment:
        """Take money a provider only authorized (YooKassa `waiting_for_capture`)."""
