"""One router per resource; each module is thin."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    """Routers are added here as resources are built."""
    from services.integrations.api import webhooks

    app.include_router(webhooks.router)
