"""Stripe Checkout Sessions through the official SDK; webhook signatures checked by the SDK (300 s tolerance)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.common import safe_json
from services.integrations.adapters.payments.base import (
    InvalidEventSignature,
    NewPayment,
    PaymentProviderError,
    PaymentRejected,
    ProviderPayment,
    ProviderPaymentEvent,
    ProviderStatus,
)
from services.integrations.adapters.payments.config import StripeConfig
from services.integrations.adapters.webhooks import InboundWebhook

SIGNATURE_TOLERANCE_SECONDS = 300
# Stripe refuses a Checkout Session that expires sooner than 30 minutes after creation.
MIN_SESSION_SECONDS = 30 * 60 + 30


def verify_event(config: StripeConfig, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event, if `Stripe-Signature` proves it came from Stripe within the tolerance; else InvalidEventSignature."""
    import stripe  # the SDK costs ~27 MB: imported where it is used, not when the service starts

    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, config.webhook_secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidEventSignature(f"Stripe-Signature rejected: {error}") from error
    # Parsed here rather than by the SDK (`construct_event`), whose json.loads has no depth bound.
    event = safe_json.loads(payload)
    if not isinstance(event, dict):
        raise safe_json.UnsafeJson("A Stripe event is a JSON object.")
    return event


def session_status(session: dict[str, Any]) -> ProviderStatus:
    if session.get("status") == "expired":
        return "expired"
    if session.get("status") == "complete" and session.get("payment_status") in ("paid", "no_payment_required"):
        return "succeeded"
    return "pending"


class StripeEvents:
    """Stripe's events are signed, so a Checkout Session in one is trusted as sent."""

    route = "stripe"

    def __init__(self, config: StripeConfig) -> None:
        self.config = config

    def parse(self, webhook: InboundWebhook) -> ProviderPaymentEvent:
        event = verify_event(self.config, webhook.body, webhook.headers.get("stripe-signature"))
        event_type = str(event.get("type", ""))
        session_object: dict[str, Any] = (event.get("data") or {}).get("object") or {}
        payment: ProviderPayment | None = None
        if event_type.startswith("checkout.session.") and session_object.get("id"):
            payment = from_session(session_object)
            if event_type == "checkout.session.async_payment_failed":
                payment = ProviderPayment(payment.payment_id, "canceled", payment.amount_minor, payment.currency)
        return ProviderPaymentEvent(
            event_id=str(event.get("id")),
            event_type=event_type,
            payload=event,
            payment_id=payment.payment_id if payment else None,
            payment=payment,
        )


class StripeCheckout:
    name = "stripe"

    def __init__(self, config: StripeConfig) -> None:
        import stripe

        self.config = config
        self.client = stripe.StripeClient(
            config.api_key, base_addresses={"api": config.base_url}, max_network_retries=0
        )

    def create_payment(self, payment: NewPayment) -> ProviderPayment:
        now = datetime.now(UTC).timestamp()
        expires_at = int(max(payment.expires_at.timestamp(), now + MIN_SESSION_SECONDS))
        params: dict[str, Any] = {
            "mode": "payment",
            "success_url": self.config.success_url,
            "client_reference_id": payment.link_id,
            "expires_at": expires_at,
            "metadata": {"link_id": payment.link_id, "order_id": str(payment.order.order_id)},
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": payment.currency.lower(),
                        "unit_amount": payment.amount_minor,
                        "product_data": {"name": payment.description[:250]},
                    },
                }
            ],
        }
        if payment.order.customer_email:
            params["customer_email"] = payment.order.customer_email
        return self._session(
            lambda: self.client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": payment.idempotence_key},
            )
        )

    def fetch_payment(self, payment_id: str) -> ProviderPayment:
        return self._session(lambda: self.client.v1.checkout.sessions.retrieve(payment_id))

    def capture(self, payment_id: str, *, amount_minor: int, currency: str, idempotence_key: str) -> ProviderPayment:
        # Checkout Sessions in `payment` mode capture automatically; nothing is ever left authorized.
        return self.fetch_payment(payment_id)

    def _session(self, call: Any) -> ProviderPayment:
        import stripe

        try:
            session = call().to_dict()
        except stripe.AuthenticationError as error:
            raise PaymentRejected(f"Stripe refused the API key: {error.user_message}") from error
        except stripe.InvalidRequestError as error:
            raise PaymentRejected(f"Stripe: {error.user_message}") from error
        except stripe.StripeError as error:
            raise PaymentProviderError(f"Stripe failed: {error!r}") from error
        return from_session(session)


def from_session(session: dict[str, Any]) -> ProviderPayment:
    status = session_status(session)
    return ProviderPayment(
        payment_id=str(session["id"]),
        status=status,
        amount_minor=int(session.get("amount_total") or 0),
        currency=str(session.get("currency") or "").upper(),
        url=session.get("url"),
        paid_at=datetime.fromtimestamp(int(session["created"]), UTC) if status == "succeeded" else None,
    )
