"""Every operation of every service that takes a JSON body, sent hostile JSON: a 4xx problem, never a 5xx.

The per-webhook tests show each fix; this sweep keeps a route added later, or a body read by hand, from
answering 500 to the same input.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from services.common.settings import DEV_SERVICE_TOKEN
from tests.hostile.conftest import Stack

DEEP = "[" * 100_000 + "]" * 100_000
HUGE_NUMBER = '{"value": ' + "9" * 5_000 + "}"
NOT_FINITE = '{"value": 1e999, "other": NaN}'


def json_operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if any(media.endswith("json") for media in content):
                found.append((method.upper(), path))
    return found


def concrete(path: str, tenant: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: tenant if m.group(0) == "{tenant}" else "1", path)


def test_no_json_body_is_a_server_error_anywhere(stack: Stack) -> None:
    headers = {
        "order_confirm": stack.admin_headers(),
        "integrations": {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"},
        "notify": {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"},
    }
    failures, tried = [], 0
    for service, base_url in stack.urls.items():
        with httpx.Client(base_url=base_url, timeout=30) as client:
            operations = json_operations(client.get("/openapi.json").json())
            for method, path in operations:
                for body in (DEEP, HUGE_NUMBER, NOT_FINITE):
                    tried += 1
                    answer = client.request(
                        method,
                        concrete(path, stack.tenant),
                        content=body.encode(),
                        headers={**headers[service], "Content-Type": "application/json"},
                    )
                    problem = answer.headers.get("content-type") == "application/problem+json"
                    if answer.status_code >= 500 or (answer.status_code >= 400 and not problem):
                        failures.append(
                            f"{service} {method} {path} [{body[:12]}…]: {answer.status_code} {answer.text[:120]}"
                        )
    assert tried > 40, "the sweep found the operations"
    assert failures == [], "\n".join(failures)
