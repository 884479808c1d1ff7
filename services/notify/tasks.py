"""dramatiq actors of notify: thin consumers of `contracts` messages (idempotent via the inbox)."""

from __future__ import annotations

from sqlmodel import Session

from contracts.calls import CallCompleted
from contracts.envelope import RawEnvelope
from contracts.payments import SmsRequested
from contracts.routing import MessageType, Queue
from contracts.telephony import CoverChanged, CustomerRoutesChanged, OperatorPresenceChanged, TelephonySettingsChanged
from services.common.messaging.consumers import ConsumerRegistry
from services.notify.models import InboxMessage
from services.notify.runtime import NotifyRuntime
from services.notify.sms.service import send_sms
from services.notify.surveys.scheduling import schedule_survey
from services.notify.telephony import projection

consumers: ConsumerRegistry[NotifyRuntime] = ConsumerRegistry(Queue.NOTIFY, InboxMessage)


@consumers.handler(MessageType.CALL_COMPLETED, CallCompleted)
def on_call_completed(runtime: NotifyRuntime, session: Session, envelope: RawEnvelope, payload: CallCompleted) -> None:
    schedule_survey(session, runtime.outbox, runtime.settings, envelope.tenant, payload, now=runtime.clock())


@consumers.handler(MessageType.SMS_REQUESTED, SmsRequested)
def on_sms_requested(runtime: NotifyRuntime, session: Session, envelope: RawEnvelope, payload: SmsRequested) -> None:
    send_sms(runtime, session, envelope.tenant, payload)


# --- the telephony routing projection (docs/telephony.md): keep the highest revision, ignore the rest ---------


@consumers.handler(MessageType.TELEPHONY_SETTINGS_CHANGED, TelephonySettingsChanged)
def on_telephony_settings_changed(
    runtime: NotifyRuntime, session: Session, envelope: RawEnvelope, payload: TelephonySettingsChanged
) -> None:
    projection.apply_settings(session, envelope.tenant, payload, now=runtime.clock())


@consumers.handler(MessageType.OPERATOR_PRESENCE_CHANGED, OperatorPresenceChanged)
def on_operator_presence_changed(
    runtime: NotifyRuntime, session: Session, envelope: RawEnvelope, payload: OperatorPresenceChanged
) -> None:
    projection.apply_presence(session, envelope.tenant, payload, now=runtime.clock())


@consumers.handler(MessageType.COVER_CHANGED, CoverChanged)
def on_cover_changed(runtime: NotifyRuntime, session: Session, envelope: RawEnvelope, payload: CoverChanged) -> None:
    projection.apply_cover(session, envelope.tenant, payload)


@consumers.handler(MessageType.CUSTOMER_ROUTES_CHANGED, CustomerRoutesChanged)
def on_customer_routes_changed(
    runtime: NotifyRuntime, session: Session, envelope: RawEnvelope, payload: CustomerRoutesChanged
) -> None:
    projection.apply_customer_routes(session, envelope.tenant, payload)
