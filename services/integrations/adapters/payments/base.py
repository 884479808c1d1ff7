"""The payment capability: create a hosted payment, read it back, and read the provider's notifications.

Service code depends on these Protocols only; `adapters.payments.providers` picks the provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from contracts.http.same_day import SameDayOrder
from services.integrations.adapters.webhooks import InboundWebhook

ProviderStatus = Literal["pending", "authorized", "succeeded", "canceled", "expired"]


class PaymentProviderError(Exception):
    """The provider could not be reached or failed; the caller may retry with the same idempotency key."""


class PaymentRejected(PaymentProviderError):
    """The provider refused the request for good (bad credentials, invalid amount, receipt data missing)."""


class InvalidEventSignature(Exception):
    """The notification's signature is missing, wrong or too old: it may not come from the provider."""


class UntrustedSender(Exception):
    """The notification came from outside the provider's published network (where the tenant checks it)."""


class MalformedEvent(Exception):
    """The body is JSON but not a notification of this provider (a required field missing or mistyped)."""


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


@dataclass(frozen=True)
class ProviderPaymentEvent:
    """One notification, verified as far as the provider allows."""

    event_id: str  # the same on every redelivery of this event, so it is applied once
    event_type: str
    payload: dict[str, Any]
    payment_id: str | None = None  # None: not about a payment (nothing to apply)
    # What the event proves about the payment when the provider signs it (Stripe); None for an unsigned
    # notification (YooKassa), which is only a hint: the payment is read back from the API instead.
    payment: ProviderPayment | None = None


class PaymentEvents(Protocol):
    route: str  # the provider's webhook path: /v1/payments/{tenant}/{route}

    def parse(self, webhook: InboundWebhook) -> ProviderPaymentEvent:
        """Verify and read one notification: InvalidEventSignature, UntrustedSender or MalformedEvent if not."""
