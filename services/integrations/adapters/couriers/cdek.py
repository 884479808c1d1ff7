"""CDEK API v2: OAuth2 client credentials, tariff list, order creation (asynchronous), order status.

Order creation answers 202 with `requests[].state` = ACCEPTED; the order is real only once a later
`GET /v2/orders/{uuid}` shows the CREATE request SUCCESSFUL (or INVALID, with errors). Status changes also
arrive as ORDER_STATUS webhooks (see `status_from_webhook`).
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

import httpx

from contracts.http.same_day import SameDayOrder, SameDaySlot
from services.integrations.adapters.couriers.base import (
    CourierError,
    CourierEvent,
    CourierRejected,
    Price,
    ShipmentAccepted,
    ShipmentState,
)
from services.integrations.adapters.couriers.config import CdekConfig
from services.integrations.adapters.webhooks import InboundWebhook

_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Refresh a little before CDEK's `expires_in` so a token never dies between our check and its use.
_TOKEN_MARGIN_SECONDS = 60.0

_STATUS = {
    "CREATED": "created",
    "DELIVERED": "delivered",
    "NOT_DELIVERED": "not_delivered",
    "INVALID": "rejected",
    "REMOVED": "rejected",
}
# CDEK's "additional status" (status_reason_code) values the owner can act on when calling the customer.
_REASONS = {
    "1": "wrong address",
    "2": "recipient could not be reached",
    "3": "recipient not at home",
    "4": "recipient refused the order",
    "17": "recipient asked to deliver later",
}


class _TokenCache:
    """Tokens per (base URL, client id), shared by every adapter instance in the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def get(self, key: tuple[str, str]) -> str | None:
        with self._lock:
            entry = self._tokens.get(key)
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    def put(self, key: tuple[str, str], token: str, expires_in: float) -> None:
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + max(0.0, expires_in - _TOKEN_MARGIN_SECONDS))

    def drop(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._tokens.pop(key, None)


TOKENS = _TokenCache()


def map_status(code: str, reason_code: str | None = None, number: str | None = None) -> ShipmentState:
    status = _STATUS.get(code, "in_transit")
    reason = _REASONS.get(reason_code or "", f"CDEK reason {reason_code}") if reason_code else None
    return ShipmentState(status, code, courier_number=number, reason=reason)


def status_from_webhook(body: dict[str, Any]) -> tuple[str, ShipmentState] | None:
    """(CDEK order uuid, state) of an ORDER_STATUS webhook; None for other webhook types."""
    if body.get("type") != "ORDER_STATUS" or not body.get("uuid"):
        return None
    attributes = body.get("attributes") or {}
    state = map_status(
        str(attributes.get("code") or attributes.get("status_code") or ""),
        attributes.get("status_reason_code"),
        attributes.get("cdek_number"),
    )
    return str(body["uuid"]), state


class CdekEvents:
    def parse(self, webhook: InboundWebhook) -> CourierEvent | None:
        parsed = status_from_webhook(webhook.json_object())
        return CourierEvent(*parsed) if parsed else None


class CdekCourier:
    name = "cdek"

    def __init__(self, config: CdekConfig) -> None:
        self.config = config
        self._key = (config.base_url, config.client_id)

    def price_today(self, order: SameDayOrder) -> Price | None:
        body = {
            "type": 1,
            "currency": 1 if order.currency == "RUB" else None,
            "from_location": self.config.from_location.model_dump(exclude_none=True),
            "to_location": _to_location(order),
            "packages": [{"weight": self.config.package_weight_grams}],
        }
        answer = self._call("POST", "/v2/calculator/tarifflist", json={k: v for k, v in body.items() if v is not None})
        offers = [
            Decimal(str(t["delivery_sum"]))
            for t in answer.get("tariff_codes", [])
            if t.get("tariff_code") in self.config.tariff_codes
        ]
        return Price(min(offers), order.currency) if offers else None

    def create_shipment(self, order: SameDayOrder, slot: SameDaySlot, reference: str) -> ShipmentAccepted:
        body = {
            "type": 1,
            "number": reference,  # CDEK refuses a second order with the same number: our idempotency
            "tariff_code": self.config.tariff_codes[0],
            "comment": f"Same-day {slot.starts_at:%H:%M}-{slot.ends_at:%H:%M} UTC, order {order.external_id}",
            "from_location": self.config.from_location.model_dump(exclude_none=True),
            "to_location": _to_location(order),
            "recipient": {"name": order.customer_name, "phones": [{"number": order.customer_phone}]},
            "seller": {"name": self.config.seller_name} if self.config.seller_name else None,
            "packages": [
                {
                    "number": reference,
                    "weight": self.config.package_weight_grams,
                    "items": [
                        {
                            "name": item.name,
                            "ware_key": item.sku,
                            "payment": {"value": 0},  # prepaid: the courier collects nothing
                            "cost": str(item.unit_price),
                            "weight": max(1, self.config.package_weight_grams // max(1, len(order.items))),
                            "amount": item.quantity,
                        }
                        for item in order.items
                    ],
                }
            ],
        }
        answer = self._call("POST", "/v2/orders", json={k: v for k, v in body.items() if v is not None})
        uuid = (answer.get("entity") or {}).get("uuid")
        if not uuid:
            raise CourierError(f"CDEK accepted the order without an entity uuid: {answer}")
        return ShipmentAccepted(str(uuid), _request_state(answer, None))

    def shipment_status(self, provider_ref: str) -> ShipmentState:
        answer = self._call("GET", f"/v2/orders/{provider_ref}")
        entity = answer.get("entity") or {}
        statuses = entity.get("statuses") or []
        # CDEK lists statuses newest first; two set within one second keep that order.
        ranked = sorted(enumerate(statuses), key=lambda pair: (str(pair[1].get("date_time", "")), -pair[0]))
        latest = ranked[-1][1] if ranked else None
        return _request_state(answer, latest)

    # --- HTTP -------------------------------------------------------------------------------------

    def _token(self, *, fresh: bool = False) -> str:
        token = None if fresh else TOKENS.get(self._key)
        if token is not None:
            return token
        try:
            response = httpx.post(
                f"{self.config.base_url}/v2/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.config.client_id,
                    "client_secret": self.config.client_secret,
                },
                timeout=_TIMEOUT,
            )
        except httpx.HTTPError as error:
            raise CourierError(f"CDEK token request failed: {error!r}") from error
        if response.status_code != 200:
            raise CourierError(f"CDEK refused our client credentials ({response.status_code})")
        body = response.json()
        TOKENS.put(self._key, str(body["access_token"]), float(body.get("expires_in", 3600)))
        return str(body["access_token"])

    def _call(self, method: str, path: str, *, json: dict[str, Any] | None = None) -> dict[str, Any]:
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self._token(fresh=attempt > 0)}"}
            try:
                response = httpx.request(
                    method, f"{self.config.base_url}{path}", json=json, headers=headers, timeout=_TIMEOUT
                )
            except httpx.HTTPError as error:
                raise CourierError(f"CDEK {method} {path} failed: {error!r}") from error
            if response.status_code == 401 and attempt == 0:
                TOKENS.drop(self._key)  # revoked or expired early: fetch a new one once
                continue
            break
        if response.status_code >= 500 or response.status_code == 401:
            raise CourierError(f"CDEK {method} {path} answered {response.status_code}")
        body: dict[str, Any] = response.json() if response.content else {}
        if response.status_code >= 400:
            raise CourierRejected(_errors(body) or f"CDEK {method} {path} answered {response.status_code}")
        return body


def _to_location(order: SameDayOrder) -> dict[str, Any]:
    location: dict[str, Any] = {"address": order.address}
    if order.city:
        location["city"] = order.city
    if order.postcode:
        location["postal_code"] = order.postcode
    return location


def _errors(body: dict[str, Any]) -> str:
    messages = [str(e.get("message") or e.get("code")) for e in body.get("errors") or []]
    for request in body.get("requests") or []:
        messages += [str(e.get("message") or e.get("code")) for e in request.get("errors") or []]
    return "; ".join(messages)


def _request_state(answer: dict[str, Any], latest: dict[str, Any] | None) -> ShipmentState:
    number = (answer.get("entity") or {}).get("cdek_number")
    create = next((r for r in answer.get("requests") or [] if r.get("type") == "CREATE"), None)
    state = (create or {}).get("state", "SUCCESSFUL" if latest else "ACCEPTED")
    if state == "INVALID":
        return ShipmentState("rejected", "INVALID", number, _errors(answer) or "CDEK rejected the order")
    if state in ("ACCEPTED", "WAITING") and latest is None:
        return ShipmentState("requested", state, number)
    if latest is None:
        return ShipmentState("created", "CREATED", number)
    return map_status(str(latest.get("code")), latest.get("reason_code"), number)
