"""`/api/v1/orders/{id}/same-day` and `/payment-link`: the order card's same-day panel.

Slots and links come from integrations (which alone holds courier and payment credentials). Each route
commits its reads before calling integrations, so no database lock is held during that call.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, StringConstraints

from contracts.http.same_day import PaymentLinkRequest, SameDayAnswer
from services.common.money import from_minor
from services.order_confirm.api.deps import CurrentOperator, NowDep, PathId, RuntimeDep, SessionDep, WorkerScope
from services.order_confirm.clients.integrations import IntegrationsClient
from services.order_confirm.models import PaymentLink
from services.order_confirm.service import same_day

router = APIRouter(prefix="/api/v1/orders", tags=["same-day"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such order in your scope, or it has no payment link"},
    409: {"description": "Slot just filled up, order already paid or not payable, customer has no mobile"},
    422: {"description": "Same-day delivery or payments are not set up for the shop"},
    502: {"description": "The payment provider failed; asking again reuses the same payment"},
    503: {"description": "integrations is unreachable"},
}


class PaymentLinkAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slot_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    resend_sms: bool = False
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = None


class SlotView(BaseModel):
    slot_id: str
    starts_at: datetime
    ends_at: datetime


class PaymentLinkOut(BaseModel):
    link_id: str
    status: str
    url: str | None
    amount: Decimal
    currency: str
    expires_at: datetime
    slot: SlotView | None
    sms_status: str | None
    paid_at: datetime | None
    failure_reason: str | None
    updated_at: datetime


def link_out(link: PaymentLink) -> PaymentLinkOut:
    slot = None
    if link.slot_id and link.slot_starts_at and link.slot_ends_at:
        slot = SlotView(slot_id=link.slot_id, starts_at=link.slot_starts_at, ends_at=link.slot_ends_at)
    return PaymentLinkOut(
        link_id=link.link_id,
        status=link.status,
        url=link.url,
        amount=from_minor(link.amount_minor, link.currency),
        currency=link.currency,
        expires_at=link.expires_at,
        slot=slot,
        sms_status=link.sms_status,
        paid_at=link.paid_at,
        failure_reason=link.failure_reason,
        updated_at=link.updated_at,
    )


@router.get(
    "/{order_id}/same-day",
    response_model=SameDayAnswer,
    summary="Today's same-day slots with price, or the reason same-day delivery is not possible",
    responses=ERRORS,
)
def same_day_slots(order_id: PathId, session: SessionDep, scope: WorkerScope, runtime: RuntimeDep) -> Any:
    call = same_day.prepare(session, scope, order_id)
    session.commit()
    return IntegrationsClient(runtime.settings).same_day(call.tenant, call.order)


@router.post(
    "/{order_id}/payment-link",
    response_model=PaymentLinkOut,
    status_code=201,
    summary="Create the order's payment link and text it (201), or return/resend the valid one (200)",
    responses={200: {"description": "The order's link that is still valid"}, **ERRORS},
)
def create_payment_link(
    order_id: PathId,
    body: PaymentLinkAsk,
    session: SessionDep,
    scope: WorkerScope,
    operator: CurrentOperator,
    runtime: RuntimeDep,
    now: NowDep,
    response: Response,
) -> Any:
    call = same_day.prepare(session, scope, order_id, for_payment=True)
    session.commit()
    language = body.language or call.language
    request = PaymentLinkRequest(order=call.order, slot_id=body.slot_id, language=language, resend_sms=body.resend_sms)
    view, created = IntegrationsClient(runtime.settings).payment_link(call.tenant, request)
    link = same_day.record_link(session, scope, operator, view, created=created, now=now)
    response.status_code = 201 if created else 200
    return link_out(link)


@router.get(
    "/{order_id}/payment-link",
    response_model=PaymentLinkOut,
    summary="The order's latest payment link and its live status (created, sent, paid, expired, failed)",
    responses=ERRORS,
)
def read_payment_link(order_id: PathId, session: SessionDep, scope: WorkerScope) -> Any:
    return link_out(same_day.latest_link(session, scope, order_id))


@router.get(
    "/{order_id}/payment-links",
    response_model=list[PaymentLinkOut],
    summary="All payment links of the order, newest first (empty while none was created)",
    responses=ERRORS,
)
def list_payment_links(order_id: PathId, session: SessionDep, scope: WorkerScope) -> Any:
    return [link_out(link) for link in same_day.links_of(session, scope, order_id)]
