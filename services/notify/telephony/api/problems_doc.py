"""OpenAPI `responses` for the telephony problems: each status with an example body per code."""

from __future__ import annotations

from typing import Any

from services.common.problems import PROBLEM_JSON, DomainError


def problem_responses(*errors: tuple[type[DomainError], str]) -> dict[int | str, dict[str, Any]]:
    """`(error class, example detail)` pairs grouped by status, as FastAPI's `responses=`."""
    responses: dict[int | str, dict[str, Any]] = {}
    for error, detail in errors:
        entry = responses.setdefault(error.status, {"description": "", "content": {PROBLEM_JSON: {"examples": {}}}})
        entry["description"] = "; ".join(filter(None, (entry["description"], f"`{error.code}`: {error.title}")))
        body: dict[str, Any] = {
            "type": f"https://okno.dev/problems/{error.code}",
            "title": error.title,
            "status": error.status,
            "detail": detail,
            "code": error.code,
            "instance": "/internal/v1/tenants/shop/telephony/calls",
        }
        if error.status == 503:
            body["retry_after"] = 30
        entry["content"][PROBLEM_JSON]["examples"][error.code] = {"summary": error.title, "value": body}
    return responses
