"""Provider notifications: verified, recorded once, applied only as a forward status move.

The tenant's provider adapter reads the notification (`PaymentEvents.parse`). A signed event (Stripe)
proves the payment's status itself; an unsigned one (YooKassa) is only a hint: the payment is re-fetched
from the API with the tenant's credentials and that answer is what counts.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from contracts.payments import PaymentLinkStatus
from services.common.db import transaction
from services.common.problems import DomainError, NotFound, Unprocessable
from services.integrations.adapters.payments.base import (
    InvalidEventSignature,
    MalformedEvent,
    PaymentProvider,
    PaymentProviderError,
    PaymentRejected,
    ProviderPayment,
    ProviderStatus,
    UntrustedSender,
)
from services.integrations.adapters.payments.providers import payment_events_for, provider_for
from services.integrations.adapters.webhooks import InboundWebhook
from services.integrations.models import PaymentEvent, PaymentLink
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.link_status import change_status
from services.integrations.service.payment_links import PaymentProviderUnavailable
from services.integrations.service.provider_setup import payment_setup

log = structlog.get_logger(__name__)

_LINK_STATUS: dict[ProviderStatus, PaymentLinkStatus] = {
    "succeeded": PaymentLinkStatus.PAID,
    "canceled": PaymentLinkStatus.FAILED,
    "expired": PaymentLinkStatus.EXPIRED,
}


class InvalidWebhookSignature(DomainError):
    status, code, title = 400, "invalid_signature", "The webhook signature is not valid"


class UntrustedSource(DomainError):
    status, code, title = 403, "untrusted_source", "The notification did not come from the provider's network"


def handle(runtime: IntegrationsRuntime, tenant: str, route: str, webhook: InboundWebhook) -> str:
    """Apply a notification that arrived at `/v1/payments/{tenant}/{route}`; the outcome the webhook answers."""
    with Session(runtime.engine) as session:
        config, _ = payment_setup(session, tenant, runtime.capabilities)
    events = payment_events_for(config)
    if events.route != route:
        raise NotFound(f"{tenant} does not take payments through this provider.")
    try:
        event = events.parse(webhook)
    except InvalidEventSignature as error:
        raise InvalidWebhookSignature(str(error)) from None
    except UntrustedSender as error:
        raise UntrustedSource(str(error)) from None
    except MalformedEvent as error:
        raise Unprocessable(str(error)) from None
    payment = event.payment
    if payment is None and event.payment_id is not None:
        payment = _read_back(provider_for(config), event.payment_id)
    return _record(
        runtime,
        tenant,
        config.provider,
        event_id=event.event_id,
        event_type=event.event_type,
        payload=event.payload,
        payment=payment,
    )


def _read_back(provider: PaymentProvider, payment_id: str) -> ProviderPayment | None:
    """The payment as the provider's API shows it, captured if only authorized; None if it does not know it."""
    try:
        payment = provider.fetch_payment(payment_id)
        if payment.status == "authorized":
            return provider.capture(
                payment_id,
                amount_minor=payment.amount_minor,
                currency=payment.currency,
                idempotence_key=f"capture-{payment_id}",
            )
    except PaymentRejected:
        # The provider does not know this payment: a forged or foreign notification. Nothing to apply.
        return None
    except PaymentProviderError as error:
        raise PaymentProviderUnavailable(f"Could not re-fetch the payment: {error}") from None
    return payment


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
