"""`/api/v1/orders/{id}`: read, start a call, record attempts, change (If-Match), confirm (in a call, or by
another channel with a reason), cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.bounds import BoundedAwareDatetime
from services.common.problems import NotFound, PreconditionFailed
from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, RuntimeDep, SessionDep, WorkerScope
from services.order_confirm.api.views import AttemptView, OrderView, attempt_view, order_view
from services.order_confirm.domain.reasons import CancelReason, ConfirmChannel
from services.order_confirm.domain.vocabulary import Disposition, Role
from services.order_confirm.models import Order
from services.order_confirm.service import calls, changes, confirmations
from services.order_confirm.service.attempt_rules import AttemptInput
from services.order_confirm.service.orders import detail_of, order_detail

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=64)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such order in your scope"},
    409: {"description": "Illegal transition"},
}


class AttemptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disposition: Disposition
    started_at: BoundedAwareDatetime | None = None
    ended_at: BoundedAwareDatetime | None = None
    reason_code: Annotated[str, StringConstraints(max_length=50)] | None = None
    comment: Comment | None = None
    callback_at: BoundedAwareDatetime | None = None


class ConfirmRequest(BaseModel):
    """In a call: `{comment?}`. Without a call: `channel` and `reason` say how the customer confirmed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"comment": "Leave at the door"},
                {"channel": "sms", "reason": "Replied YES to the shop's order text at 10:42", "comment": None},
            ]
        },
    )
    comment: Comment | None = Field(None, description="For the shop and the courier")
    channel: ConfirmChannel | None = Field(None, description="Only without a call: how the customer confirmed")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)] | None = Field(
        None, description="Only without a call (required then, except for a paid order): what the customer said, where"
    )


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason_code: CancelReason
    comment: Comment | None = None


class AttemptResult(BaseModel):
    attempt: AttemptView
    order: OrderView


class ConfirmResult(BaseModel):
    attempt: AttemptView | None = Field(description="The call confirmed; null when confirmed by another channel")
    order: OrderView


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise PreconditionFailed(f"If-Match must be the order's version, e.g. '\"3\"', not {if_match!r}.") from None


@router.get("/{order_id}", response_model=OrderView, responses=ERRORS)
def get_order(session: SessionDep, scope: CurrentScope, response: Response, order_id: PathId) -> OrderView:
    if scope.role is Role.CLIENT_MANAGER:
        raise NotFound(f"No order {order_id}.")
    detail = order_detail(session, scope, order_id)
    _etag(response, detail.order.version)
    return order_view(detail)


@router.post("/{order_id}/call", response_model=AttemptResult, responses=ERRORS)
def start_call(
    session: SessionDep, runtime: RuntimeDep, scope: WorkerScope, now: NowDep, order_id: PathId
) -> AttemptResult:
    attempt = calls.start_call(session, runtime, scope, order_id, now)
    return AttemptResult(attempt=attempt_view(attempt), order=order_view(order_detail(session, scope, order_id)))


def _record(
    session: SessionDep, runtime: RuntimeDep, scope: WorkerScope, order_id: int, *, data: AttemptInput, now: datetime
) -> AttemptResult:
    attempt = calls.record_attempt(session, runtime, scope, order_id, data=data, now=now)
    session.flush()
    # Read back without the scope filter: the caller just worked this order, even if it left their scope.
    order = session.get(Order, attempt.order_id)
    assert order is not None
    return AttemptResult(attempt=attempt_view(attempt), order=order_view(detail_of(session, order)))


@router.post("/{order_id}/attempts", response_model=AttemptResult, status_code=201, responses=ERRORS)
def record_attempt(
    *,
    session: SessionDep,
    runtime: RuntimeDep,
    scope: WorkerScope,
    now: NowDep,
    order_id: PathId,
    body: AttemptRequest,
    idempotency_key: IdempotencyKey = None,
) -> AttemptResult:
    data = AttemptInput(**body.model_dump(), idempotency_key=idempotency_key)
    return _record(session, runtime, scope, order_id, data=data, now=now)


@router.post(
    "/{order_id}/confirm",
    response_model=ConfirmResult,
    responses={
        **ERRORS,
        409: {"description": "`call_required` (no call in progress and no reason), `illegal_transition`"},
        422: {"description": "`invalid_confirmation`: channel or reason given during a call"},
    },
)
def confirm(
    *,
    session: SessionDep,
    runtime: RuntimeDep,
    scope: WorkerScope,
    now: NowDep,
    order_id: PathId,
    body: ConfirmRequest,
    idempotency_key: IdempotencyKey = None,
) -> ConfirmResult:
    """Confirm the call in progress; without a call only with `channel` and `reason` (or a paid order)."""
    data = confirmations.Confirmation(body.comment, body.channel, body.reason, idempotency_key)
    attempt = confirmations.confirm(session, runtime, scope, order_id, data=data, now=now)
    session.flush()
    order = session.get(Order, order_id)
    assert order is not None
    return ConfirmResult(
        attempt=attempt_view(attempt) if attempt else None, order=order_view(detail_of(session, order))
    )


@router.post("/{order_id}/cancel", response_model=AttemptResult, responses=ERRORS)
def cancel(
    *,
    session: SessionDep,
    runtime: RuntimeDep,
    scope: WorkerScope,
    now: NowDep,
    order_id: PathId,
    body: CancelRequest,
    idempotency_key: IdempotencyKey = None,
) -> AttemptResult:
    data = AttemptInput(
        Disposition.CANCELLED, reason_code=body.reason_code.value, comment=body.comment, idempotency_key=idempotency_key
    )
    return _record(session, runtime, scope, order_id, data=data, now=now)


@router.patch(
    "/{order_id}",
    response_model=OrderView,
    responses={**ERRORS, 412: {"description": "Stale version"}, 428: {"description": "If-Match missing"}},
)
def change(
    *,
    session: SessionDep,
    runtime: RuntimeDep,
    scope: WorkerScope,
    now: NowDep,
    response: Response,
    order_id: PathId,
    body: changes.OrderPatch,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=40)] = None,
) -> OrderView:
    order = changes.change_order(
        session, runtime, scope, order_id, expected_version=_version(if_match), patch=body, now=now
    )
    _etag(response, order.version)
    return order_view(detail_of(session, order))
