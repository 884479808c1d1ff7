"""What every QA route shares: the tenant path id, the prefix and the documented errors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from services.order_confirm.api.deps import DB_INT_MAX

TenantId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The tenant (shop) whose calls are evaluated")]
PREFIX = "/api/v1/qa/tenants/{tenant_id}"
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such tenant or row, or your role has no part in it (problem+json `not_found`)"},
}
ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"description": "The state does not allow it (already submitted, disputed once, …): problem+json"},
    412: {"description": "Changed since you read it (send the current `revision` / `based_on_version`)"},
    422: {"description": "Not valid: problem+json with `code` and `errors` (field and reason)"},
}
