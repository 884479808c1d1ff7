"""dramatiq actors of notify: thin consumers of `contracts` messages (idempotent via the inbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from contracts.calls import CallCompleted
from contracts.envelope import RawEnvelope
from contracts.payments import SmsRequested
from contracts.routing import MessageType, Queue
from services.common.messaging.consumers import ConsumerRegistry
from services.notify.models import InboxMessage
from services.notify.surveys.scheduling import schedule_survey

if TYPE_CHECKING:
    from services.notify.runtime import NotifyRuntime

consumers: ConsumerRegistry[NotifyRuntime] = ConsumerRegistry(Queue.NOTIFY, InboxMessage)


@consumers.handler(MessageType.CALL_COMPLETED, CallCompleted)
def on_call_completed(runtime: NotifyRuntime, session: Session, envelope: RawEnvelope, payload: CallCompleted) -> None:
    schedule_survey(session, runtime.outbox, runtime.settings, envelope.tenant, payload, now=runtime.clock())


@consumers.handler(MessageType.SMS_REQUESTED, SmsRequested)
def on_sms_requested(runtime: NotifyRuntime, session: Session, envelope: RawEnvelope, payload: SmsRequested) -> None:
    from services.notify.sms.service import send_sms

    send_sms(runtime, session, envelope.tenant, payload)
