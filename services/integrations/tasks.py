"""dramatiq actors of integrations: thin consumers of `contracts` messages (idempotent via the inbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from contracts.delivery import ShipmentRequested
from contracts.envelope import RawEnvelope
from contracts.orders import OrderOutcome
from contracts.payments import SmsStatusChanged
from contracts.routing import MessageType, Queue
from services.common.messaging.consumers import ConsumerRegistry
from services.integrations.models import InboxMessage
from services.integrations.service.outcome_events import OUTCOMES

if TYPE_CHECKING:
    from services.integrations.runtime import IntegrationsRuntime

consumers: ConsumerRegistry[IntegrationsRuntime] = ConsumerRegistry(Queue.INTEGRATIONS, InboxMessage)


# --- same-day delivery: courier shipments and payment-link SMS reports ---------------------------------


@consumers.handler(MessageType.SHIPMENT_REQUESTED, ShipmentRequested)
def on_shipment_requested(
    runtime: IntegrationsRuntime, session: Session, envelope: RawEnvelope, payload: ShipmentRequested
) -> None:
    from services.integrations.service.shipments import create_shipment

    create_shipment(runtime, session, envelope.tenant, payload)


@consumers.handler(MessageType.SMS_STATUS_CHANGED, SmsStatusChanged)
def on_sms_status_changed(
    runtime: IntegrationsRuntime, session: Session, envelope: RawEnvelope, payload: SmsStatusChanged
) -> None:
    from services.integrations.service.link_status import record_sms_status

    record_sms_status(runtime, session, payload)


# --- ERP sync and shop webhooks: every outcome is pushed to the system of record -----------------------


def _on_outcome(runtime: IntegrationsRuntime, session: Session, envelope: RawEnvelope, payload: OrderOutcome) -> None:
    from services.integrations.delivery_tasks import send_after_commit
    from services.integrations.service.deliveries import record_outcome

    recorded = record_outcome(session, envelope, payload, now=runtime.clock())
    send_after_commit(runtime, session, [d.id for d in recorded if d.id is not None])


for _message_type, (_model, _event) in OUTCOMES.items():
    consumers.handler(_message_type, _model)(_on_outcome)
