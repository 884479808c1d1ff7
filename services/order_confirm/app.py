"""order_confirm's FastAPI app: the operator API under /api/v1 and the console under /console/."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import base_app
from services.common.metrics import install_metrics
from services.order_confirm.runtime import OrderConfirmRuntime
from services.order_confirm.service.reports.live import live_metrics
from services.order_confirm.streams.metrics import StreamsCollector


def create_app(runtime: OrderConfirmRuntime) -> FastAPI:
    app = base_app(runtime, title="Okno order_confirm")
    from services.order_confirm.api import include_routers

    include_routers(app)
    metrics = install_metrics(app, runtime, live_metrics)
    metrics.registry.register(StreamsCollector())
    return app
