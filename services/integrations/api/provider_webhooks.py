"""Webhooks from payment providers and couriers: `POST /v1/payments/{tenant}/stripe|yookassa`,
`POST /v1/couriers/{tenant}/cdek`. Each answers 200 once the event is recorded (or known already)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from services.common import safe_json
from services.common.app import runtime_of
from services.common.problems import DomainError, Unprocessable
from services.integrations.adapters.couriers.base import CourierError
from services.integrations.adapters.couriers.cdek import status_from_webhook
from services.integrations.service import payment_events, shipments

router = APIRouter(tags=["provider webhooks"])


class CourierUnavailable(DomainError):
    status, code, title = 502, "courier_unavailable", "The courier's API did not answer"


_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Signature missing, malformed, wrong or older than 300 s (nothing changed)"},
    403: {"description": "Sender outside the provider's published network (when the check is on)"},
    404: {"description": "The tenant does not use this provider"},
    502: {"description": "The provider's API could not confirm the event; the provider will redeliver"},
}


@router.post("/v1/payments/{tenant}/stripe", summary="Stripe events (Checkout Session)", responses=_RESPONSES)
async def stripe_webhook(tenant: str, request: Request) -> dict[str, str]:
    # The signature covers the exact bytes, so the body is read raw before anything parses it.
    payload = await request.body()
    runtime = runtime_of(request)
    signature = request.headers.get("stripe-signature")
    outcome = await _in_thread(payment_events.handle_stripe, runtime, tenant, payload, signature)
    return {"status": outcome}


@router.post("/v1/payments/{tenant}/yookassa", summary="YooKassa notifications", responses=_RESPONSES)
async def yookassa_webhook(tenant: str, request: Request) -> dict[str, str]:
    body = _json_object(await request.body())
    client_ip = request.client.host if request.client else None
    outcome = await _in_thread(payment_events.handle_yookassa, runtime_of(request), tenant, body, client_ip)
    return {"status": outcome}


@router.post("/v1/couriers/{tenant}/cdek", summary="CDEK ORDER_STATUS webhooks")
async def cdek_webhook(tenant: str, request: Request) -> dict[str, str]:
    parsed = status_from_webhook(_json_object(await request.body()))
    if parsed is None:
        return {"status": "ignored"}
    uuid, _ = parsed  # CDEK does not sign webhooks: the status is re-read from its API before use
    try:
        changed = await _in_thread(shipments.on_courier_report, runtime_of(request), tenant, uuid)
    except CourierError as error:
        raise CourierUnavailable(f"CDEK did not confirm the status: {error}") from None
    return {"status": "applied" if changed else "ignored"}


def _json_object(raw: bytes) -> dict[str, Any]:
    body = safe_json.loads(raw)  # unauthenticated: bounded depth and numbers, 422 otherwise
    if not isinstance(body, dict):
        raise Unprocessable("The body must be a JSON object.")
    return body


async def _in_thread(fn: Any, *args: Any) -> Any:
    return await run_in_threadpool(fn, *args)
