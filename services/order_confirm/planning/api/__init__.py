"""Planning routers under /api/v1/planning/tenants/{tenant_id}/… (included by services.order_confirm.api)."""

from __future__ import annotations

from fastapi import FastAPI


def include_planning_routers(app: FastAPI) -> None:
    from services.order_confirm.planning.api import plan, roster, shifts, tenants

    app.include_router(tenants.router)
    app.include_router(plan.router)
    app.include_router(shifts.router)
    app.include_router(roster.router)
