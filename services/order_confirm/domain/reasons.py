"""Reason codes an operator picks when a call ends in a cancellation or a wrong number, and the channels of a
confirmation without a call.

"other" always needs a comment, so the shop can read what happened.
"""

from __future__ import annotations

from enum import StrEnum


class CancelReason(StrEnum):
    CUSTOMER_REFUSED = "customer_refused"
    CHANGED_MIND = "changed_mind"
    FOUND_CHEAPER = "found_cheaper"
    DELIVERY_TOO_LATE = "delivery_too_late"
    DUPLICATE_ORDER = "duplicate_order"
    PAYMENT_PROBLEM = "payment_problem"
    DID_NOT_ORDER = "did_not_order"
    OTHER = "other"


class WrongNumberReason(StrEnum):
    NOT_IN_SERVICE = "not_in_service"
    ANOTHER_PERSON = "another_person"
    INCOMPLETE_NUMBER = "incomplete_number"
    OTHER = "other"


OTHER = "other"


class ConfirmChannel(StrEnum):
    """How a customer confirmed an order without a call (`POST …/confirm` with a reason)."""

    SMS = "sms"
    EMAIL = "email"
    MESSENGER = "messenger"
    SHOP = "shop"  # the shop confirmed it with the customer itself
    PAYMENT = "payment"  # paid by link: the payment is the confirmation
    OTHER = "other"
