"""One router per resource; each module is thin."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    """Routers are added here as resources are built."""
    from services.integrations.api import webhooks

    app.include_router(webhooks.router)
    from services.integrations.api import provider_webhooks, same_day

    app.include_router(same_day.router)
    app.include_router(provider_webhooks.router)
    from services.integrations.api import erp_sync

    app.include_router(erp_sync.router)
