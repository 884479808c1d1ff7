"""`/api/v1/admin/tenants/{id}/policy`: a tenant's policy — retries, calling hours, cover grace, service level,
planning and QA targets (supervisors and admins change it, client managers read it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Response
from fastapi.openapi.models import Example
from pydantic import BaseModel, Field

from services.order_confirm.api.deps import CurrentScope, NowDep, PathId, SessionDep
from services.order_confirm.domain.policy_document import EXAMPLE, PolicyDocument
from services.order_confirm.service import tenant_policy
from services.order_confirm.service.scope import Scope

router = APIRouter(prefix="/api/v1/admin/tenants", tags=["tenant policy"])
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=200, description="The ETag of the policy being changed (from GET)"),
]
_VIEW_EXAMPLE: dict[str, Any] = {"tenant_id": 1, "etag": '"5b1f0c9e2d7a4c3b8e61"', "policy": EXAMPLE, "ignored": []}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such tenant among yours (or your role may not do this)"},
    412: {
        "description": "`stale_version`: the policy changed since it was read; `current_etag` says to what",
        "content": {
            "application/problem+json": {
                "example": {
                    "type": "https://okno.dev/problems/stale_version",
                    "title": "The resource changed since you read it",
                    "status": 412,
                    "code": "stale_version",
                    "detail": "The policy changed since you read it; read it again and repeat your change.",
                    "instance": "/api/v1/admin/tenants/1/policy",
                    "current_etag": '"0d4e6a1b7c2f93e85a10"',
                }
            }
        },
    },
    422: {
        "description": "`validation_failed` / `invalid_policy`: every bad field in `errors`",
        "content": {
            "application/problem+json": {
                "example": {
                    "type": "https://okno.dev/problems/validation_failed",
                    "title": "The request is not valid",
                    "status": 422,
                    "code": "validation_failed",
                    "detail": "One or more fields are invalid; see `errors`.",
                    "instance": "/api/v1/admin/tenants/1/policy",
                    "errors": [
                        {
                            "field": "retry_steps.0",
                            "message": "'-5m' is a negative delay: a retry cannot come before the unanswered call",
                            "type": "invalid_policy",
                        },
                        {
                            "field": "max_attempts",
                            "message": "Input should be greater than or equal to 1",
                            "type": "greater_than_equal",
                        },
                        {
                            "field": "calling_hours",
                            "message": "Calling hours 21:00–09:00 are empty: `start` must come before `end`",
                            "type": "invalid_policy",
                        },
                    ],
                }
            }
        },
    },
    428: {"description": "`if_match_required`: send the policy's ETag in If-Match"},
}
_PATCH_EXAMPLES: dict[str, Example] = {
    "calling hours": {
        "summary": "Call from 10:00 to 20:00",
        "value": {"calling_hours": {"start": "10:00", "end": "20:00"}},
    },
    "retries": {
        "summary": "Fewer, later retries",
        "value": {"retry_steps": ["1h", "next_day 11:00"], "max_attempts": 3},
    },
    "targets": {
        "summary": "Planning and service-level targets",
        "value": {"service_level": {"within_minutes": 30}, "planning": {"shrinkage": 0.25}},
    },
}


class PolicyView(BaseModel):
    model_config = {"json_schema_extra": {"examples": [_VIEW_EXAMPLE]}}
    tenant_id: int
    etag: str = Field(description="The version to send in If-Match when changing it (also the ETag header)")
    policy: PolicyDocument = Field(description="The policy in force (defaults filled in)")
    ignored: list[dict[str, str]] = Field(
        description="Stored values that are not valid and so not in force (set by hand in the database)"
    )


def _caller(scope: Scope) -> tenant_policy.Caller:
    return tenant_policy.Caller(actor=scope.operator, role=scope.role, tenant_ids=scope.tenant_ids)


def _view(response: Response, state: tenant_policy.PolicyState) -> PolicyView:
    response.headers["ETag"] = state.etag
    return PolicyView(tenant_id=state.tenant_id, etag=state.etag, policy=state.document, ignored=state.ignored)


@router.get("/{tenant_id}/policy", response_model=PolicyView, responses=ERRORS)
def read_policy(tenant_id: PathId, session: SessionDep, scope: CurrentScope, response: Response) -> PolicyView:
    return _view(response, tenant_policy.read(session, _caller(scope), tenant_id))


@router.put("/{tenant_id}/policy", response_model=PolicyView, responses=ERRORS)
def replace_policy(
    tenant_id: PathId,
    body: PolicyDocument,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
    response: Response,
    if_match: IfMatch = None,
) -> PolicyView:
    """The whole policy (a key left out takes its default); applies to the next retry and sweep."""
    state = tenant_policy.replace(session, _caller(scope), tenant_id, body, if_match=if_match, now=now)
    return _view(response, state)


@router.patch("/{tenant_id}/policy", response_model=PolicyView, responses=ERRORS)
def patch_policy(
    tenant_id: PathId,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
    response: Response,
    body: Annotated[
        dict[str, Any],
        Body(
            description="JSON Merge Patch (RFC 7396) of the policy (application/json or application/merge-patch+json):"
            " only the keys given change; a key set to null goes back to its default",
            openapi_examples=_PATCH_EXAMPLES,
        ),
    ],
    if_match: IfMatch = None,
) -> PolicyView:
    """Change some keys; the result is validated as a whole (every bad field in one 422)."""
    state = tenant_policy.patch(session, _caller(scope), tenant_id, body, if_match=if_match, now=now)
    return _view(response, state)
