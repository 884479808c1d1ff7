"""`/api/v1/orders/{id}`: read, start a call, record attempts, change (If-Match), confirm (in a call, or by
another channel with a reason), cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.bounds import BoundedAwareDatetime
from contracts.http.telephony import OutboundCallView
from services.common.problems import NotFound, PreconditionFailed
from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, RuntimeDep, SessionDep, WorkerScope
from services.order_confirm.api.views import AttemptView, OrderView, attempt_view, order_view
from services.order_confirm.clients.notify_telephony import NotifyTelephony
from services.order_confirm.domain.reasons import CancelReason, ConfirmChannel
from services.order_confirm.domain.vocabulary import Disposition, Role
from services.order_confirm.service import calls, changes, confirmations
from services.order_confirm.service.attempt_rules import AttemptInput
from services.order_confirm.service.orders import detail_after_write, detail_of, order_detail
from services.order_confirm.telephony import calls as telephony_calls

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


class CallStart(AttemptResult):
    call: OutboundCallView | None = Field(
        description="The call notify prepared; null when the shop has no telephony (dial by hand)"
    )


CALL_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {
        "description": "`call_in_progress` (another operator's call on this order), `line_busy` (you are on "
        "another call), `telephony_disabled`, `illegal_transition`"
    },
    422: {"description": "`number_rejected`: the customer's number cannot be called (the attempt stays open)"},
    503: {
        "description": "`telephony_unavailable` (with `Retry-After`) or `capability_not_configured`: the attempt "
        "is open (`attempt_id`), dial by hand and record its disposition as before",
        "content": {
            "application/problem+json": {
                "example": {"code": "telephony_unavailable", "attempt_id": 1042, "order_id": 311, "retry_after": 5}
            }
        },
    },
}


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


@router.post("/{order_id}/call", response_model=CallStart, responses=CALL_ERRORS)
def start_call(
    session: SessionDep, runtime: RuntimeDep, scope: WorkerScope, now: NowDep, order_id: PathId
) -> CallStart:
    """Start the call: the attempt opens (asking again returns the same one) and, where the shop calls
    through Okno, notify prepares the call (`call`; the softphone connects with `call.connect_params`, or
    Okno rings the operator's phone first). Without telephony `call` is null and the operator dials by hand."""
    attempt, plan = telephony_calls.begin_call(session, runtime, scope, order_id, now)
    order = order_view(order_detail(session, scope, order_id))
    session.commit()  # the attempt stands whatever notify answers: its disposition can be recorded by hand
    call = telephony_calls.dial(NotifyTelephony(runtime.settings), plan, attempt) if plan else None
    if call is not None and attempt.id is not None:
        telephony_calls.link_call(session, attempt.id, call.call.call_id)
        session.commit()
    return CallStart(attempt=attempt_view(attempt), order=order, call=call)


def _record(
    session: SessionDep, runtime: RuntimeDep, scope: WorkerScope, order_id: int, *, data: AttemptInput, now: datetime
) -> AttemptResult:
    attempt = calls.record_attempt(session, runtime, scope, order_id, data=data, now=now)
    session.flush()
    # Read back without the scope filter: the caller just worked this order, even if it left their scope.
    detail = detail_after_write(session, attempt.order_id)
    return AttemptResult(attempt=attempt_view(attempt), order=order_view(detail))


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
    detail = detail_after_write(session, order_id)
    return ConfirmResult(attempt=attempt_view(attempt) if attempt else None, order=order_view(detail))


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
