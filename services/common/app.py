"""The parts every service's FastAPI app shares: problem+json errors, request ids, health, admin routes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from services.common.admin import admin_router
from services.common.body_limit import BodyLimitMiddleware
from services.common.error_docs import document_common_errors
from services.common.error_guard import ErrorGuardMiddleware
from services.common.forwarded import ForwardedClientMiddleware, TrustedProxies, parse_networks
from services.common.health import health_router
from services.common.hot_front import FrontedApp
from services.common.logs import RequestIdMiddleware
from services.common.outages import database_health
from services.common.problems import install_problem_handlers
from services.common.runtime import Runtime


def runtime_of(request: Request) -> Runtime[Any]:
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


def base_app(runtime: Runtime[Any], *, title: str, version: str = "1.0.0") -> FastAPI:
    app = FrontedApp(title=title, version=version)  # hand-served routes before routing (hot_front.py)
    app.state.runtime = runtime
    install_problem_handlers(app)
    document_common_errors(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(ErrorGuardMiddleware, health=lambda: database_health(runtime.engine.url))
    app.add_middleware(RequestIdMiddleware)  # outside the others, so their answers carry the request id too
    # Added last, so it runs first: everything after it (logs, rate limits, source fences) sees the real client.
    trusted = TrustedProxies(parse_networks(runtime.settings.trusted_proxies))
    app.add_middleware(ForwardedClientMiddleware, trusted=trusted)
    app.include_router(
        health_router(runtime.name, lambda: runtime.engine, lambda: runtime.broker, lambda: runtime.capabilities)
    )
    app.include_router(admin_router(runtime_of))
    return app
