"""`POST /v1/webhooks/{tenant}/orders`: the shop's signed order webhook (public contract, DESIGN.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from contracts.orders import WebhookAccepted
from services.common.app import runtime_of
from services.common.db import is_sqlite, transaction
from services.common.db_async import pooled_driver
from services.common.hand_served import served_by
from services.common.problems import DomainError
from services.integrations.api import order_webhook_docs
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.intake_async import accept_order_webhook
from services.integrations.service.order_webhooks import WebhookRequest, receive_order_webhook
from services.integrations.service.tenant_cache import TenantCache

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload_too_large", "The webhook body is too large"


async def bounded_body(request: Request) -> bytes:
    """Read the body, refusing (413) past the limit without buffering the rest of an oversized upload."""
    limit: int = runtime_of(request).settings.webhook_max_bytes
    too_large = PayloadTooLarge(f"The body must be at most {limit} bytes.", max_bytes=limit)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    received = bytearray()
    async for chunk in request.stream():
        received.extend(chunk)
        if len(received) > limit:
            raise too_large
    return bytes(received)


async def receive_order(tenant: str, request: Request) -> Any:
    """The declaration, for OpenAPI: never called, `serve_order` serves the route (hand_served.py)."""
    raise NotImplementedError


async def serve_order(request: Request) -> Response:
    """The webhook without FastAPI's generic handler (issue 13: its parameter solving was ~5 % of the CPU of
    a webhook). The only parameter is the tenant's slug, a plain string the path always has."""
    runtime = runtime_of(request)
    body = await bounded_body(request)
    webhook = WebhookRequest(request.path_params["tenant"], {k.lower(): v for k, v in request.headers.items()}, body)
    if is_sqlite(runtime.engine):  # BEGIN IMMEDIATE serializes writers anyway: the sync path, in a thread
        accepted = await anyio.to_thread.run_sync(_receive_sync, runtime, webhook)
        return _answer(accepted)
    settings = runtime.settings
    async with pooled_driver(runtime.async_engines.current()) as driver:
        intake = await accept_order_webhook(
            driver,
            tenant_cache_of(request),
            webhook,
            now=runtime.clock(),
            tolerance=timedelta(seconds=settings.webhook_tolerance_seconds),
            publisher=runtime.outbox.source,
        )
    if intake.held is not None:
        runtime.batch_relay.hold(intake.held)
    return _answer(intake.accepted)


router.add_api_route(
    "/{tenant}/orders",
    receive_order,
    methods=["POST"],
    status_code=202,
    response_model=WebhookAccepted,
    summary="Receive a new, changed or cancelled order (Standard Webhooks signed)",
    description="The shop posts every new, changed or cancelled order of the tenant, signed with the tenant's "
    "webhook secret. Checks run before anything is stored: tenant, signature and timestamp, JSON, the order. "
    "Retrying with the same `webhook-id` is always safe. Guide: docs/intake.md.",
    responses=order_webhook_docs.RESPONSES,
    openapi_extra=order_webhook_docs.OPENAPI_EXTRA,
    route_class_override=served_by(serve_order),
)


def _answer(accepted: WebhookAccepted) -> Response:
    # Serialized here, not by FastAPI from `response_model` (which stays for the OpenAPI document).
    return Response(accepted.model_dump_json(), status_code=202, media_type="application/json")


def tenant_cache_of(request: Request) -> TenantCache:
    cache: TenantCache = request.app.state.tenant_cache  # one per app (create_app)
    return cache


def _receive_sync(runtime: IntegrationsRuntime, webhook: WebhookRequest) -> WebhookAccepted:
    with transaction(runtime.engine) as session:
        return receive_order_webhook(
            session,
            runtime.outbox,
            webhook,
            now=runtime.clock(),
            tolerance=timedelta(seconds=runtime.settings.webhook_tolerance_seconds),
        )
