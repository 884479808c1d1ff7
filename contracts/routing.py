"""Where each message type goes: queue and actor names, so a sender never imports its receiver.

A message type is `<noun>.<past-tense verb>`; its actor lives in the receiving service under the same name.
Queue names are dramatiq queue names: one queue per receiving service.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Queue(StrEnum):
    ORDER_CONFIRM = "order_confirm"
    INTEGRATIONS = "integrations"
    NOTIFY = "notify"


@dataclass(frozen=True)
class Route:
    message_type: str
    queue: Queue

    @property
    def actor_name(self) -> str:
        # Actor names are unique per broker; prefixing the queue keeps one message type free to reach
        # several services later without a rename.
        return f"{self.queue.value}.{self.message_type}"


class MessageType(StrEnum):
    # integrations -> order_confirm
    ORDER_SNAPSHOT_RECEIVED = "order_snapshot.received"
    PAYMENT_STATUS_CHANGED = "payment.status_changed"
    COURIER_EVENT_RECEIVED = "courier_event.received"
    # order_confirm -> integrations
    ORDER_CONFIRMED = "order.confirmed"
    ORDER_CHANGED = "order.changed"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_UNREACHABLE = "order.unreachable"
    PAYMENT_RECEIVED = "payment.received"
    SURVEY_COMPLETED = "survey.completed"
    REPORT_DAILY_READY = "report.daily_ready"
    # order_confirm -> notify
    CALL_COMPLETED = "call.completed"
    # order_confirm -> notify: the telephony routing projection (contracts/telephony.py)
    TELEPHONY_SETTINGS_CHANGED = "telephony_settings.changed"
    OPERATOR_PRESENCE_CHANGED = "operator_presence.changed"
    COVER_CHANGED = "cover.changed"
    CUSTOMER_ROUTES_CHANGED = "customer_routes.changed"
    # integrations -> notify
    SMS_REQUESTED = "sms.requested"
    # notify -> order_confirm
    SURVEY_ANSWERED = "survey.answered"
    # notify -> order_confirm: telephony facts (contracts/telephony.py)
    TELEPHONY_CALL_UPDATED = "telephony_call.updated"
    RECORDING_AVAILABLE = "recording.available"
    RECORDING_DELETED = "recording.deleted"
    CALLBACK_REQUESTED = "callback.requested"
    # notify -> integrations
    SMS_STATUS_CHANGED = "sms.status_changed"
    # integrations -> integrations (a paid same-day order goes to its courier, with retries)
    SHIPMENT_REQUESTED = "shipment.requested"


ROUTES: dict[MessageType, tuple[Queue, ...]] = {
    MessageType.ORDER_SNAPSHOT_RECEIVED: (Queue.ORDER_CONFIRM,),
    MessageType.PAYMENT_STATUS_CHANGED: (Queue.ORDER_CONFIRM,),
    MessageType.COURIER_EVENT_RECEIVED: (Queue.ORDER_CONFIRM,),
    MessageType.ORDER_CONFIRMED: (Queue.INTEGRATIONS,),
    MessageType.ORDER_CHANGED: (Queue.INTEGRATIONS,),
    MessageType.ORDER_CANCELLED: (Queue.INTEGRATIONS,),
    MessageType.ORDER_UNREACHABLE: (Queue.INTEGRATIONS,),
    MessageType.PAYMENT_RECEIVED: (Queue.INTEGRATIONS,),
    MessageType.SURVEY_COMPLETED: (Queue.INTEGRATIONS,),
    MessageType.REPORT_DAILY_READY: (Queue.INTEGRATIONS,),
    MessageType.CALL_COMPLETED: (Queue.NOTIFY,),
    MessageType.SMS_REQUESTED: (Queue.NOTIFY,),
    MessageType.SURVEY_ANSWERED: (Queue.ORDER_CONFIRM,),
    MessageType.TELEPHONY_SETTINGS_CHANGED: (Queue.NOTIFY,),
    MessageType.OPERATOR_PRESENCE_CHANGED: (Queue.NOTIFY,),
    MessageType.COVER_CHANGED: (Queue.NOTIFY,),
    MessageType.CUSTOMER_ROUTES_CHANGED: (Queue.NOTIFY,),
    MessageType.TELEPHONY_CALL_UPDATED: (Queue.ORDER_CONFIRM,),
    MessageType.RECORDING_AVAILABLE: (Queue.ORDER_CONFIRM,),
    MessageType.RECORDING_DELETED: (Queue.ORDER_CONFIRM,),
    MessageType.CALLBACK_REQUESTED: (Queue.ORDER_CONFIRM,),
    MessageType.SMS_STATUS_CHANGED: (Queue.INTEGRATIONS,),
    MessageType.SHIPMENT_REQUESTED: (Queue.INTEGRATIONS,),
}


# A consumer's receipt for messages it has settled goes back to the publisher's queue, whichever that is.
RECEIPT_TYPE = "messages.settled"


def receipt_route(publisher: Queue) -> Route:
    return Route(RECEIPT_TYPE, publisher)


def routes_for(message_type: str) -> list[Route]:
    """Every (queue, actor) a message of this type is delivered to."""
    return [Route(message_type, queue) for queue in ROUTES[MessageType(message_type)]]


def actor_name(queue: Queue, message_type: MessageType) -> str:
    return Route(message_type.value, queue).actor_name
