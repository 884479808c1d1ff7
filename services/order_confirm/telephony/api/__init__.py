"""Routes of the telephony package (thin: parse, authorize, call one function of the package, shape)."""

from __future__ import annotations

from fastapi import FastAPI


def include(app: FastAPI) -> None:
    from services.order_confirm.telephony.api import calls, calls_attach, recordings, settings

    app.include_router(settings.router)
    app.include_router(calls_attach.router)
    app.include_router(calls.router)
    app.include_router(recordings.router)
