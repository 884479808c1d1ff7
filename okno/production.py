"""App factories for production (`okno serve SERVICE`): one service per process, settings from the environment.

uvicorn needs an import string per factory to start several worker processes, hence one name per service.
"""

from __future__ import annotations

from fastapi import FastAPI

from okno.registry import SERVICES


def order_confirm_app() -> FastAPI:
    return SERVICES["order_confirm"].app()


def integrations_app() -> FastAPI:
    return SERVICES["integrations"].app()


def notify_app() -> FastAPI:
    return SERVICES["notify"].app()
