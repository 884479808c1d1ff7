"""Routes every service has for operations staff and sibling services: dead letters, outbox state.

Guarded by the service token (`OKNO_SERVICE_TOKEN`); supervisors reach them through order_confirm's
scoped API, never directly.
"""

import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from services.common.messaging.dead_letters import DeadLetterNotFound
from services.common.problems import NotFound, Unauthorized
from services.common.runtime import Runtime


class DeadLetterView(BaseModel):
    id: int
    message_id: str
    message_type: str
    tenant: str
    actor_name: str
    error: str
    retries: int
    failed_at: datetime
    replayed_at: datetime | None
    replay_count: int
    envelope: dict[str, Any]


def require_service_token(
    runtime: Callable[[Request], Runtime[Any]],
) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        header = request.headers.get("Authorization", "")
        expected = f"Bearer {runtime(request).settings.service_token}"
        if not hmac.compare_digest(header.encode(), expected.encode()):
            raise Unauthorized("A valid service token is required.")

    return check


def admin_router(runtime: Callable[[Request], Runtime[Any]]) -> APIRouter:
    router = APIRouter(
        prefix="/admin",
        tags=["admin"],
        dependencies=[Depends(require_service_token(runtime))],
    )
    RuntimeDep = Annotated[Runtime[Any], Depends(runtime)]

    @router.get("/dead-letters", response_model=list[DeadLetterView])
    def list_dead_letters(rt: RuntimeDep, tenant: str | None = None, include_replayed: bool = False) -> list[Any]:
        return [
            DeadLetterView.model_validate(row, from_attributes=True)
            for row in rt.dead_letters.list(tenant=tenant, include_replayed=include_replayed)
        ]

    @router.post("/dead-letters/{dead_letter_id}/replay", response_model=DeadLetterView)
    def replay_dead_letter(rt: RuntimeDep, dead_letter_id: int, tenant: str | None = None) -> Any:
        try:
            row = rt.dead_letters.replay(rt.broker, dead_letter_id, tenant=tenant)
        except DeadLetterNotFound:
            raise NotFound(f"No dead letter {dead_letter_id}.") from None
        return DeadLetterView.model_validate(row, from_attributes=True)

    @router.get("/outbox")
    def outbox_state(rt: RuntimeDep) -> dict[str, float]:
        return {"lag_seconds": rt.outbox.lag_seconds()}

    return router
