"""Committed OpenAPI documents (`contracts/openapi/`): external clients depend on them; drift fails a test."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.integrations import app as integrations
from services.integrations import runtime as integrations_runtime
from services.integrations.settings import IntegrationsSettings
from services.notify import app as notify
from services.notify import runtime as notify_runtime
from services.notify.settings import NotifySettings
from services.order_confirm import app as order_confirm
from services.order_confirm import runtime as order_confirm_runtime
from services.order_confirm.settings import OrderConfirmSettings

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "contracts" / "openapi"
_SCRATCH = "sqlite://"  # the schema needs an app, not a database


def _apps() -> dict[str, Callable[[], FastAPI]]:
    return {
        "order_confirm": lambda: order_confirm.create_app(
            order_confirm_runtime.build(OrderConfirmSettings(database_url=_SCRATCH, redis_url=None))
        ),
        "integrations": lambda: integrations.create_app(
            integrations_runtime.build(IntegrationsSettings(database_url=_SCRATCH, redis_url=None))
        ),
        "notify": lambda: notify.create_app(
            notify_runtime.build(NotifySettings(database_url=_SCRATCH, redis_url=None))
        ),
    }


def current_documents() -> dict[str, dict[str, Any]]:
    return {service: build().openapi() for service, build in _apps().items()}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_documents() -> list[Path]:
    OPENAPI_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for service, document in current_documents().items():
        path = OPENAPI_DIR / f"{service}.json"
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written
