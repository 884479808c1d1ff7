"""App factories for production: one service per process, its settings from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from services.integrations import app as integrations
from services.integrations import runtime as integrations_runtime
from services.notify import app as notify
from services.notify import runtime as notify_runtime
from services.order_confirm import app as order_confirm
from services.order_confirm import runtime as order_confirm_runtime


def order_confirm_app() -> FastAPI:
    return order_confirm.create_app(order_confirm_runtime.build())


def integrations_app() -> FastAPI:
    return integrations.create_app(integrations_runtime.build())


def notify_app() -> FastAPI:
    return notify.create_app(notify_runtime.build())
