"""integrations's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import base_app
from services.common.metrics import install_metrics
from services.integrations.metrics import live_metrics
from services.integrations.runtime import IntegrationsRuntime


def create_app(runtime: IntegrationsRuntime) -> FastAPI:
    app = base_app(runtime, title="Okno integrations")
    from services.integrations.api import include_routers

    include_routers(app)
    install_metrics(app, runtime, live_metrics)
    return app
