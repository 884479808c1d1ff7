"""integrations's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import base_app
from services.common.metrics import install_metrics
from services.common.openapi_bodies import document_bodies
from services.integrations.metrics import live_metrics
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.tenant_cache import TenantCache


def create_app(runtime: IntegrationsRuntime) -> FastAPI:
    app = base_app(runtime, title="Okno integrations")
    app.state.tenant_cache = TenantCache()  # the order webhook's tenants and secrets (tenant_cache.py)
    from services.integrations.api import include_routers
    from services.integrations.api.order_webhook_docs import BODY_MODELS

    include_routers(app)
    document_bodies(app, *BODY_MODELS)
    install_metrics(app, runtime, live_metrics)
    return app
