"""Dates at the edge of the calendar: 422, not OverflowError.

Reproduced first: `GET /api/v1/reports/speed?from=0001-01-01&to=0001-01-01` answered 500 (midnight in Moscow
of 1 January year 1 is before year 1 in UTC). Every date and date-time an endpoint reads is bounded in one
place (contracts/bounds.py); the structural test below keeps new endpoints from forgetting it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from okno.registry import SERVICES
from tests.hostile.conftest import Stack
from tests.intake.shop import order_body, signed_headers

DATE_FORMATS = {"date", "date-time"}


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01&to=0001-01-01",
        "from=9999-12-31&to=9999-12-31",
        "from=0001-01-01&to=9999-12-31&group_by=total",
    ],
)
def test_a_report_over_the_edge_of_the_calendar_is_422(stack_on_both: Stack, query: str) -> None:
    with stack_on_both.client("order_confirm") as client:
        answer = client.get(f"/api/v1/reports/speed?{query}", headers=stack_on_both.admin_headers())
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "validation_failed"
    assert {error["field"] for error in answer.json()["errors"]} <= {"query.from", "query.to"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/orders?received_from=0001-01-01T00:00:00%2B14:00&received_before=2026-01-01T00:00:00Z",
        "/api/v1/surveys?called_from=0001-01-01T00:00:00%2B14:00&called_before=9999-12-31T23:59:59-12:00",
        "/api/v1/audit?since=0001-01-01T00:00:00%2B14:00",
        "/api/v1/reports/daily?since=0001-01-01",
        "/api/v1/reports/daily/0001-01-01.xlsx",
        "/api/v1/planning/tenants/1/plan?from=9999-12-31",
        "/api/v1/planning/tenants/1/adherence?day=0001-01-01",
    ],
)
def test_extreme_moments_in_other_queries_are_422(stack_on_both: Stack, path: str) -> None:
    with stack_on_both.client("order_confirm") as client:
        answer = client.get(path, headers=stack_on_both.admin_headers())
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "validation_failed"


def test_a_sensible_period_is_still_answered(stack: Stack) -> None:
    with stack.client("order_confirm") as client:
        answer = client.get("/api/v1/reports/speed?from=2026-11-01&to=2026-11-30", headers=stack.admin_headers())
    assert answer.status_code == 200, answer.text


def test_every_date_an_endpoint_reads_is_bounded() -> None:
    unbounded = []
    for name, service in SERVICES.items():
        document = service.app(database_url="sqlite://", redis_url=None).openapi()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                inputs = [(f"parameter {p['name']}", p.get("schema", {})) for p in operation.get("parameters", [])]
                for media in operation.get("requestBody", {}).get("content", {}).values():
                    inputs.append(("body", media.get("schema", {})))
                for where, schema in inputs:
                    for field, found in _date_schemas(document, schema, where, set()):
                        if "formatMinimum" not in found or "formatMaximum" not in found:
                            unbounded.append(f"{name} {method.upper()} {path}: {field}")
    assert unbounded == [], "unbounded dates (use contracts.bounds):\n" + "\n".join(unbounded)


def _date_schemas(document: dict[str, Any], schema: Any, where: str, seen: set[str]) -> Iterator[tuple[str, Any]]:
    """Every schema with a date format reachable from `schema`, with the path of fields that leads to it."""
    if isinstance(schema, list):
        for item in schema:
            yield from _date_schemas(document, item, where, seen)
        return
    if not isinstance(schema, dict) or not schema:
        return
    reference = schema.get("$ref")
    if isinstance(reference, str):
        if reference in seen:
            return
        target = document
        for part in reference.removeprefix("#/").split("/"):
            target = target[part]
        yield from _date_schemas(document, target, where, seen | {reference})
    if schema.get("format") in DATE_FORMATS:
        yield where, schema
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        yield from _date_schemas(document, schema.get(key, []), where, seen)
    yield from _date_schemas(document, schema.get("items", {}), f"{where}[]", seen)
    for name, child in schema.get("properties", {}).items():
        yield from _date_schemas(document, child, f"{where}.{name}", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _date_schemas(document, schema["additionalProperties"], f"{where}.*", seen)


@pytest.mark.parametrize(
    ("field", "value"),
    [("created_at", "0001-01-01T00:00:00+03:00"), ("requested_date", "9999-12-31")],
)
def test_a_signed_order_from_the_edge_of_the_calendar_is_422(stack: Stack, field: str, value: str) -> None:
    document = order_body("EDGE-1")
    target = document["data"] if field == "created_at" else document["data"]["delivery"]
    target[field] = value
    body = json.dumps(document, ensure_ascii=False)
    with stack.client("integrations") as client:
        answer = client.post(f"/v1/webhooks/{stack.tenant}/orders", content=body.encode(), headers=signed_headers(body))
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_order"
