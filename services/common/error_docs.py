"""The answers every operation may give whatever it does, written into each service's OpenAPI document.

A route documents its own errors; these come from the layers around every route (body_limit.py,
error_guard.py), so they are added here once: 413 where an operation takes a body, 503 where it may reach the
database, and the problem+json schema they share (docs/errors.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from services.common.outages import BUSY, UNAVAILABLE
from services.common.problems import PROBLEM_JSON

# Routes that answer without the database, or that report it themselves (/readyz).
_NO_DATABASE = {"/healthz", "/readyz"}
_WITH_BODY = {"post", "put", "patch"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `code` is stable and machine-readable (docs/errors.md).",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "instance"],
    "properties": {
        "type": {"type": "string", "format": "uri", "example": "https://okno.dev/problems/database_unavailable"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string", "description": "The request path"},
        "errors": {
            "type": "array",
            "description": "Every invalid field (422)",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "type": {"type": "string"}},
            },
        },
        "retry_after": {"type": "integer", "description": "Seconds, as in the Retry-After header (429, 503)"},
        "request_id": {"type": "string", "description": "500 only: quote it when reporting the failure"},
    },
    "additionalProperties": True,
}
_REF = {"$ref": "#/components/schemas/Problem"}
_DATABASE_DOWN_REF = "#/components/responses/DatabaseUnavailable"


def _example(status: int, code: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    body = {"type": f"https://okno.dev/problems/{code}", "title": title, "status": status, "detail": detail}
    return {"summary": title, "value": {**body, "code": code, "instance": "/api/v1/example", **extra}}


TOO_LARGE: dict[str, Any] = {
    "description": "The body is over the size limit (`OKNO_MAX_BODY_BYTES`); nothing of it was used",
    "content": {
        PROBLEM_JSON: {
            "schema": _REF,
            "examples": {
                "payload_too_large": _example(
                    413,
                    "payload_too_large",
                    "The request body is too large",
                    "The request body must be at most 1048576 bytes.",
                    max_bytes=1048576,
                )
            },
        }
    },
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}}
DATABASE_DOWN: dict[str, Any] = {
    "description": "The database is unavailable or busy; nothing was changed, try again after `Retry-After`",
    "headers": _RETRY_AFTER,
    "content": {
        PROBLEM_JSON: {
            "schema": _REF,
            "examples": {
                fault.code: _example(503, fault.code, fault.title, fault.detail, retry_after=fault.retry_after)
                for fault in (UNAVAILABLE, BUSY)
            },
        }
    },
}


def add_common_errors(document: dict[str, Any]) -> None:
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components.setdefault("responses", {}).update(PayloadTooLarge=TOO_LARGE, DatabaseUnavailable=DATABASE_DOWN)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if method in _WITH_BODY:
                responses["413"] = {"$ref": "#/components/responses/PayloadTooLarge"}
            if path in _NO_DATABASE:
                continue
            own = responses.get("503")
            responses["503"] = (
                _with_database_down(own) if own else {"$ref": "#/components/responses/DatabaseUnavailable"}
            )


def _with_database_down(own: dict[str, Any]) -> dict[str, Any]:
    """The database's 503 joined to a route's own (a capability not configured)."""
    own_examples = own.get("content", {}).get(PROBLEM_JSON, {}).get("examples", {})
    examples = {**own_examples, **DATABASE_DOWN["content"][PROBLEM_JSON]["examples"]}
    return {
        **DATABASE_DOWN,
        "description": f"{own.get('description', '')}; or: {DATABASE_DOWN['description']}",
        "content": {PROBLEM_JSON: {"schema": _REF, "examples": examples}},
    }


def document_common_errors(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_common_errors(build())  # `build` caches the document it returns in `app.openapi_schema`
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
