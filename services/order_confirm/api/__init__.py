"""One router per resource; each module is thin: parse, authorize, call one service function, shape."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    """Routers are added here as resources are built (auth, queue, orders, customers, reports, ...)."""
    from services.order_confirm.api import auth, orders, queue

    app.include_router(auth.router)
    app.include_router(queue.router)
    app.include_router(orders.router)
    from services.order_confirm.api import audit, cover, customers

    app.include_router(customers.router)
    app.include_router(cover.router)
    app.include_router(audit.router)
    from services.order_confirm.api import daily_reports, reports

    app.include_router(daily_reports.router)  # before reports: `/reports/{report}` would swallow `/daily`
    app.include_router(reports.router)
    from services.order_confirm.api import surveys

    app.include_router(surveys.router)
    from services.order_confirm.api import same_day

    app.include_router(same_day.router)
    from services.order_confirm.api import ratings

    app.include_router(ratings.router)
    from services.order_confirm.api import staff, tenant_policy

    app.include_router(staff.router)
    app.include_router(tenant_policy.router)
    from services.order_confirm.api import console, events, floor

    app.include_router(events.router)
    app.include_router(floor.router)
    from services.order_confirm.planning.api import include_planning_routers

    include_planning_routers(app)
    from services.order_confirm.qa.api import include_qa_routers

    include_qa_routers(app)
    from services.order_confirm.telephony import api as telephony_api

    telephony_api.include(app)
    console.mount_console(app)
