"""Same-day and payment-link endpoints order_confirm calls (service token only; never public).

Sync routes on purpose: in `okno run` order_confirm calls these over loopback from its own threadpool.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from contracts.http.same_day import PaymentLinkRequest, PaymentLinkView, SameDayAnswer, SameDayOrder
from services.common.admin import require_service_token
from services.common.app import runtime_of
from services.integrations.service import payment_links, same_day

router = APIRouter(
    prefix="/internal/v1/tenants/{tenant}",
    tags=["same-day (internal)"],
    dependencies=[Depends(require_service_token(runtime_of))],
)


@router.post("/same-day/quote", response_model=SameDayAnswer, summary="Same-day slots for an order, or why not")
def quote_same_day(tenant: str, order: SameDayOrder, request: Request) -> Any:
    runtime = runtime_of(request)
    with Session(runtime.engine) as session:
        return same_day.quote(session, tenant, order, now=runtime.clock())


@router.post(
    "/payment-links",
    response_model=PaymentLinkView,
    summary="The order's active payment link, created (201) and texted to the customer if it has none",
    responses={
        200: {"description": "The order's link that is still valid (resent by SMS when asked)"},
        409: {"description": "The slot is full now, the order is already paid, or a link is being created"},
        422: {"description": "Payments or same-day delivery are not set up for the shop"},
        502: {"description": "The payment provider failed or refused; retrying reuses the same payment"},
    },
)
def request_payment_link(tenant: str, body: PaymentLinkRequest, request: Request, response: Response) -> Any:
    link, created = payment_links.request_link(runtime_of(request), tenant, body)
    response.status_code = 201 if created else 200
    return link


@router.get("/orders/{order_id}/payment-link", response_model=PaymentLinkView, summary="The order's payment link")
def read_payment_link(tenant: str, order_id: int, request: Request) -> Any:
    with Session(runtime_of(request).engine) as session:
        return payment_links.view(payment_links.active_link(session, tenant, order_id))
