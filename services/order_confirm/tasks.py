"""dramatiq actors of order_confirm: thin consumers of `contracts` messages (idempotent via the inbox).

Each handler validates its `contracts` model, calls one service function in the consumer's transaction,
and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from contracts.calls import SurveyAnswered
from contracts.delivery import CourierEventReceived
from contracts.envelope import RawEnvelope
from contracts.orders import OrderSnapshot
from contracts.payments import PaymentStatusChanged
from contracts.routing import MessageType, Queue
from services.common.messaging.consumers import ConsumerRegistry
from services.order_confirm.models import InboxMessage
from services.order_confirm.service import intake, surveys

if TYPE_CHECKING:
    from services.order_confirm.runtime import OrderConfirmRuntime

consumers: ConsumerRegistry[OrderConfirmRuntime] = ConsumerRegistry(Queue.ORDER_CONFIRM, InboxMessage)


@consumers.handler(MessageType.ORDER_SNAPSHOT_RECEIVED, OrderSnapshot)
def on_order_snapshot_received(
    runtime: OrderConfirmRuntime, session: Session, envelope: RawEnvelope, payload: OrderSnapshot
) -> None:
    intake.receive_snapshot(session, envelope.tenant, payload, now=runtime.clock())


@consumers.handler(MessageType.SURVEY_ANSWERED, SurveyAnswered)
def on_survey_answered(
    runtime: OrderConfirmRuntime, session: Session, envelope: RawEnvelope, payload: SurveyAnswered
) -> None:
    surveys.record_survey_result(session, runtime.outbox, envelope.tenant, payload, now=runtime.clock())


@consumers.handler(MessageType.PAYMENT_STATUS_CHANGED, PaymentStatusChanged)
def on_payment_status_changed(
    runtime: OrderConfirmRuntime, session: Session, envelope: RawEnvelope, payload: PaymentStatusChanged
) -> None:
    from services.order_confirm.service import payments

    payments.on_payment_status(session, runtime.outbox, envelope.tenant, payload, now=runtime.clock())


@consumers.handler(MessageType.COURIER_EVENT_RECEIVED, CourierEventReceived)
def on_courier_event_received(
    runtime: OrderConfirmRuntime, session: Session, envelope: RawEnvelope, payload: CourierEventReceived
) -> None:
    from services.order_confirm.service import payments

    payments.on_courier_event(session, envelope.tenant, payload, now=runtime.clock())
