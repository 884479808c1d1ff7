"""Routes of the telephony package (thin: parse, authorize, call one function of the package, shape)."""

from __future__ import annotations

from fastapi import FastAPI


def include(app: FastAPI) -> None:
    from services.order_confirm.telephony.api import settings

    app.include_router(settings.router)
