"""Admin routes of ERP sync and outbound deliveries (service token; supervisors reach them via the console).

`/v1/deliveries` is the delivery log, `/v1/dead-letters` the pushes that ran out of retries, and
`POST /v1/dead-letters/{id}/replay` sends one again with its original message id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session

from contracts.http.erp_sync import (
    DeliveryStatus,
    DeliveryView,
    ErpConnectionIn,
    ErpConnectionOut,
    ShopWebhookIn,
    ShopWebhookOut,
)
from services.common.admin import require_service_token
from services.common.app import runtime_of
from services.common.db import transaction
from services.integrations.service import deliveries, erp_config

router = APIRouter(prefix="/v1", tags=["ERP sync (admin)"], dependencies=[Depends(require_service_token(runtime_of))])
Limit = Annotated[int, Query(ge=1, le=500)]


@router.put("/tenants/{tenant}/erp", response_model=ErpConnectionOut, summary="Connect a tenant's ERP")
def put_erp_connection(tenant: str, body: ErpConnectionIn, request: Request) -> Any:
    runtime = runtime_of(request)
    with transaction(runtime.engine) as session:
        return erp_config.set_erp_connection(session, tenant, body, now=runtime.clock())


@router.get("/tenants/{tenant}/erp", response_model=ErpConnectionOut, summary="A tenant's ERP connection and cursor")
def get_erp_connection(tenant: str, request: Request) -> Any:
    with Session(runtime_of(request).engine) as session:
        return erp_config.erp_connection_view(session, tenant)


@router.put("/tenants/{tenant}/shop-webhook", response_model=ShopWebhookOut, summary="Set the shop's webhook URL")
def put_shop_webhook(tenant: str, body: ShopWebhookIn, request: Request) -> Any:
    runtime = runtime_of(request)
    with transaction(runtime.engine) as session:
        return erp_config.set_shop_webhook(session, tenant, body, now=runtime.clock())


@router.get("/tenants/{tenant}/shop-webhook", response_model=ShopWebhookOut, summary="The shop's webhook URL")
def get_shop_webhook(tenant: str, request: Request) -> Any:
    with Session(runtime_of(request).engine) as session:
        return erp_config.shop_webhook_view(session, tenant)


@router.get("/deliveries", response_model=list[DeliveryView], summary="The delivery log, newest first")
def list_deliveries(
    request: Request,
    tenant: str | None = None,
    status: DeliveryStatus | None = None,
    before_id: int | None = None,
    limit: Limit = 100,
) -> Any:
    with Session(runtime_of(request).engine) as session:
        rows = deliveries.list_deliveries(session, tenant=tenant, status=status, before_id=before_id, limit=limit)
        return [deliveries.delivery_view(row) for row in rows]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryView, summary="One delivery with every attempt")
def get_delivery(delivery_id: int, request: Request, tenant: str | None = None) -> Any:
    with Session(runtime_of(request).engine) as session:
        return deliveries.delivery_detail(session, delivery_id, tenant=tenant)


@router.get("/dead-letters", response_model=list[DeliveryView], summary="Pushes that ran out of retries")
def list_dead_letters(request: Request, tenant: str | None = None, limit: Limit = 100) -> Any:
    with Session(runtime_of(request).engine) as session:
        dead = deliveries.list_deliveries(session, tenant=tenant, status="dead", limit=limit)
        return [deliveries.delivery_view(row) for row in dead]


@router.post(
    "/dead-letters/{delivery_id}/replay",
    response_model=DeliveryView,
    summary="Send a dead push again (same message id, fresh retry budget)",
    responses={404: {"description": "No such delivery"}, 409: {"description": "The delivery is not dead"}},
)
def replay_dead_letter(delivery_id: int, request: Request, tenant: str | None = None) -> Any:
    runtime = runtime_of(request)
    with transaction(runtime.engine) as session:
        return deliveries.delivery_view(deliveries.replay(session, delivery_id, tenant=tenant, now=runtime.clock()))
