"""dramatiq actors of order_confirm: thin consumers of `contracts` messages (idempotent via the inbox).

Each handler validates its `contracts` model, calls one service function in the consumer's transaction,
and nothing else.
"""

from __future__ import annotations

from sqlmodel import Session

from contracts.calls import SurveyAnswered
from contracts.delivery import CourierEventReceived
from contracts.envelope import RawEnvelope
from contracts.orders import OrderSnapshot
from contracts.payments import PaymentStatusChanged
from contracts.routing import MessageType, Queue
from contracts.telephony import CallbackRequested, CallUpdated, RecordingAvailable, RecordingDeleted
from services.common.messaging.consumers import ConsumerRegistry
from services.order_confirm.models import InboxMessage
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service import intake, intake_batch, payments, surveys
from services.order_confirm.service.intake_batch import Arrival
from services.order_confirm.telephony import callbacks, facts, recordings

consumers: ConsumerRegistry[OrderConfirmRuntime] = ConsumerRegistry(Queue.ORDER_CONFIRM, InboxMessage)

# Snapshots share a transaction up to this many (as many as the worker's threads hold at once): a burst of
# orders costs one commit, one tenant turn and one inbox statement per batch instead of per order, and new
# orders one statement per table per batch (service/intake_batch.py).
SNAPSHOT_BATCH_LIMIT = 32


def on_order_snapshots_received(
    runtime: OrderConfirmRuntime, session: Session, messages: list[tuple[RawEnvelope, OrderSnapshot]]
) -> None:
    arrivals = [Arrival(envelope.tenant, payload, envelope.request_id) for envelope, payload in messages]
    intake_batch.receive_snapshots(session, arrivals, now=runtime.clock())


@consumers.handler(
    MessageType.ORDER_SNAPSHOT_RECEIVED,
    OrderSnapshot,
    batch_limit=SNAPSHOT_BATCH_LIMIT,
    batch_handler=on_order_snapshots_received,
)
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
    payments.on_payment_status(session, runtime.outbox, envelope.tenant, payload, now=runtime.clock())


@consumers.handler(MessageType.COURIER_EVENT_RECEIVED, CourierEventReceived)
def on_courier_event_received(
    runtime: OrderConfirmRuntime, session: Session, envelope: RawEnvelope, payload: CourierEventReceived
) -> None:
    payments.on_courier_event(session, envelope.tenant, payload, now=runtime.clock())


@consumers.handler(MessageType.TELEPHONY_CALL_UPDATED, CallUpdated)
def on_telephony_call_updated(
    runtime: OrderConfirmRuntime, session: Session, envelope: RawEnvelope, payload: CallUpdated
) -> None:
    facts.apply_call_updated(session, runtime.outbox, envelope.tenant, payload)


@consumers.handler(MessageType.RECORDING_AVAILABLE, RecordingAvailable)
def on_recording_available(
    runtime: OrderConfirmRuntime, session: Session, envelope: RawEnvelope, payload: RecordingAvailable
) -> None:
    recordings.apply_recording_available(session, envelope.tenant, payload)


@consumers.handler(MessageType.RECORDING_DELETED, RecordingDeleted)
def on_recording_deleted(
    runtime: OrderConfirmRuntime, session: Session, envelope: RawEnvelope, payload: RecordingDeleted
) -> None:
    recordings.apply_recording_deleted(session, envelope.tenant, payload)


@consumers.handler(MessageType.CALLBACK_REQUESTED, CallbackRequested)
def on_callback_requested(
    runtime: OrderConfirmRuntime, session: Session, envelope: RawEnvelope, payload: CallbackRequested
) -> None:
    callbacks.apply_callback_requested(session, envelope.tenant, payload, now=runtime.clock())
