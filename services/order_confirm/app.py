"""order_confirm's FastAPI app: the operator API under /api/v1 and the console under /console/."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import base_app
from services.order_confirm.runtime import OrderConfirmRuntime


def create_app(runtime: OrderConfirmRuntime) -> FastAPI:
    app = base_app(runtime, title="Okno order_confirm")
    from services.order_confirm.api import include_routers

    include_routers(app)
    return app
