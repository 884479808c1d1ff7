"""QA routers under /api/v1/qa/tenants/{tenant_id}/… (included by services.order_confirm.api)."""

from __future__ import annotations

from fastapi import FastAPI


def include_qa_routers(app: FastAPI) -> None:
    from services.order_confirm.qa.api import calibrations, disputes, evaluations, reports, scorecards, work

    app.include_router(scorecards.router)
    app.include_router(work.router)
    app.include_router(evaluations.router)
    app.include_router(disputes.router)
    app.include_router(calibrations.router)
    app.include_router(reports.router)
