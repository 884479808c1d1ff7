"""Outbound webhooks to a shop, signed per Standard Webhooks exactly as the shop signs its orders to us.

`webhook-id` is the message id of the outcome: the shop's idempotency key, the same on every retry.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from services.integrations.adapters.failures import failure_for, failure_for_transport
from services.integrations.adapters.http import tls_context
from services.integrations.domain.signatures import sign


def webhook_body(event_type: str, data: dict[str, Any], *, timestamp: datetime) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": timestamp.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


class ShopWebhookSender:
    def __init__(self, *, timeout_seconds: float = 15.0, transport: httpx.BaseTransport | None = None) -> None:
        self.client = httpx.Client(
            timeout=timeout_seconds, transport=transport, follow_redirects=False, verify=tls_context()
        )

    def send(
        self, url: str, secret: str, *, webhook_id: str, event_type: str, data: dict[str, Any], now: datetime
    ) -> int:
        """POST one event; returns the status code, raises `adapters.failures` unless the shop answered 2xx."""
        body = webhook_body(event_type, data, timestamp=now)
        headers = {
            **sign(secret, webhook_id, now, body),
            "Content-Type": "application/json",
            "User-Agent": "Okno-Webhooks/1",
        }
        try:
            response = self.client.post(url, content=body.encode(), headers=headers)
        except httpx.HTTPError as error:
            raise failure_for_transport(error, "shop webhook URL") from error
        if not response.is_success:
            raise failure_for(response, f"shop answered {response.status_code}: {response.text[:300]}")
        return response.status_code

    def close(self) -> None:
        self.client.close()
