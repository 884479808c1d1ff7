"""Webhooks from payment providers and couriers: `POST /v1/payments/{tenant}/stripe|yookassa`,
`POST /v1/couriers/{tenant}/cdek`. Each answers 200 once the event is recorded (or known already).

The routes only hand the request over: the tenant's provider adapter verifies and reads it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from services.common.app import runtime_of
from services.integrations.adapters.webhooks import InboundWebhook
from services.integrations.service import payment_events, shipments

router = APIRouter(tags=["provider webhooks"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Signature missing, malformed, wrong or older than 300 s (nothing changed)"},
    403: {"description": "Sender outside the provider's published network (when the check is on)"},
    404: {"description": "The tenant does not use this provider"},
    502: {"description": "The provider's API could not confirm the event; the provider will redeliver"},
}


@router.post("/v1/payments/{tenant}/stripe", summary="Stripe events (Checkout Session)", responses=_RESPONSES)
async def stripe_webhook(tenant: str, request: Request) -> dict[str, str]:
    webhook = await _webhook(request)
    outcome = await run_in_threadpool(payment_events.handle, runtime_of(request), tenant, "stripe", webhook)
    return {"status": outcome}


@router.post("/v1/payments/{tenant}/yookassa", summary="YooKassa notifications", responses=_RESPONSES)
async def yookassa_webhook(tenant: str, request: Request) -> dict[str, str]:
    webhook = await _webhook(request)
    webhook.json_object()  # unsigned: hostile JSON is a 422 before anything is looked up
    outcome = await run_in_threadpool(payment_events.handle, runtime_of(request), tenant, "yookassa", webhook)
    return {"status": outcome}


@router.post("/v1/couriers/{tenant}/cdek", summary="CDEK ORDER_STATUS webhooks")
async def cdek_webhook(tenant: str, request: Request) -> dict[str, str]:
    webhook = await _webhook(request)
    outcome = await run_in_threadpool(shipments.on_courier_webhook, runtime_of(request), tenant, "cdek", webhook)
    return {"status": outcome}


async def _webhook(request: Request) -> InboundWebhook:
    # Signatures cover the exact bytes, so the body is kept raw; the adapter parses it.
    client_ip = request.client.host if request.client else None
    return InboundWebhook(request.headers, await request.body(), client_ip)
