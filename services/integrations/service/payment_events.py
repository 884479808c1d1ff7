"""Provider notifications: verified, recorded once, applied only as a forward status move.

Stripe events are trusted by their signature (the SDK checks it, 300 s tolerance). YooKassa does not sign
notifications, so one is only a hint: the payment is re-fetched from the API with the tenant's credentials
and that answer is what counts (optionally the sender's address must be in YooKassa's published ranges).
"""

from __future__ import annotations

from typing import Any, TypeVar

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from contracts.payments import PaymentLinkStatus
from services.common.db import transaction
from services.common.problems import DomainError, NotFound, Unprocessable
from services.integrations.adapters.payments import provider_for
from services.integrations.adapters.payments.base import (
    PaymentProviderError,
    PaymentRejected,
    ProviderPayment,
    ProviderStatus,
)
from services.integrations.adapters.payments.config import StripeConfig, YooKassaConfig
from services.integrations.adapters.payments.stripe import InvalidSignature, from_session, verify_event
from services.integrations.adapters.payments.yookassa import from_notification_network
from services.integrations.models import PaymentEvent, PaymentLink
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.link_status import change_status
from services.integrations.service.payment_links import PaymentProviderUnavailable
from services.integrations.service.provider_setup import payment_setup

log = structlog.get_logger(__name__)

ConfigT = TypeVar("ConfigT", StripeConfig, YooKassaConfig)
_LINK_STATUS: dict[ProviderStatus, PaymentLinkStatus] = {
    "succeeded": PaymentLinkStatus.PAID,
    "canceled": PaymentLinkStatus.FAILED,
    "expired": PaymentLinkStatus.EXPIRED,
}


class InvalidWebhookSignature(DomainError):
    status, code, title = 400, "invalid_signature", "The webhook signature is not valid"


class UntrustedSource(DomainError):
    status, code, title = 403, "untrusted_source", "The notification did not come from the provider's network"


def handle_stripe(runtime: IntegrationsRuntime, tenant: str, payload: bytes, signature: str | None) -> str:
    config = _config(runtime, tenant, StripeConfig)
    try:
        event = verify_event(config, payload, signature)
    except InvalidSignature as error:
        raise InvalidWebhookSignature(f"Stripe-Signature rejected: {error}") from None
    event_type = str(event.get("type", ""))
    session_object: dict[str, Any] = (event.get("data") or {}).get("object") or {}
    payment: ProviderPayment | None = None
    if event_type.startswith("checkout.session.") and session_object.get("id"):
        payment = from_session(session_object)
        if event_type == "checkout.session.async_payment_failed":
            payment = ProviderPayment(payment.payment_id, "canceled", payment.amount_minor, payment.currency)
    return _record(
        runtime, tenant, "stripe", event_id=str(event.get("id")), event_type=event_type, payload=event, payment=payment
    )


def handle_yookassa(runtime: IntegrationsRuntime, tenant: str, body: dict[str, Any], client_ip: str | None) -> str:
    config = _config(runtime, tenant, YooKassaConfig)
    if config.check_source_ip and not from_notification_network(client_ip or ""):
        raise UntrustedSource(f"{client_ip} is not one of YooKassa's notification addresses.")
    event_type = body.get("event")
    payment_id = (body.get("object") or {}).get("id")
    if body.get("type") != "notification" or not isinstance(event_type, str) or not isinstance(payment_id, str):
        raise Unprocessable("Expected a YooKassa notification with `event` and `object.id`.")
    provider = provider_for(config)
    payment: ProviderPayment | None
    try:
        payment = provider.fetch_payment(payment_id)
        if payment.status == "authorized":
            payment = provider.capture(
                payment_id,
                amount_minor=payment.amount_minor,
                currency=payment.currency,
                idempotence_key=f"capture-{payment_id}",
            )
    except PaymentRejected:
        # The provider does not know this payment: a forged or foreign notification. Nothing to apply.
        payment = None
    except PaymentProviderError as error:
        raise PaymentProviderUnavailable(f"Could not re-fetch the payment: {error}") from None
    # YooKassa notifications carry no id; the (payment, event) pair repeats exactly when it is redelivered.
    event_id = f"{payment_id}:{event_type}"
    return _record(
        runtime, tenant, config.provider, event_id=event_id, event_type=event_type, payload=body, payment=payment
    )


def _config(runtime: IntegrationsRuntime, tenant: str, kind: type[ConfigT]) -> ConfigT:
    with Session(runtime.engine) as session:
        config, _ = payment_setup(session, tenant, runtime.capabilities)
    if not isinstance(config, kind):
        raise NotFound(f"{tenant} does not take payments through this provider.")
    return config


def _record(
    runtime: IntegrationsRuntime,
    tenant: str,
    provider: str,
    *,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    payment: ProviderPayment | None,
) -> str:
    """Record the event once and apply it; the outcome is what the webhook answers."""
    try:
        with transaction(runtime.engine) as session:
            seen = session.exec(
                select(PaymentEvent).where(PaymentEvent.provider == provider, PaymentEvent.event_id == event_id[:200])
            ).first()
            if seen is not None and seen.outcome == "applied":
                return "duplicate"
            # An event that changed nothing is looked at again when redelivered: the provider may have
            # notified before its own API showed the new status.
            outcome = _apply(runtime, session, tenant, payment)
            event = seen or PaymentEvent(
                tenant=tenant,
                provider=provider,
                event_id=event_id[:200],
                event_type=event_type[:100],
                outcome=outcome,
                payload=payload,
                received_at=runtime.clock(),
            )
            event.provider_payment_id = payment.payment_id if payment else None
            event.outcome, event.payload, event.received_at = outcome, payload, runtime.clock()
            session.add(event)
    except IntegrityError:
        return "duplicate"  # the same event, delivered concurrently, won the insert
    log.info("payment.event", tenant=tenant, provider=provider, event_type=event_type, outcome=outcome)
    return outcome


def _apply(runtime: IntegrationsRuntime, session: Session, tenant: str, payment: ProviderPayment | None) -> str:
    if payment is None:
        return "ignored"
    link = session.exec(
        select(PaymentLink).where(PaymentLink.tenant == tenant, PaymentLink.provider_payment_id == payment.payment_id)
    ).first()
    if link is None:
        return "unknown_payment"
    target = _LINK_STATUS.get(payment.status)
    if target is None:
        return "ignored"
    if target == PaymentLinkStatus.PAID and (payment.amount_minor, payment.currency) != (
        link.amount_minor,
        link.currency,
    ):
        log.error("payment.amount_mismatch", link_id=link.id, paid=payment.amount_minor, expected=link.amount_minor)
        return "amount_mismatch"
    moved = change_status(runtime, session, link, target, reason=payment.failure_reason, paid_at=payment.paid_at)
    return "applied" if moved else "ignored"
