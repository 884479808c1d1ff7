"""App factories for production (`okno serve SERVICE`): one service per process, settings from the environment.

uvicorn needs an import string per factory to start several worker processes, hence one name per service.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from okno.registry import SERVICES


def order_confirm_app() -> FastAPI:
    return serving(SERVICES["order_confirm"].app())


def integrations_app() -> FastAPI:
    return serving(SERVICES["integrations"].app())


def notify_app() -> FastAPI:
    return serving(SERVICES["notify"].app())


def serving(app: FastAPI) -> FastAPI:
    """The app of a process that serves it for its whole life: what was built to start it (modules, models,
    routes: some 250 000 objects) lives as long as the process, so it is moved out of the garbage collector's
    reach. Otherwise every full collection scans all of it, a pause of tens of milliseconds that requests in
    flight under load set off often (each promotes its short-lived objects to the oldest generation)."""
    gc.freeze()
    return app
