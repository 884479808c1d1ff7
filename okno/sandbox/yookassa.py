"""A local YooKassa (API v3) with a pay page: the sandbox payment provider of `okno run`, and the tests' fake.

It speaks YooKassa's wire protocol (Basic auth shop id / secret key, `Idempotence-Key`, payment objects,
`confirmation_url`, capture, notifications), so integrations' production YooKassa adapter talks to it
unchanged. The pay page plays the customer: "Pay" moves the payment on and posts the notification to the
shop's notification URL, exactly like YooKassa's own checkout.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool


@dataclass
class YooKassaSandbox:
    shop_id: str = "100500"
    secret_key: str = "test_okno_sandbox_secret"
    # Where the pay page is reachable; None = the URL the API was called at (right behind a mount).
    public_url: str | None = None
    # The shop's notification URL (a YooKassa dashboard setting). "{origin}" is public_url without the
    # sandbox's own path, "{shop_id}" the calling shop: one sandbox then serves every demo tenant.
    notification_url: str | None = None
    # `okno run`: every demo shop authenticates with its own key, looked up by shop id (the tenant's sandbox
    # payment setup); None = the one `shop_id` / `secret_key` pair above (the tests' fake).
    shop_keys: Callable[[str], str | None] | None = None
    # `okno run`: the pay page is for signed-in users of the shop (a sandbox ticket's tenant, okno/sandbox/
    # checkout.py); None = the plain form page anyone with the link may use (the tests' fake).
    ticket_tenant: Callable[[str], str | None] | None = None
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_by_key: dict[str, str] = field(default_factory=dict)
    create_requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app(self) -> FastAPI:
        app = FastAPI(title="YooKassa sandbox", docs_url=None, redoc_url=None, openapi_url=None)
        app.post("/v3/payments")(self._create)
        app.get("/v3/payments/{payment_id}")(self._get)
        app.post("/v3/payments/{payment_id}/capture")(self._capture)
        app.post("/v3/payments/{payment_id}/cancel")(self._cancel)
        if self.ticket_tenant is not None:
            from okno.sandbox.checkout import add_guarded_checkout

            add_guarded_checkout(app, self, self.ticket_tenant)
        else:
            app.get("/pay/{payment_id}", response_class=HTMLResponse)(self._pay_page)
            app.post("/pay/{payment_id}")(self._pay)
        return app

    # --- what a test (or the pay page) does as the customer --------------------------------------------

    def pay(self, payment_id: str) -> dict[str, Any]:
        """The customer paid: `succeeded` (or `waiting_for_capture` for a two-stage payment)."""
        with self.lock:
            payment = self.payments[payment_id]
            if payment["status"] == "pending":
                payment["paid"] = True
                if payment.get("_capture", True):
                    payment["status"] = "succeeded"
                    payment["captured_at"] = _now()
                else:
                    payment["status"] = "waiting_for_capture"
            return _public(payment)

    def decline(self, payment_id: str) -> dict[str, Any]:
        with self.lock:
            payment = self.payments[payment_id]
            if payment["status"] == "pending":
                payment["status"] = "canceled"
                payment["cancellation_details"] = {"party": "payment_network", "reason": "card_expired"}
            return _public(payment)

    def notification(self, payment_id: str, event: str) -> dict[str, Any]:
        """The body YooKassa posts for `event` (payment.succeeded, payment.waiting_for_capture, payment.canceled)."""
        with self.lock:
            return {"type": "notification", "event": event, "object": _public(self.payments[payment_id])}

    def notify(self, payment_id: str, event: str) -> int | None:
        url = self.payments[payment_id].get("_notification_url")
        if not url:
            return None
        return httpx.post(url, json=self.notification(payment_id, event), timeout=15).status_code

    # --- the API --------------------------------------------------------------------------------------

    async def _create(self, request: Request) -> JSONResponse:
        problem = await self._auth(request)
        if problem:
            return problem
        key = request.headers.get("Idempotence-Key")
        if not key:
            return _error(400, "invalid_request", "Idempotence-Key header is required", "Idempotence-Key")
        body = await request.json()
        with self.lock:
            if key in self.created_by_key:
                return JSONResponse(_public(self.payments[self.created_by_key[key]]))
        try:
            value = Decimal(str(body["amount"]["value"]))
            currency = str(body["amount"]["currency"])
        except (KeyError, TypeError, InvalidOperation):
            return _error(400, "invalid_request", "amount.value and amount.currency are required", "amount")
        if value <= 0:
            return _error(400, "invalid_request", "Amount must be positive", "amount.value")
        confirmation = body.get("confirmation") or {}
        if confirmation.get("type") != "redirect":
            return _error(400, "invalid_request", "Only redirect confirmation is supported", "confirmation.type")
        payment_id = f"2{uuid.uuid4().hex[:7]}-000f-5000-9000-{uuid.uuid4().hex[:12]}"
        public_url = self.public_url or str(request.url).removesuffix("/v3/payments")
        shop_id = _basic_user(request)
        payment = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": {"value": f"{value:.2f}", "currency": currency},
            "confirmation": {
                "type": "redirect",
                "return_url": confirmation.get("return_url"),
                "confirmation_url": f"{public_url}/pay/{payment_id}",
            },
            "created_at": _now(),
            "description": body.get("description"),
            "metadata": body.get("metadata") or {},
            "recipient": {"account_id": self.shop_id, "gateway_id": "100700"},
            "refundable": False,
            "test": True,
            "_capture": bool(body.get("capture", False)),
            "_public_url": public_url,
            "_shop": shop_id,
            "_notification_url": (self.notification_url or "").format(
                origin=public_url.removesuffix("/sandbox/yookassa"), shop_id=shop_id
            )
            or None,
        }
        with self.lock:
            self.payments[payment_id] = payment
            self.created_by_key[key] = payment_id
            self.create_requests.append({"idempotence_key": key, "body": body})
        return JSONResponse(_public(payment))

    async def _get(self, payment_id: str, request: Request) -> JSONResponse:
        problem = await self._auth(request)
        if problem:
            return problem
        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None or not self._owned(payment, request):
                return _error(404, "not_found", "Incorrect payment_id. Payment doesn't exist or access denied", "id")
            return JSONResponse(_public(payment))

    async def _capture(self, payment_id: str, request: Request) -> JSONResponse:
        problem = await self._auth(request)
        if problem:
            return problem
        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None or not self._owned(payment, request):
                return _error(404, "not_found", "Payment doesn't exist", "id")
            if payment["status"] == "waiting_for_capture":
                payment["status"] = "succeeded"
                payment["captured_at"] = _now()
            return JSONResponse(_public(payment))

    async def _cancel(self, payment_id: str, request: Request) -> JSONResponse:
        problem = await self._auth(request)
        if problem:
            return problem
        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None or not self._owned(payment, request):
                return _error(404, "not_found", "Payment doesn't exist", "id")
            if payment["status"] in ("pending", "waiting_for_capture"):
                payment["status"] = "canceled"
                payment["cancellation_details"] = {"party": "merchant", "reason": "canceled_by_merchant"}
            return JSONResponse(_public(payment))

    async def _pay_page(self, payment_id: str) -> HTMLResponse:
        with self.lock:
            payment = self.payments.get(payment_id)
        if payment is None:
            return HTMLResponse("<h1>Payment not found</h1>", status_code=404)
        amount = payment["amount"]
        done = payment["status"] != "pending"
        buttons = (
            f"<p class=status>Status: <b id=status>{escape(payment['status'])}</b></p>"
            if done
            else "<button name=action value=pay id=pay>Pay</button> "
            "<button name=action value=decline id=decline>Decline</button>"
        )
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>Sandbox checkout</title>"
            "<style>body{font:16px system-ui;max-width:28rem;margin:3rem auto}button{font-size:1.1rem;"
            "padding:.6rem 1.4rem;margin-right:.5rem}</style>"
            f"<h1>Sandbox checkout</h1><p>{escape(str(payment.get('description') or ''))}</p>"
            f"<p>Amount: <b>{escape(amount['value'])} {escape(amount['currency'])}</b></p>"
            f"<form method=post>{buttons}</form><p><small>No money moves: this is Okno's sandbox.</small></p>"
        )

    async def _pay(self, payment_id: str, request: Request) -> RedirectResponse:
        form = await request.form()
        if payment_id in self.payments:
            await self.customer_acts(payment_id, pay=form.get("action") == "pay")
        return RedirectResponse(str(request.url), status_code=303)

    async def customer_acts(self, payment_id: str, *, pay: bool) -> str:
        """The customer pays (or declines) on the checkout page; YooKassa then notifies the shop."""
        if pay:
            payment = self.pay(payment_id)
            event = "payment.succeeded" if payment["status"] == "succeeded" else "payment.waiting_for_capture"
        else:
            payment = self.decline(payment_id)
            event = "payment.canceled"
        # Like YooKassa, a failed notification is not fatal: the shop finds out by asking for the payment.
        # A worker thread, because in `okno run` the shop's webhook is served by this very event loop.
        with contextlib.suppress(httpx.HTTPError):
            await run_in_threadpool(self.notify, payment_id, event)
        return str(payment["status"])

    def _owned(self, payment: dict[str, Any], request: Request) -> bool:
        """One shop never sees another's payments (they share the `okno run` sandbox)."""
        return self.shop_keys is None or payment.get("_shop") == _basic_user(request)

    async def _auth(self, request: Request) -> JSONResponse | None:
        if self.shop_keys is None:
            shop_id, key = self.shop_id, self.secret_key
        else:
            shop_id = _basic_user(request)
            found = await run_in_threadpool(self.shop_keys, shop_id) if shop_id else None
            if found is None:
                return _error(401, "invalid_credentials", "Authentication by given credentials failed", None)
            key = found
        expected = "Basic " + base64.b64encode(f"{shop_id}:{key}".encode()).decode()
        if not hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected.encode()):
            return _error(401, "invalid_credentials", "Authentication by given credentials failed", None)
        return None


def _basic_user(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    try:
        return base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)[0]
    except (ValueError, UnicodeDecodeError):
        return ""


def _public(payment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payment.items() if not k.startswith("_")}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, code: str, description: str, parameter: str | None) -> JSONResponse:
    body = {"type": "error", "id": str(uuid.uuid4()), "code": code, "description": description}
    if parameter:
        body["parameter"] = parameter
    return JSONResponse(body, status_code=status)
