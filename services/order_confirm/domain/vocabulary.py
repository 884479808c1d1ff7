"""The words of the workflow, shared by models, domain rules and the API."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    NEW = "new"
    AWAITING_CALL = "awaiting_call"
    IN_CALL = "in_call"
    NO_ANSWER = "no_answer"
    CALLBACK_SCHEDULED = "callback_scheduled"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    CONFIRMED = "confirmed"
    CONFIRMED_WITH_CHANGES = "confirmed_with_changes"
    CANCELLED = "cancelled"
    CANCELLED_BY_SHOP = "cancelled_by_shop"
    UNREACHABLE = "unreachable"


class Disposition(StrEnum):
    CONFIRMED = "confirmed"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    CALLBACK_REQUESTED = "callback_requested"
    VOICEMAIL = "voicemail"

    @property
    def reached_customer(self) -> bool:
        """A conversation happened: these (and only these) may trigger a survey."""
        return self in (
            Disposition.CONFIRMED,
            Disposition.CHANGED,
            Disposition.CANCELLED,
            Disposition.CALLBACK_REQUESTED,
        )


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    CLIENT_MANAGER = "client_manager"
    ADMIN = "admin"
    QA = "qa"  # the quality department: evaluates calls of its tenants (services/order_confirm/qa)


class OperatorStatus(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    BREAK = "break"
    OFFLINE = "offline"

    @property
    def on_shift(self) -> bool:
        return self in (OperatorStatus.AVAILABLE, OperatorStatus.BUSY)


class TaskKind(StrEnum):
    CONFIRM = "confirm"
    CALLBACK = "callback"
    RETRY = "retry"
    REARRANGE_DELIVERY = "rearrange_delivery"
    PAYMENT_FOLLOW_UP = "payment_follow_up"
    SUPERVISOR_FOLLOW_UP = "supervisor_follow_up"
    COACHING = "coaching"  # for the supervisor: an evaluation below the threshold or with a critical failure


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
