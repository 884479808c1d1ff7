"""`/api/v1/queue`: my open tasks, and claiming the next due one (a lease).

The claim (`POST /api/v1/queue/next`) is the hottest request (issue 13). Its route is declared like any
other, so OpenAPI documents its header, security, answers and errors from the declaration, but it is served
by hand (services/common/hand_served.py): `serve_claim` reads its two headers itself, checks the token
(remembered once verified), runs the claim's one statement and sends JSON built from the row. No dependency
solving, no session object, no ORM objects, no second validation of the answer. Errors are raised as
everywhere else, so the problem responses are the app's own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import StringConstraints, TypeAdapter, ValidationError

from services.common.hand_served import served_by
from services.common.problems import NotFound
from services.order_confirm.api.deps import (
    AccessClaimsDep,
    NowDep,
    PathId,
    SessionDep,
    WorkerScope,
)
from services.order_confirm.api.views import QueueItem, TaskView, claimed_item_json, queue_item, task_view
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.security.tokens import InvalidToken, VerifiedTokens
from services.order_confirm.service import queue, queue_claim
from services.order_confirm.service.auth import LOGIN_ENDED, NO_TOKEN

router = APIRouter(prefix="/api/v1/queue", tags=["queue"])

IDEMPOTENCY_KEY_MAX_LENGTH = 64
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=IDEMPOTENCY_KEY_MAX_LENGTH)]
_IDEMPOTENCY_KEY = TypeAdapter(Annotated[str, StringConstraints(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)])
_JSON = "application/json"
_tokens = VerifiedTokens()


@router.get("", response_model=list[QueueItem])
def my_queue(session: SessionDep, scope: WorkerScope, now: NowDep) -> list[QueueItem]:
    return [queue_item(entry, now) for entry in queue.my_queue(session, scope, now)]


async def claim_next(claims: AccessClaimsDep, now: NowDep, idempotency_key: IdempotencyKey = None) -> QueueItem:
    # Never called: the signature declares the route (security, header, answer) for OpenAPI; it is served
    # by `serve_claim` (services/common/hand_served.py).
    raise NotImplementedError


async def serve_claim(request: Request) -> Response:
    """What `claim_next` declares, in the order FastAPI would check it: the token, then the header, then the
    claim itself (whose statement also checks the login session, the account and the role)."""
    runtime: OrderConfirmRuntime = request.app.state.runtime
    now = runtime.clock()
    headers = request.headers
    scheme, token = get_authorization_scheme_param(headers.get("authorization"))
    if not token or scheme.lower() != "bearer":
        raise InvalidToken(NO_TOKEN)
    claims = _tokens.read(token, secret=runtime.settings.jwt_secret, now=now)
    key = _idempotency_key(headers.get("idempotency-key"))
    lease = timedelta(seconds=runtime.settings.task_lease_seconds)
    claim = await queue_claim.claim_next(runtime.async_engines.current(), claims, now, lease=lease, key=key)
    if claim.role is None:
        raise InvalidToken(LOGIN_ENDED)
    if claim.role.value not in queue_claim.WORKER_ROLES:
        raise NotFound("Not found.")  # as `WorkerScope` answers other roles
    if claim.answer is None:
        return Response(status_code=204)
    return Response(claimed_item_json(claim.answer, now), media_type=_JSON)


def _idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return _IDEMPOTENCY_KEY.validate_python(value)
    except ValidationError as error:
        raise RequestValidationError(
            [{**found, "loc": ("header", "Idempotency-Key")} for found in error.errors(include_url=False)]
        ) from None


router.add_api_route(
    "/next",
    claim_next,
    methods=["POST"],
    response_model=QueueItem,
    responses={204: {"description": "Nothing is due"}},
    route_class_override=served_by(serve_claim),
)


@router.post("/{task_id}/release", response_model=TaskView)
def release(session: SessionDep, scope: WorkerScope, now: NowDep, task_id: PathId) -> TaskView:
    return task_view(queue.release(session, scope, task_id, now))
