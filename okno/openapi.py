"""Committed OpenAPI documents (`contracts/openapi/`): external clients depend on them; drift fails a test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from okno.registry import SERVICES
from services.common.encryption import new_key

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "contracts" / "openapi"
_SCRATCH = "sqlite://"  # the schema needs an app, not a database


def current_documents() -> dict[str, dict[str, Any]]:
    # A throwaway key: nothing is stored, but integrations does not start without one.
    scratch = {"database_url": _SCRATCH, "redis_url": None, "secret_keys": new_key()}
    return {name: service.app(**scratch).openapi() for name, service in SERVICES.items()}


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
