"""Payments and payment-link SMS as they cross services.

integrations owns payments (provider credentials, webhooks); order_confirm keeps only the operator-facing
record of the link, fed by `PaymentStatusChanged`; notify sends the SMS and reports its delivery.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from contracts.envelope import Strict
from contracts.orders import OrderOutcome


class PaymentLinkStatus(StrEnum):
    """What the operator sees, in the order a link normally goes through them."""

    CREATED = "created"
    SENT = "sent"
    OPENED = "opened"
    PAID = "paid"
    EXPIRED = "expired"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (PaymentLinkStatus.PAID, PaymentLinkStatus.EXPIRED, PaymentLinkStatus.FAILED)

    def may_follow(self, current: str) -> bool:
        """The contract's status order, which both ends apply to out-of-order reports: forward only; nothing
        leaves `paid`; `paid` wins even after expiry (late money is still money). A `current` outside this
        enum (a service's own state before the link exists, e.g. "pending") ranks before `created`."""
        if current == PaymentLinkStatus.PAID:
            return False
        if self == PaymentLinkStatus.PAID:
            return True
        if current in (PaymentLinkStatus.EXPIRED, PaymentLinkStatus.FAILED):
            return False
        return self.is_final or _PROGRESS.index(self) > (_PROGRESS.index(current) if current in _PROGRESS else -1)


_PROGRESS = (PaymentLinkStatus.CREATED, PaymentLinkStatus.SENT, PaymentLinkStatus.OPENED)


class PaymentStatusChanged(Strict):
    """integrations -> order_confirm: a payment link changed status (emitted once per real change)."""

    link_id: str
    order_id: int
    external_id: str
    status: PaymentLinkStatus
    provider: str
    provider_payment_id: str | None = None
    amount: Decimal
    currency: str
    url: str | None = None
    expires_at: AwareDatetime
    slot_id: str | None = None
    sms_status: str | None = None
    paid_at: AwareDatetime | None = None
    failure_reason: str | None = None
    changed_at: AwareDatetime


class PaymentReceived(OrderOutcome):
    """order_confirm -> integrations: the order is paid; the ERP / shop webhook learns it (idempotent by message id)."""

    link_id: str
    provider: str
    provider_payment_id: str
    amount: Decimal
    currency: str
    paid_at: AwareDatetime


SmsTemplateName = Literal["payment_link"]


class SmsRequested(Strict):
    """integrations -> notify: text a customer; `sms_ref` is the sender's idempotency key."""

    sms_ref: str = Field(min_length=1, max_length=64)
    to: str  # E.164
    template: SmsTemplateName
    language: str
    params: dict[str, str]


class SmsStatusChanged(Strict):
    """notify -> integrations: Twilio (or the sandbox outbox) reported a delivery status for one SMS."""

    sms_ref: str
    status: str  # Twilio MessageStatus: queued | sent | delivered | undelivered | failed (sandbox: delivered)
    message_sid: str | None = None
    error_code: str | None = None
    changed_at: AwareDatetime
