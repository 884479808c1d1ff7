"""notify's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import base_app
from services.common.metrics import install_metrics
from services.notify.metrics import live_metrics
from services.notify.runtime import NotifyRuntime


def create_app(runtime: NotifyRuntime) -> FastAPI:
    app = base_app(runtime, title="Okno notify")
    from services.notify.api import include_routers

    include_routers(app)
    install_metrics(app, runtime, live_metrics)
    return app
