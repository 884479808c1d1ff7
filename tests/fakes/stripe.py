"""A local Stripe: Checkout Sessions over Stripe's wire protocol, and events signed like Stripe signs them.

The official SDK talks to it unchanged (Bearer secret key, form-encoded nested parameters,
`Idempotency-Key`, JSON objects, Stripe error bodies). `signed_event` builds the `Stripe-Signature`
header (`t=<unix>,v1=<HMAC-SHA256 of "t.payload">`) a webhook endpoint must verify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

_KEY = re.compile(r"\[([^\]]*)\]")


@dataclass
class FakeStripe:
    api_key: str = "sk_test_okno"
    webhook_secret: str = "whsec_okno_test_secret"
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_idempotency_key: dict[str, str] = field(default_factory=dict)
    create_requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app(self) -> FastAPI:
        app = FastAPI()
        app.post("/v1/checkout/sessions")(self._create)
        app.get("/v1/checkout/sessions/{session_id}")(self._retrieve)
        return app

    def complete(self, session_id: str) -> dict[str, Any]:
        """The customer paid on Stripe's page: the event Stripe then sends."""
        with self.lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="paid", payment_intent="pi_" + secrets.token_hex(12))
            return self._event("checkout.session.completed", session)

    def expire(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            session = self.sessions[session_id]
            session.update(status="expired")
            return self._event("checkout.session.expired", session)

    def signed_event(
        self, event: dict[str, Any], *, secret: str | None = None, at: int | None = None
    ) -> tuple[bytes, str]:
        payload = json.dumps(event).encode()
        timestamp = at if at is not None else int(time.time())
        signed = f"{timestamp}.".encode() + payload
        digest = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256).hexdigest()
        return payload, f"t={timestamp},v1={digest}"

    def _event(self, event_type: str, session: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "type": event_type,
            "livemode": False,
            "data": {"object": dict(session)},
        }

    async def _create(self, request: Request) -> JSONResponse:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "invalid_request_error", f"Invalid API Key provided: {self.api_key[:8]}***")
        params = _nested(list((await request.form()).multi_items()))
        key = request.headers.get("Idempotency-Key")
        with self.lock:
            if key and key in self.by_idempotency_key:
                return JSONResponse(self.sessions[self.by_idempotency_key[key]])
        if params.get("mode") != "payment" or not params.get("success_url"):
            return _error(400, "invalid_request_error", "Missing required param: mode or success_url.")
        items = params.get("line_items") or {}
        try:
            total = sum(
                int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1)) for item in items.values()
            )
            currency = next(iter(items.values()))["price_data"]["currency"]
        except (KeyError, StopIteration, ValueError):
            return _error(400, "invalid_request_error", "line_items[0][price_data] is invalid.")
        session_id = "cs_test_" + secrets.token_hex(16)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": total,
            "currency": currency,
            "client_reference_id": params.get("client_reference_id"),
            "created": int(time.time()),
            "expires_at": int(params.get("expires_at") or time.time() + 86400),
            "metadata": params.get("metadata") or {},
            "mode": "payment",
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
        }
        with self.lock:
            self.sessions[session_id] = session
            if key:
                self.by_idempotency_key[key] = session_id
            self.create_requests.append({"idempotency_key": key, "params": params})
        return JSONResponse(session)

    async def _retrieve(self, session_id: str, request: Request) -> JSONResponse:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "invalid_request_error", "Invalid API Key provided.")
        with self.lock:
            session = self.sessions.get(session_id)
        if session is None:
            return _error(404, "invalid_request_error", f"No such checkout.session: '{session_id}'")
        return JSONResponse(session)


def _nested(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`line_items[0][price_data][currency]=rub` -> {"line_items": {"0": {"price_data": {"currency": "rub"}}}}."""
    result: dict[str, Any] = {}
    for raw_key, value in pairs:
        head = raw_key.split("[", 1)[0]
        path = [head, *_KEY.findall(raw_key)]
        node = result
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = str(value)
    return result


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)
