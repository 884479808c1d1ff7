"""What every planning route shares: the tenant path id and the role checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from services.order_confirm.api.deps import DB_INT_MAX

TenantId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The tenant (shop) the plan belongs to")]
PREFIX = "/api/v1/planning/tenants/{tenant_id}"
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such tenant or row, or your role does not plan (operators)"},
    422: {"description": "Not valid: problem+json with `errors` (field or CSV row, and the reason)"},
}
