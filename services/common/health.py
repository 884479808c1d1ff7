"""`/healthz` (the process answers) and `/readyz` (its database and broker answer)."""

from __future__ import annotations

from collections.abc import Callable

import dramatiq
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from services.common.capabilities import Capabilities
from services.common.messaging.broker import broker_reachable
from services.common.outages import database_fault, database_health


def database_reachable(engine: Engine) -> tuple[bool, str]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach the database means "not ready"
        fault = database_fault(error)
        if fault is not None:  # the one log line of an outage, if no request has logged it yet
            database_health(engine.url).report(fault, error)
        return False, f"database unreachable: {error.__class__.__name__}"
    return True, "ok"


def health_router(
    service: str,
    engine: Callable[[], Engine],
    broker: Callable[[], dramatiq.Broker],
    capabilities: Callable[[], Capabilities] = Capabilities,
) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get("/readyz", responses={503: {"description": "A dependency is unreachable"}})
    def readyz() -> JSONResponse:
        checks = {
            "database": database_reachable(engine()),
            "broker": broker_reachable(broker()),
        }
        failing = [name for name, (ok, _) in checks.items() if not ok]
        body = {
            "status": "ok" if not failing else "unavailable",
            "service": service,
            "failing": failing,
            "checks": {name: detail for name, (_, detail) in checks.items()},
            # A capability without credentials does not make the instance unready (the rest of the service
            # works); it is listed so operators see it, and its own routes answer 503.
            "capabilities": capabilities().as_json(),
        }
        return JSONResponse(body, status_code=503 if failing else 200)

    return router
