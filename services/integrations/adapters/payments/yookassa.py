"""YooKassa API v3 over httpx: Basic auth (shop id, secret key), `Idempotence-Key` on every POST.

The sandbox provider of `okno run` is this same adapter pointed at a local YooKassa-speaking server.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from services.common.money import from_minor, to_minor
from services.integrations.adapters.payments.base import (
    MalformedEvent,
    NewPayment,
    PaymentProviderError,
    PaymentRejected,
    ProviderPayment,
    ProviderPaymentEvent,
    ProviderStatus,
    UntrustedSender,
)
from services.integrations.adapters.payments.config import YooKassaConfig
from services.integrations.adapters.webhooks import InboundWebhook

_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_STATUS: dict[str, ProviderStatus] = {
    "pending": "pending",
    "waiting_for_capture": "authorized",
    "succeeded": "succeeded",
    "canceled": "canceled",
}
# https://yookassa.ru/developers/using-api/webhooks#ip
NOTIFICATION_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "185.71.76.0/27",
        "185.71.77.0/27",
        "77.75.153.0/25",
        "77.75.156.11/32",
        "77.75.156.35/32",
        "77.75.154.128/25",
        "2a02:5180::/32",
    )
)


def from_notification_network(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in NOTIFICATION_NETWORKS)


class YooKassaEvents:
    """YooKassa does not sign notifications: one names a payment, whose status is then read from the API."""

    route = "yookassa"

    def __init__(self, config: YooKassaConfig) -> None:
        self.config = config

    def parse(self, webhook: InboundWebhook) -> ProviderPaymentEvent:
        client_ip = webhook.client_ip
        if self.config.check_source_ip and not from_notification_network(client_ip or ""):
            raise UntrustedSender(f"{client_ip} is not one of YooKassa's notification addresses.")
        body = webhook.json_object()
        event_type = body.get("event")
        payment_id = (body.get("object") or {}).get("id")
        if body.get("type") != "notification" or not isinstance(event_type, str) or not isinstance(payment_id, str):
            raise MalformedEvent("Expected a YooKassa notification with `event` and `object.id`.")
        # Notifications carry no id; the (payment, event) pair repeats exactly when one is redelivered.
        return ProviderPaymentEvent(f"{payment_id}:{event_type}", event_type, body, payment_id=payment_id)


class YooKassa:
    def __init__(self, config: YooKassaConfig) -> None:
        self.config = config
        self.name: str = config.provider

    def create_payment(self, payment: NewPayment) -> ProviderPayment:
        body: dict[str, Any] = {
            "amount": _amount(payment.amount_minor, payment.currency),
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": self.config.return_url},
            "description": payment.description[:128],
            "metadata": {"link_id": payment.link_id, "order_id": str(payment.order.order_id)},
        }
        if self.config.receipts:
            body["receipt"] = self._receipt(payment)
        return _payment(self._call("POST", "/v3/payments", body, idempotence_key=payment.idempotence_key))

    def fetch_payment(self, payment_id: str) -> ProviderPayment:
        return _payment(self._call("GET", f"/v3/payments/{payment_id}"))

    def capture(self, payment_id: str, *, amount_minor: int, currency: str, idempotence_key: str) -> ProviderPayment:
        body = {"amount": _amount(amount_minor, currency)}
        return _payment(self._call("POST", f"/v3/payments/{payment_id}/capture", body, idempotence_key=idempotence_key))

    def _receipt(self, payment: NewPayment) -> dict[str, Any]:
        order = payment.order
        customer = {"email": order.customer_email} if order.customer_email else {"phone": order.customer_phone}
        receipt: dict[str, Any] = {
            "customer": customer,
            "items": [
                {
                    "description": item.name[:128],
                    "quantity": f"{item.quantity}.00",
                    "amount": _amount(to_minor(item.unit_price, order.currency), order.currency),
                    "vat_code": self.config.vat_code,
                    "payment_mode": "full_prepayment",
                    "payment_subject": "commodity",
                }
                for item in order.items
            ],
        }
        rest = payment.amount_minor - sum(to_minor(i.unit_price * i.quantity, order.currency) for i in order.items)
        if rest > 0:  # the same-day delivery price is a service line of its own
            receipt["items"].append(
                {
                    "description": "Доставка",
                    "quantity": "1.00",
                    "amount": _amount(rest, order.currency),
                    "vat_code": self.config.vat_code,
                    "payment_mode": "full_prepayment",
                    "payment_subject": "service",
                }
            )
        if self.config.tax_system_code is not None:
            receipt["tax_system_code"] = self.config.tax_system_code
        return receipt

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, idempotence_key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Idempotence-Key": idempotence_key} if idempotence_key else {}
        try:
            response = httpx.request(
                method,
                f"{self.config.base_url}{path}",
                json=body,
                headers=headers,
                auth=(self.config.shop_id, self.config.secret_key),
                timeout=_TIMEOUT,
            )
        except httpx.HTTPError as error:
            raise PaymentProviderError(f"YooKassa {method} {path} failed: {error!r}") from error
        if response.status_code >= 500 or response.status_code in (429, 202):
            # 202 = "still processing, repeat with the same Idempotence-Key" per YooKassa's docs.
            raise PaymentProviderError(f"YooKassa {method} {path} answered {response.status_code}")
        answer: dict[str, Any] = response.json()
        if response.status_code >= 400:
            raise PaymentRejected(f"YooKassa: {answer.get('code')}: {answer.get('description')}")
        return answer


def _amount(minor: int, currency: str) -> dict[str, str]:
    return {"value": str(from_minor(minor, currency)), "currency": currency}


def _payment(body: dict[str, Any]) -> ProviderPayment:
    amount = body.get("amount") or {}
    currency = str(amount.get("currency", "RUB"))
    captured_at = body.get("captured_at")
    cancellation = body.get("cancellation_details") or {}
    return ProviderPayment(
        payment_id=str(body["id"]),
        status=_STATUS.get(str(body.get("status")), "pending"),
        amount_minor=to_minor(Decimal(str(amount.get("value", "0"))), currency),
        currency=currency,
        url=(body.get("confirmation") or {}).get("confirmation_url"),
        paid_at=datetime.fromisoformat(captured_at.replace("Z", "+00:00")) if captured_at else None,
        failure_reason=cancellation.get("reason"),
    )
